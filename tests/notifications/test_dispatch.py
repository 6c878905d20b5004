"""Dispatch and send through the Celery tasks (eager): once, with the right content, and the
faults: cancel or delete between claim and send, no address, retries, failure, expiry."""

import email
import threading
from datetime import timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from bookings.signals import announce as booking_changed
from clinic.statuses import BookingStatus
from notifications import dispatcher as reminders
from notifications import services as notification_services
from notifications import tasks
from notifications.models import Notice, Reminder
from tests import factories
from tests.notifications.backends import FlakyEmailBackend

pytestmark = pytest.mark.django_db


@pytest.fixture
def due_reminder(make_booking):
    """A booking 26 h ahead whose 24 h reminder is due in two hours (2 h one: 24 h)."""
    booking = make_booking(hours_ahead=26)
    booking_changed(booking, previous_status=None)
    Notice.objects.all().delete()  # these tests are about reminders
    return booking.reminders.get(offset_hours=24)


def after(reminder, minutes=1):
    return time_machine.travel(reminder.due_at + timedelta(minutes=minutes), tick=False)


def dispatch():
    return tasks.dispatch_due.delay().get()


def claim(reminder):
    """Claim like the dispatcher does, without publishing: (token, claimed ids)."""
    token, ids = reminders.claim_due_batch(Reminder)
    assert reminder.pk in ids
    return str(token)


def test_a_due_reminder_is_sent_once_by_email(eager, outbox, due_reminder):
    with after(due_reminder):
        first = dispatch()
        second = dispatch()

    due_reminder.refresh_from_db()
    assert (first, second) == (1, 0)
    assert len(outbox) == 1
    assert due_reminder.status == "sent"
    assert due_reminder.sent_at == due_reminder.due_at + timedelta(minutes=1)
    assert due_reminder.claim_token is None
    assert due_reminder.attempts == 1


def test_a_reminder_that_is_not_due_yet_waits(eager, outbox, due_reminder):
    with time_machine.travel(due_reminder.due_at - timedelta(minutes=1), tick=False):
        handed = dispatch()

    assert handed == 0
    assert outbox == []


def test_the_email_speaks_to_the_client_in_the_clinics_time_zone(eager, outbox, due_reminder):
    booking = due_reminder.booking
    local_start = timezone.localtime(booking.start, ZoneInfo("America/Toronto"))
    with after(due_reminder):
        dispatch()

    message = outbox[0]
    html = message.alternatives[0][0]
    assert message.to == [booking.client.email]
    assert message.extra_headers["X-Kneadly-Delivery"] == f"reminder:{due_reminder.pk}"
    assert message.subject.startswith("Reminder: your appointment on")
    assert f"{local_start:%H:%M}" in message.subject
    for body in (message.body, html):
        assert "Hi Carl," in body
        assert f"{local_start:%H:%M}" in body
        assert "America/Toronto" in body
        assert "Tess Moreau, RMT" in body
        assert f"{settings.SITE_URL}/visits/{booking.pk}/cancel/?k=" in body  # a signed link
    assert "in 24 hours" in message.body
    assert "<a href=" in html
    assert message.alternatives[0][1] == "text/html"


def test_the_text_email_is_not_html_escaped(eager, outbox, due_reminder):
    client = due_reminder.booking.client
    client.first_name = "Siobhán & Ré'al"
    client.save()
    with after(due_reminder):
        dispatch()

    message = outbox[0]
    assert "Hi Siobhán & Ré'al," in message.body
    assert "Hi Siobhán &amp; Ré&#x27;al," in message.alternatives[0][0]


