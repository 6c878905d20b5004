"""The booking API's write paths drive reminders and notices through the seam."""

from datetime import timedelta

import icalendar
import pytest
from django.core import mail

from bookings.models import Booking
from tests import factories
from tests.bookings.conftest import TUESDAY_10, payload
from tests.notifications.mailbox import leads, to_clients, to_therapists

pytestmark = pytest.mark.django_db


def client_name(client):
    return f"{client.first_name} {client.last_name}"


def reminder_rows(booking_id):
    booking = Booking.objects.get(pk=booking_id)
    return sorted(
        (r.offset_hours, r.due_at, r.status) for r in booking.reminders.filter(status="pending")
    )


def test_book_confirm_reschedule_cancel_plan_reminders_and_send_each_notice_once(
    world, eager, outbox, django_capture_on_commit_callbacks
):
    client_api = factories.api_as(world.client_a.user)
    admin_api = factories.api_as(world.admin)

    with django_capture_on_commit_callbacks(execute=True):
        created = client_api.post("/api/v1/bookings/", payload(world))
    booking_id = created.json()["id"]
    assert created.status_code == 201
    assert reminder_rows(booking_id) == [
        (2, TUESDAY_10 - timedelta(hours=2), "pending"),
        (24, TUESDAY_10 - timedelta(hours=24), "pending"),
    ]
    # A request is acknowledged, not confirmed: no calendar file yet.
    assert leads(to_clients(outbox)) == ["We have your booking request"]
    assert to_clients(outbox)[0].attachments == []

    with django_capture_on_commit_callbacks(execute=True):
        confirmed = admin_api.post(f"/api/v1/bookings/{booking_id}/confirm/")
        admin_api.post(f"/api/v1/bookings/{booking_id}/confirm/")  # refused: already confirmed
    assert confirmed.status_code == 200

    wednesday_10 = TUESDAY_10 + timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        moved = client_api.post(
            f"/api/v1/bookings/{booking_id}/reschedule/", {"start": wednesday_10.isoformat()}
        )
    assert moved.status_code == 200
    assert reminder_rows(booking_id) == [
        (2, wednesday_10 - timedelta(hours=2), "pending"),
        (24, wednesday_10 - timedelta(hours=24), "pending"),
    ]

    with django_capture_on_commit_callbacks(execute=True):
        cancelled = client_api.post(f"/api/v1/bookings/{booking_id}/cancel/")
    assert cancelled.status_code == 200

    listed = client_api.get(f"/api/v1/bookings/{booking_id}/reminders/").json()["results"]
    assert {(r["offset_hours"], r["status"]) for r in listed} == {(24, "skipped"), (2, "skipped")}
    client_mail = to_clients(mail.outbox)
    assert leads(client_mail) == [
        "We have your booking request",
        "Your appointment is confirmed",
        "Your appointment has moved",
        "Your appointment is cancelled",
    ]
    confirmed_ics, moved_ics = (
        icalendar.Calendar.from_ical(m.attachments[0][1]).walk("VEVENT")[0]
        for m in client_mail[1:3]
    )
    # The move replaces the calendar's event: the same UID, a higher SEQUENCE, the new time.
    assert moved_ics["uid"] == confirmed_ics["uid"]
    assert int(moved_ics["sequence"]) > int(confirmed_ics["sequence"])
    assert moved_ics.decoded("dtstart") == wednesday_10
    assert "Your appointment has moved" in client_mail[2].body
    # The therapist heard of each change but the confirmation (theirs to give).
    assert leads(to_therapists(mail.outbox)) == [
        "New booking request: " + client_name(world.client_a),
        "Booking moved: " + client_name(world.client_a),
        "Booking cancelled: " + client_name(world.client_a),
    ]


def test_a_clinic_cancellation_notice_says_the_clinic_cancelled_and_why(
    world, eager, outbox, django_capture_on_commit_callbacks
):
    admin_api = factories.api_as(world.admin)
    booked = factories.api_as(world.client_a.user).post("/api/v1/bookings/", payload(world))
    booking_id = booked.json()["id"]

    with django_capture_on_commit_callbacks(execute=True):
        admin_api.post(f"/api/v1/bookings/{booking_id}/cancel/", {"reason": "Therapist is ill"})

    [message] = [m for m in mail.outbox if m.subject.startswith("Your appointment is cancelled")]
    assert "the clinic has had to cancel your appointment (Therapist is ill)" in message.body
    html = message.alternatives[0][0]
    assert "the clinic has had to cancel your appointment (Therapist is ill)" in html
    assert "late cancellation" not in message.body


def test_a_clients_own_cancellation_notice_does_not_blame_the_clinic(
    world, eager, outbox, django_capture_on_commit_callbacks
):
    client_api = factories.api_as(world.client_a.user)
    booking_id = client_api.post("/api/v1/bookings/", payload(world)).json()["id"]

    with django_capture_on_commit_callbacks(execute=True):
        client_api.post(f"/api/v1/bookings/{booking_id}/cancel/", {"reason": "Travelling"})

    [message] = [m for m in mail.outbox if m.subject.startswith("Your appointment is cancelled")]
    assert "Your appointment has been cancelled" in message.body
    assert "clinic has had to cancel" not in message.body


def test_two_moves_before_the_dispatcher_runs_send_only_the_latest(world, frozen, eager, outbox):
    from notifications import tasks

    client_api = factories.api_as(world.client_a.user)
    booking_id = client_api.post("/api/v1/bookings/", payload(world)).json()["id"]
    for days in (1, 2):
        frozen.shift(timedelta(seconds=1))
        moved = client_api.post(
            f"/api/v1/bookings/{booking_id}/reschedule/",
            {"start": (TUESDAY_10 + timedelta(days=days)).isoformat()},
        )
        assert moved.status_code == 200

    tasks.dispatch_due.apply()  # in-process: claims and sends what is due, once

    moved_notices = Booking.objects.get(pk=booking_id).notices.filter(kind="rescheduled")
    assert sorted(moved_notices.values_list("status", "skip_reason")) == [
        ("sent", ""),
        ("skipped", "The booking changed again since (a later notice says so)."),
    ]
    [message] = [m for m in outbox if m.subject.startswith("Your appointment has moved")]
    assert "Thursday 7 May 2026, 10:00" in message.body


def test_the_cancellation_texts_say_who_cancelled_and_whether_it_is_late(
    world, frozen, eager, outbox, sms_outbox, settings, django_capture_on_commit_callbacks
):
    settings.SMS_ENABLED = True
    world.client_a.phone = "+1 416 555 0123"
    world.client_a.save()
    client_api = factories.api_as(world.client_a.user)
    first = client_api.post("/api/v1/bookings/", payload(world)).json()["id"]
    second = client_api.post(
        "/api/v1/bookings/", payload(world, start=TUESDAY_10 + timedelta(hours=3))
    ).json()["id"]
    frozen.move_to(TUESDAY_10 - timedelta(hours=2))

    with django_capture_on_commit_callbacks(execute=True):
        client_api.post(f"/api/v1/bookings/{first}/cancel/")
        factories.api_as(world.admin).post(
            f"/api/v1/bookings/{second}/cancel/", {"reason": "Therapist is ill"}
        )

    texts = [body for _, body in sms_outbox]
    assert any(
        "your appointment Tue 05 May at 10:00 is cancelled. It counts as a late cancellation."
        in text
        for text in texts
    ), texts
    assert any(
        "the clinic has had to cancel your appointment Tue 05 May at 13:00 (Therapist is ill)"
        in text
        for text in texts
    ), texts
