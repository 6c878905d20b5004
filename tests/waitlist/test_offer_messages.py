"""Telling a client of their waitlist offer through the notifications dispatcher: one row per
offer and channel written by the scan, sent once (a second dispatch, a redelivered send task),
skipped with the reason when the offer is no longer open by then, text and HTML in the clinic's
time, SMS, and transient SMTP failures retried with attempts and error recorded."""

import email
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client as BrowserClient
from django.test import override_settings

from notifications import dispatcher
from notifications import services as notification_services
from notifications import tasks as notification_tasks
from tests import factories
from tests.bookings.conftest import NOW, TUESDAY_10, book
from tests.notifications.backends import FlakyEmailBackend
from waitlist import messages, tasks
from waitlist import services as waitlist
from waitlist.models import OfferMessage, OfferStatus, WaitlistEntry, WaitlistOffer

pytestmark = pytest.mark.django_db


def join(world, client):
    return WaitlistEntry.objects.get(
        pk=waitlist.join(
            client=client,
            service=world.service,
            therapist=world.therapist,
            earliest_date=TUESDAY_10.date(),
            latest_date=TUESDAY_10.date(),
            time_from=TUESDAY_10.time(),
            time_to=(TUESDAY_10 + timedelta(minutes=15)).time(),
        ).pk
    )


def free_the_slot(world):
    """Tuesday 10:00 was taken and is cancelled: the next scan offers it."""
    taken = book(world, client=factories.make_client())
    taken.status = "cancelled"
    taken.save()


@pytest.fixture
def offer(world):
    """Client A's open offer of Tuesday 10:00, just made (its messages pending, due now)."""
    join(world, world.client_a)
    free_the_slot(world)
    assert waitlist.scan() == 1
    return WaitlistOffer.objects.select_related("entry__client").get()


def dispatch():
    return notification_tasks.dispatch_due.delay().get()


def offer_mail(outbox):
    return [m for m in outbox if m.extra_headers["X-Kneadly-Delivery"].startswith("offermessage:")]


def claim(message):
    token, ids = dispatcher.claim_due_batch(OfferMessage)
    assert message.pk in ids
    return str(token)


class TestWriting:
    def test_the_scan_writes_one_message_per_channel_due_now(self, world, settings):
        settings.SMS_ENABLED = True
        world.client_a.phone = "+1 416 555 0142"
        world.client_a.save()
        join(world, world.client_a)
        join(world, world.client_b)  # no phone: email only
        free_the_slot(world)

        assert waitlist.scan() == 2

        rows = {
            (m.offer.entry.client_id, m.channel): (m.status, m.due_at, m.claim_token)
            for m in OfferMessage.objects.select_related("offer__entry")
        }
        assert rows == {
            (world.client_a.pk, "email"): ("pending", NOW, None),
            (world.client_a.pk, "sms"): ("pending", NOW, None),
            (world.client_b.pk, "email"): ("pending", NOW, None),
        }

    def test_no_sms_row_while_sms_is_off(self, offer):
        assert list(offer.messages.values_list("channel", flat=True)) == ["email"]

    def test_the_scan_asks_for_the_dispatcher_on_commit_and_sends_nothing_itself(
        self, world, outbox, django_capture_on_commit_callbacks
    ):
        join(world, world.client_a)
        free_the_slot(world)
        with django_capture_on_commit_callbacks() as callbacks:
            waitlist.scan()

        assert any("dispatch_due" in repr(cb) for cb in callbacks)
        assert not any("send_waitlist_offer" in repr(cb) for cb in callbacks)
        assert outbox == []

    def test_once_the_scan_commits_the_dispatcher_sends_the_offer(
        self, world, eager, outbox, django_capture_on_commit_callbacks
    ):
        join(world, world.client_a)
        free_the_slot(world)
        with django_capture_on_commit_callbacks(execute=True):
            waitlist.scan()

        assert [m.to for m in outbox] == [[world.client_a.email]]
        assert OfferMessage.objects.get().status == "sent"

    def test_messages_are_once_per_offer_and_channel(self, offer):
        messages.queue([offer], now=NOW + timedelta(minutes=1))

        assert offer.messages.count() == 1
        assert offer.messages.get().due_at == NOW