def test_the_email_carries_the_appointment_as_an_ics_file(eager, outbox, due_reminder):
    booking = due_reminder.booking
    with after(due_reminder):
        dispatch()

    name, content, mimetype = outbox[0].attachments[0]
    calendar = icalendar.Calendar.from_ical(content)
    event = calendar.walk("VEVENT")[0]
    assert name == "appointment.ics"
    assert mimetype == "text/calendar; method=PUBLISH"
    assert event.decoded("dtstart") == booking.start
    assert event.decoded("dtend") == booking.end
    assert str(event.decoded("dtstart").tzinfo) == "America/Toronto"
    assert str(event["uid"]).startswith(f"booking-{booking.pk}@")
    assert calendar.walk("VTIMEZONE")  # the zone travels with the event
    # and the whole message is valid MIME with both bodies and the attachment
    parsed = email.message_from_bytes(outbox[0].message().as_bytes())
    types = {part.get_content_type() for part in parsed.walk()}
    assert {"text/plain", "text/html", "text/calendar"} <= types


def test_a_redelivered_or_retried_send_message_does_not_send_again(eager, outbox, due_reminder):
    with after(due_reminder):
        token = claim(due_reminder)
        results = [tasks.send_reminder.delay(due_reminder.pk, token).get() for _ in range(3)]

    assert results == ["sent", "stale", "stale"]
    assert len(outbox) == 1


def test_a_send_with_an_old_claim_does_nothing(eager, outbox, due_reminder):
    with after(due_reminder):
        old = claim(due_reminder)
    with after(due_reminder, minutes=12):  # the claim expired; the dispatcher claims again
        new = claim(due_reminder)
        late = tasks.send_reminder.delay(due_reminder.pk, old).get()
        current = tasks.send_reminder.delay(due_reminder.pk, new).get()

    assert old != new
    assert (late, current) == ("stale", "sent")
    assert len(outbox) == 1


def test_a_live_claim_is_not_taken_by_another_dispatcher(eager, outbox, due_reminder):
    with after(due_reminder):
        claim(due_reminder)
    with after(due_reminder, minutes=5):
        handed = dispatch()

    assert handed == 0
    assert outbox == []


def test_a_claim_that_is_never_completed_expires_and_is_sent_later(eager, outbox, due_reminder):
    with after(due_reminder):
        claim(due_reminder)  # a worker that died before sending
    with after(due_reminder, minutes=11):
        handed = dispatch()

    due_reminder.refresh_from_db()
    assert handed == 1
    assert due_reminder.status == "sent"
    assert len(outbox) == 1


def test_a_booking_cancelled_between_claim_and_send_is_skipped_not_sent(
    eager, outbox, due_reminder
):
    booking = due_reminder.booking
    with after(due_reminder):
        token = claim(due_reminder)
        booking.status = BookingStatus.CANCELLED
        booking.save()  # a write path that did not go through the seam (or lost the race)
        result = tasks.send_reminder.delay(due_reminder.pk, token).get()

    due_reminder.refresh_from_db()
    assert result == "skipped"
    assert (due_reminder.status, due_reminder.skip_reason) == (
        "skipped",
        "The booking is cancelled.",
    )
    assert outbox == []


def test_a_booking_cancelled_through_the_seam_after_the_claim_is_not_sent(
    eager, outbox, due_reminder
):
    booking = due_reminder.booking
    with after(due_reminder):
        token = claim(due_reminder)
        booking.status = BookingStatus.CANCELLED
        booking.save()
        booking_changed(booking, previous_status=BookingStatus.CONFIRMED)
        result = tasks.send_reminder.delay(due_reminder.pk, token).get()

    due_reminder.refresh_from_db()
    assert result == "stale"
    assert due_reminder.status == "skipped"
    assert [m.subject for m in outbox if "Reminder" in m.subject] == []


def test_a_booking_deleted_between_claim_and_send_sends_nothing(eager, outbox, due_reminder):
    with after(due_reminder):
        token = claim(due_reminder)
        due_reminder.booking.delete()
        result = tasks.send_reminder.delay(due_reminder.pk, token).get()

    assert result == "stale"
    assert not Reminder.objects.filter(pk=due_reminder.pk).exists()
    assert outbox == []


def test_a_client_without_email_gets_the_reminder_skipped_with_the_reason(
    eager, outbox, due_reminder
):
    client = due_reminder.booking.client
    client.email = ""
    client.save()
    with after(due_reminder):
        dispatch()

    due_reminder.refresh_from_db()
    assert (due_reminder.status, due_reminder.skip_reason) == (
        "skipped",
        "The client has no email address.",
    )
    assert due_reminder.sent_at is None
    assert outbox == []


def test_a_reminder_whose_appointment_already_started_is_skipped(eager, outbox, due_reminder):
    booking = due_reminder.booking
    with time_machine.travel(booking.start + timedelta(minutes=5), tick=False):
        dispatch()

    statuses = dict(booking.reminders.values_list("offset_hours", "status"))
    assert statuses == {24: "skipped", 2: "skipped"}
    assert outbox == []


@override_settings(
    EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
    EMAIL_HOST="127.0.0.1",
    EMAIL_PORT=1,  # nothing listens: connection refused, a real transient failure
    EMAIL_TIMEOUT=2,
)
def test_transient_failures_are_retried_then_the_reminder_is_failed_with_the_error(
    eager, due_reminder
):
    with after(due_reminder):
        dispatch()

    due_reminder.refresh_from_db()
    assert due_reminder.status == "failed"
    assert due_reminder.attempts == tasks.send_reminder.max_retries + 1 == 6
    assert due_reminder.error.startswith("ConnectionRefusedError")
    assert due_reminder.sent_at is None
    assert due_reminder.claim_token is None


@override_settings(EMAIL_BACKEND="tests.notifications.backends.FlakyEmailBackend")
def test_a_transient_failure_is_retried_and_then_sent_once(eager, outbox, due_reminder):
    FlakyEmailBackend.failures = 2
    with after(due_reminder):
        dispatch()

    due_reminder.refresh_from_db()
    assert due_reminder.status == "sent"
    assert due_reminder.attempts == 3
    assert due_reminder.error == ""
    assert len(outbox) == 1


@override_settings(EMAIL_BACKEND="tests.notifications.backends.FlakyEmailBackend")
def test_a_retry_keeps_the_claim_so_no_dispatcher_takes_it_meanwhile(due_reminder):
    FlakyEmailBackend.failures = 1
    with after(due_reminder):
        token = claim(due_reminder)
        # Called as the worker does; the autoretry wrapper turns this error into a retry.
        with pytest.raises(Exception, match="unexpectedly closed"):
            reminders.send(Reminder, due_reminder.pk, token, last_try=False)
        taken_again = reminders.claim_due_batch(Reminder)[1]

    due_reminder.refresh_from_db()
    assert taken_again == []
    assert due_reminder.status == "pending"
    assert str(due_reminder.claim_token) == token
    assert due_reminder.error == "SMTPServerDisconnected: Connection unexpectedly closed"


@override_settings(EMAIL_BACKEND="tests.notifications.backends.BrokenTemplateLikeBackend")
def test_a_permanent_error_fails_the_reminder_at_once(eager, due_reminder):
    with after(due_reminder):
        dispatch()

    due_reminder.refresh_from_db()
    assert due_reminder.status == "failed"
    assert due_reminder.attempts == 1
    assert "Recipient address rejected" in due_reminder.error


def test_an_admin_can_send_failed_ones_again(eager, outbox, due_reminder):
    Reminder.objects.filter(pk=due_reminder.pk).update(status="failed", error="SMTP down")
    with after(due_reminder):
        count = notification_services.retry_failed(Reminder.objects.all())
        dispatch()

    due_reminder.refresh_from_db()
    assert count == 1
    assert due_reminder.status == "sent"
    assert len(outbox) == 1


def test_sms_reminders_go_through_the_sms_backend_once(
    eager, outbox, sms_outbox, settings, make_booking
):
    settings.SMS_ENABLED = True
    booking = make_booking(hours_ahead=26)
    booking_changed(booking, previous_status=None)
    due = booking.reminders.get(offset_hours=24, channel="sms")
    with after(due):
        dispatch()
        dispatch()

    reminders_sent = [(to, body) for to, body in sms_outbox if "Reminder:" in body]
    confirmations = [body for _, body in sms_outbox if ": confirmed," in body]
    assert len(reminders_sent) == 1
    assert len(confirmations) == 1  # the notice went by SMS too
    to, body = reminders_sent[0]
    assert to == "+1 416 555 0199"
    assert "Reminder: Trigger point therapy with Tess Moreau, RMT" in body
    assert f"/visits/{booking.pk}/cancel/?k=" in body
    assert booking.reminders.get(offset_hours=24, channel="sms").status == "sent"
    assert booking.reminders.get(offset_hours=24, channel="email").status == "sent"