class TestSending:
    def test_the_dispatcher_sends_it_once(self, world, offer, eager, outbox):
        first, second = dispatch(), dispatch()

        message = offer.messages.get()
        assert (first, second) == (1, 0)
        assert len(outbox) == 1
        assert outbox[0].to == [world.client_a.email]
        assert (message.status, message.sent_at, message.attempts) == ("sent", NOW, 1)
        assert message.claim_token is None and message.error == ""

    def test_a_redelivered_send_task_sends_nothing_more(self, offer, eager, outbox):
        message = offer.messages.get()
        token = claim(message)

        results = [tasks.send_offer_message.delay(message.pk, token).get() for _ in range(3)]

        assert results == ["sent", "stale", "stale"]
        assert len(outbox) == 1
        assert dispatch() == 0
        assert len(outbox) == 1

    def test_a_claim_that_is_never_completed_expires_and_is_sent_later(
        self, offer, eager, outbox, frozen
    ):
        claim(offer.messages.get())  # a worker that died before sending
        assert dispatch() == 0  # the claim is live
        frozen.shift(timedelta(minutes=11))

        assert dispatch() == 1
        assert offer.messages.get().status == "sent"
        assert len(outbox) == 1

    def test_a_deleted_offer_between_claim_and_send_sends_nothing(self, offer, eager, outbox):
        message = offer.messages.get()
        token = claim(message)
        offer.delete()

        assert tasks.send_offer_message.delay(message.pk, token).get() == "stale"
        assert outbox == []


class TestSkipping:
    @pytest.mark.parametrize(
        ("answer", "reason"),
        [
            (waitlist.decline, "The offer is no longer open (it is declined)."),
            (waitlist.accept, "The offer is no longer open (it is accepted)."),
        ],
    )
    def test_an_offer_answered_before_the_send_is_skipped_with_the_reason(
        self, offer, eager, outbox, answer, reason
    ):
        answer(offer)

        dispatch()

        message = offer.messages.get()
        assert (message.status, message.skip_reason) == ("skipped", reason)
        assert message.sent_at is None and message.attempts == 0
        assert offer_mail(outbox) == []

    def test_an_offer_expired_before_the_send_is_skipped(self, offer, eager, outbox, frozen):
        frozen.shift(timedelta(minutes=31))
        waitlist.expire_offers()

        dispatch()

        message = offer.messages.get()
        assert (message.status, message.skip_reason) == (
            "skipped",
            "The offer is no longer open (it is expired).",
        )
        assert outbox == []

    def test_a_hold_that_passed_before_the_send_is_skipped_even_before_the_scan_expires_it(
        self, offer, eager, outbox, frozen
    ):
        frozen.shift(timedelta(minutes=30))  # hold_until == now: no longer held

        dispatch()

        message = offer.messages.get()
        assert (message.status, message.skip_reason) == ("skipped", "The offer's hold has passed.")
        assert WaitlistOffer.objects.get().status == OfferStatus.OFFERED  # the scan expires it
        assert outbox == []

    def test_an_offer_declined_between_claim_and_send_is_skipped_not_sent(
        self, offer, eager, outbox
    ):
        message = offer.messages.get()
        token = claim(message)
        waitlist.decline(offer)

        assert tasks.send_offer_message.delay(message.pk, token).get() == "skipped"
        assert outbox == []

    def test_a_client_without_email_is_skipped_with_the_reason(self, world, offer, eager, outbox):
        world.client_a.email = ""
        world.client_a.save()

        dispatch()

        message = offer.messages.get()
        assert (message.status, message.skip_reason) == (
            "skipped",
            "The client has no email address.",
        )
        assert outbox == []

    def test_a_client_who_is_forgotten_gets_nothing_more(self, world, offer, eager, outbox):
        skipped = notification_services.skip_pending_for_client(world.client_a, "Forgotten.")

        dispatch()

        assert skipped == 1
        assert offer.messages.get().skip_reason == "Forgotten."
        assert outbox == []


class TestContent:
    def test_the_email_has_text_and_html_in_the_clinics_time(self, world, offer, eager, outbox):
        world.client_a.first_name = "Siobhán & Ré'al"
        world.client_a.save()
        dispatch()

        [message] = outbox
        html, mimetype = message.alternatives[0]
        accept = f"{settings.SITE_URL}/offers/{offer.pk}/?k="  # the offer's page, signed
        assert mimetype == "text/html"
        assert message.subject == "A time is free for you on Tue 05 May, 10:00 — Kneadly Clinic"
        assert message.extra_headers["X-Kneadly-Delivery"] == (
            f"offermessage:{offer.messages.get().pk}"
        )
        for body in (message.body, html):
            assert "Trigger point therapy" in body
            assert world.therapist.display_name in body
            assert "Tuesday 05 May 2026 at 10:00" in body  # Toronto time (14:00 UTC)
            assert "14:00" not in body
            assert "America/Toronto" in body
            assert "08:30" in body and "on Monday 04 May" in body  # held until (12:30 UTC)
            assert accept in body
            assert "Kneadly Clinic" in body
        assert "Hi Siobhán & Ré'al," in message.body
        assert "Hi Siobhán &amp; Ré&#x27;al," in html
        assert f'<a href="{accept}' in html
        parsed = email.message_from_bytes(message.message().as_bytes())
        assert {"text/plain", "text/html"} <= {part.get_content_type() for part in parsed.walk()}

    def test_sms_goes_once_to_a_client_with_a_phone_when_sms_is_on(
        self, world, eager, outbox, sms_outbox, settings
    ):
        settings.SMS_ENABLED = True
        world.client_a.phone = "+1 416 555 0142"
        world.client_a.save()
        join(world, world.client_a)
        free_the_slot(world)
        waitlist.scan()
        offer = WaitlistOffer.objects.get()

        dispatch()
        dispatch()

        [(to, text)] = sms_outbox
        assert to == "+1 416 555 0142"
        assert "a time is free for you" in text
        assert "Tue 05 May at 10:00" in text
        assert "until 08:30" in text
        assert f"/offers/{offer.pk}/?k=" in text
        assert len(outbox) == 1
        assert set(offer.messages.values_list("channel", "status")) == {
            ("email", "sent"),
            ("sms", "sent"),
        }


class TestFailures:
    @override_settings(EMAIL_BACKEND="tests.notifications.backends.FlakyEmailBackend")
    def test_a_transient_smtp_failure_is_retried_then_sent_once(self, offer, eager):
        FlakyEmailBackend.failures = 2

        dispatch()

        message = offer.messages.get()
        assert (message.status, message.attempts, message.error) == ("sent", 3, "")
        assert len(mail.outbox) == 1

    @override_settings(EMAIL_BACKEND="tests.notifications.backends.FlakyEmailBackend")
    def test_a_retry_records_the_error_and_keeps_the_claim(self, offer):
        FlakyEmailBackend.failures = 1
        message = offer.messages.get()
        token = claim(message)

        with pytest.raises(Exception, match="unexpectedly closed"):
            dispatcher.send(OfferMessage, message.pk, token, last_try=False)

        message.refresh_from_db()
        assert (message.status, message.attempts) == ("pending", 1)
        assert message.error == "SMTPServerDisconnected: Connection unexpectedly closed"
        assert str(message.claim_token) == token
        assert dispatcher.claim_due_batch(OfferMessage)[1] == []

    @override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=1,  # nothing listens: connection refused, a real transient failure
        EMAIL_TIMEOUT=2,
    )
    def test_transient_failures_every_time_fail_the_message_with_the_error(self, offer, eager):
        dispatch()

        message = offer.messages.get()
        assert message.status == "failed"
        assert message.attempts == tasks.send_offer_message.max_retries + 1 == 6
        assert message.error.startswith("ConnectionRefusedError")
        assert message.claim_token is None and message.sent_at is None


class TestAdmin:
    @pytest.fixture
    def browser(self, world):
        browser = BrowserClient()
        browser.force_login(world.admin)
        return browser

    def test_the_admin_lists_offer_messages_read_only(self, browser, world, offer):
        offer.messages.update(status="failed", error="SMTPServerDisconnected: closed")
        message = offer.messages.get()

        page = browser.get("/admin/waitlist/offermessage/", {"status__exact": "failed"})

        assert page.status_code == 200
        assert "SMTPServerDisconnected: closed" in page.content.decode()
        assert str(world.client_a) in page.content.decode()
        assert browser.get(f"/admin/waitlist/offermessage/{message.pk}/change/").status_code == 200
        assert browser.get("/admin/waitlist/offermessage/add/").status_code == 403

    def test_the_offer_page_shows_its_messages(self, browser, offer):
        page = browser.get(f"/admin/waitlist/waitlistoffer/{offer.pk}/change/")

        assert page.status_code == 200
        assert "Offer messages" in page.content.decode()

    def test_the_admin_sends_failed_ones_again(self, browser, offer):
        offer.messages.update(status="failed", error="SMTP down")
        message = offer.messages.get()

        response = browser.post(
            "/admin/waitlist/offermessage/",
            {"action": "send_again", "_selected_action": [message.pk]},
        )

        message.refresh_from_db()
        assert response.status_code == 302
        assert (message.status, message.claim_token) == ("pending", None)