def test_confirmation_and_cancellation_notices_go_out_exactly_once(
    eager, outbox, make_booking, django_capture_on_commit_callbacks
):
    booking = make_booking(hours_ahead=72, status=BookingStatus.REQUESTED)
    with django_capture_on_commit_callbacks(execute=True):
        booking_changed(booking, previous_status=None)
        booking.status = BookingStatus.CONFIRMED
        booking.save()
        booking_changed(booking, previous_status=BookingStatus.REQUESTED)
        booking_changed(booking, previous_status=BookingStatus.REQUESTED)
    with django_capture_on_commit_callbacks(execute=True):
        booking.status = BookingStatus.CANCELLED
        booking.save()
        booking_changed(booking, previous_status=BookingStatus.CONFIRMED)
        booking_changed(booking, previous_status=BookingStatus.CONFIRMED)
    dispatch()

    subjects = [m.subject.split(" on ")[0] for m in outbox]
    assert subjects == ["Your appointment is confirmed", "Your appointment is cancelled"]
    cancel_ics = icalendar.Calendar.from_ical(outbox[1].attachments[0][1])
    assert str(cancel_ics["method"]) == "CANCEL"
    assert str(cancel_ics.walk("VEVENT")[0]["status"]) == "CANCELLED"
    # The request's "received" notice was overtaken by the confirmation before it went out.
    assert dict(booking.notices.values_list("kind", "status")) == {
        "request_received": "skipped",
        "confirmation": "sent",
        "cancellation": "sent",
    }


def test_a_confirmation_still_queued_when_the_booking_is_cancelled_is_skipped(
    eager, outbox, make_booking
):
    booking = make_booking(hours_ahead=72)
    booking_changed(booking, previous_status=None)  # queues the confirmation
    booking.status = BookingStatus.CANCELLED
    booking.save()
    booking_changed(booking, previous_status=BookingStatus.CONFIRMED)
    dispatch()

    notices = dict(booking.notices.values_list("kind", "status"))
    assert notices == {"confirmation": "skipped", "cancellation": "sent"}
    assert [m.subject.split(" on ")[0] for m in outbox] == ["Your appointment is cancelled"]


@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_at_once_send_each_reminder_exactly_once(eager, outbox, people):
    service = people[2]
    start = timezone.now() + timedelta(hours=26)
    bookings = [
        factories.make_booking(
            therapist=factories.make_therapist(services=[service]),
            client=factories.make_client(),
            service=service,
            start=start,
        )
        for _ in range(20)
    ]
    for booking in bookings:
        booking_changed(booking, previous_status=None)  # autocommit: notices go at once
    mail.outbox.clear()
    due = Reminder.objects.filter(offset_hours=24)
    assert due.count() == 20
    barrier = threading.Barrier(2)
    handed, errors = [], []

    def dispatcher():
        try:
            barrier.wait()
            handed.append(reminders.dispatch_due(batch_size=3))
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()  # each thread had its own connection

    with time_machine.travel(start - timedelta(hours=23), tick=True):
        threads = [threading.Thread(target=dispatcher) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)

    sent_ids = [m.extra_headers["X-Kneadly-Delivery"] for m in mail.outbox]
    assert all(sent.startswith("reminder:") for sent in sent_ids)
    assert errors == []
    assert sum(handed) == 20
    assert min(handed) > 0  # both dispatchers took part
    assert len(sent_ids) == 20
    assert len(set(sent_ids)) == 20
    assert set(due.values_list("status", flat=True)) == {"sent"}
