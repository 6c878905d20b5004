"""Therapists hear of the bookings that concern them: made, moved (to them, away from them),
cancelled (who and why), a series cancelled in one message; each can turn it off; each notice
goes out once, also when the send task is retried or redelivered. Through the API and the
Celery tasks (eager)."""

from datetime import timedelta

import icalendar
import pytest
from django.test import override_settings

from bookings.models import Booking
from bookings.signals import announce
from notifications import dispatcher, tasks
from notifications.models import Notice, TherapistNotice
from tests import factories
from tests.bookings.conftest import TUESDAY_10, book, payload
from tests.notifications.backends import FlakyEmailBackend
from tests.notifications.mailbox import leads, to_clients, to_therapists

pytestmark = pytest.mark.django_db

WEDNESDAY_10 = TUESDAY_10 + timedelta(days=1)
TUESDAY = "Tuesday 5 May 2026, 10:00 EDT (America/Toronto)"
WEDNESDAY = "Wednesday 6 May 2026, 10:00 EDT (America/Toronto)"


def name(client):
    return f"{client.first_name} {client.last_name}"


def mail_to(outbox, person):
    """The messages sent to a therapist (or anyone with a login)."""
    return [m for m in outbox if m.to == [person.user.email]]


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run what the request published after its commit (the dispatcher, eagerly)."""

    def run():
        return django_capture_on_commit_callbacks(execute=True)

    return run


@pytest.fixture
def booked(world, eager, outbox, on_commit):
    """Client A (with a health history) booked Tuesday 10:00 with the therapist online."""
    factories.make_intake(
        world.client_a, medications="Warfarin", takes_anticoagulants=True, conditions="Sciatica"
    )
    with on_commit():
        response = factories.api_as(world.client_a.user).post(
            "/api/v1/bookings/", payload(world, notes="Lower back flare-up since Friday")
        )
    assert response.status_code == 201, response.json()
    return response.json()["id"]


def both_parts(message) -> str:
    return message.body + message.alternatives[0][0]


def assert_no_health_data(message):
    for text in ("Warfarin", "Sciatica", "anticoagulant", "Lower back flare-up"):
        assert text.lower() not in both_parts(message).lower()


class TestANewBooking:
    def test_the_therapist_is_told_who_what_and_when_in_clinic_time(self, world, booked, outbox):
        [message] = mail_to(outbox, world.therapist)
        assert message.subject == (
            f"New booking request: {name(world.client_a)} on Tue 05 May, 10:00 — "
            f"{world.clinic.name}"
        )
        for text in (name(world.client_a), world.service.name, TUESDAY):
            assert text in message.body
            assert text in message.alternatives[0][0]
        assert "It waits for your confirmation." in message.body
        assert_no_health_data(message)
        assert message.attachments == []  # the therapist's own calendar feed has it
        assert leads(to_clients(outbox)) == ["We have your booking request"]
        assert mail_to(outbox, world.other_therapist) == []


class TestAMove:
    def test_to_another_time_tells_the_therapist_what_changed(
        self, world, booked, outbox, on_commit
    ):
        outbox.clear()  # the booking's own notices
        with on_commit():
            moved = factories.api_as(world.client_a.user).post(
                f"/api/v1/bookings/{booked}/reschedule/", {"start": WEDNESDAY_10.isoformat()}
            )
        assert moved.status_code == 200

        [message] = mail_to(outbox, world.therapist)
        assert message.subject.startswith(f"Booking moved: {name(world.client_a)} on Wed 06 May")
        assert f"Moved from {TUESDAY}." in message.body
        assert WEDNESDAY in message.body
        assert_no_health_data(message)

    def test_to_another_therapist_tells_both_and_the_client_gets_a_replacing_ics(
        self, world, booked, frozen, outbox, on_commit
    ):
        outbox.clear()  # the booking's own notices
        admin = factories.api_as(world.admin)
        with on_commit():
            admin.post(f"/api/v1/bookings/{booked}/confirm/")
        confirmation = to_clients(outbox)[-1]
        outbox.clear()
        frozen.shift(timedelta(seconds=1))

        with on_commit():
            moved = admin.post(
                f"/api/v1/bookings/{booked}/reschedule/",
                {"start": WEDNESDAY_10.isoformat(), "therapist": world.other_therapist.pk},
            )
        assert moved.json()["status"] == "requested"

        [left] = mail_to(outbox, world.therapist)
        assert left.subject.startswith(f"Booking no longer with you: {name(world.client_a)}")
        assert "on Tue 05 May, 10:00" in left.subject  # the time that is free again
        assert (
            f"It was moved to {world.other_therapist.display_name}; you no longer have it at "
            f"{TUESDAY}."
        ) in left.body
        [arrived] = mail_to(outbox, world.other_therapist)
        assert arrived.subject.startswith(f"Booking moved to you: {name(world.client_a)}")
        assert (
            f"Moved to you from {world.therapist.display_name} (it was {TUESDAY})."
        ) in arrived.body
        assert WEDNESDAY in arrived.body
        assert "It waits for your confirmation." in arrived.body
        for message in (left, arrived):
            assert_no_health_data(message)

        [notice] = to_clients(outbox)
        assert "It is with a different therapist now" in notice.body
        old, new = (
            icalendar.Calendar.from_ical(m.attachments[0][1]).walk("VEVENT")[0]
            for m in (confirmation, notice)
        )
        assert new["uid"] == old["uid"]
        assert int(new["sequence"]) > int(old["sequence"])
        assert new.decoded("dtstart") == WEDNESDAY_10

    def test_to_another_therapist_at_the_same_time_still_tells_the_client(
        self, world, booked, outbox, on_commit
    ):
        outbox.clear()  # the booking's own notices
        with on_commit():
            moved = factories.api_as(world.admin).post(
                f"/api/v1/bookings/{booked}/reschedule/",
                {"start": TUESDAY_10.isoformat(), "therapist": world.other_therapist.pk},
            )
        assert moved.status_code == 200

        assert leads(to_clients(outbox)) == ["Your appointment has moved"]
        assert world.other_therapist.display_name in to_clients(outbox)[0].body
        assert len(mail_to(outbox, world.therapist)) == len(
            mail_to(outbox, world.other_therapist)
        ) == 1  # fmt: skip


class TestACancellation:
    def test_by_the_clinic_says_so_and_why(self, world, booked, outbox, on_commit):
        outbox.clear()  # the booking's own notices
        with on_commit():
            factories.api_as(world.admin).post(
                f"/api/v1/bookings/{booked}/cancel/", {"reason": "Power cut at the clinic"}
            )

        [message] = mail_to(outbox, world.therapist)
        assert message.subject.startswith(f"Booking cancelled: {name(world.client_a)}")
        assert "Cancelled by the clinic." in message.body
        assert "Reason given: Power cut at the clinic" in message.body
        assert "late" not in message.body
        assert TUESDAY in message.body
        assert_no_health_data(message)

    def test_by_the_client_late_says_it_counts_as_late(
        self, world, booked, frozen, outbox, on_commit
    ):
        outbox.clear()  # the booking's own notices
        frozen.move_to(TUESDAY_10 - timedelta(hours=3))
        with on_commit():
            factories.api_as(world.client_a.user).post(
                f"/api/v1/bookings/{booked}/cancel/", {"reason": "Stuck at work"}
            )

        [message] = mail_to(outbox, world.therapist)
        assert "Cancelled by the client." in message.body
        assert "Reason given: Stuck at work" in message.body
        assert "It counts as a late cancellation." in message.body
        [notice] = to_clients(outbox)
        assert (
            "It was cancelled less than 24 hours before the start, so under the clinic's "
            "cancellation policy it counts as a late cancellation."
        ) in notice.body
        assert "cancellation policy it counts as a late cancellation" in notice.alternatives[0][0]

    def test_after_a_late_move_by_the_clinic_the_client_is_told_why_it_is_late(
        self, world, frozen, eager, outbox, on_commit
    ):
        booking = book(world)
        frozen.move_to(TUESDAY_10 - timedelta(hours=20))
        factories.api_as(world.admin).post(
            f"/api/v1/bookings/{booking.pk}/reschedule/",
            {"start": (TUESDAY_10 + timedelta(days=3)).isoformat()},
        )
        with on_commit():
            factories.api_as(world.client_a.user).post(f"/api/v1/bookings/{booking.pk}/cancel/")

        [notice] = [m for m in to_clients(outbox) if "cancelled" in m.subject]
        assert (
            "It had been moved less than 24 hours before its earlier time, so under the "
            "clinic's cancellation policy cancelling it counts as a late cancellation."
        ) in notice.body


class TestTurningItOff:
    def test_a_therapist_turns_it_off_in_their_profile_and_hears_nothing(
        self, world, eager, outbox, on_commit
    ):
        me = factories.api_as(world.therapist.user)
        profile = me.get(f"/api/v1/therapists/{world.therapist.pk}/").json()
        assert profile["email_booking_notices"] is True  # on by default

        turned = me.patch(
            f"/api/v1/therapists/{world.therapist.pk}/",
            {"email_booking_notices": False},
            format="json",
        )
        assert turned.status_code == 200, turned.json()
        assert turned.json()["email_booking_notices"] is False
        client_api = factories.api_as(world.client_a.user)
        with on_commit():
            booking_id = client_api.post("/api/v1/bookings/", payload(world)).json()["id"]
        with on_commit():
            client_api.post(f"/api/v1/bookings/{booking_id}/cancel/")

        assert mail_to(outbox, world.therapist) == []
        assert TherapistNotice.objects.count() == 0
        assert leads(to_clients(outbox)) == [
            "We have your booking request",
            "Your appointment is cancelled",
        ]

    def test_others_do_not_see_it_and_admins_can_change_it(self, world):
        url = f"/api/v1/therapists/{world.therapist.pk}/"
        colleague = factories.api_as(world.other_therapist.user)
        assert "email_booking_notices" not in colleague.get(url).json()
        assert "email_booking_notices" not in factories.api_as(world.client_a.user).get(url).json()
        assert colleague.patch(
            url, {"email_booking_notices": False}, format="json"
        ).status_code in (
            403,
            404,
        )

        changed = factories.api_as(world.admin).patch(
            url, {"email_booking_notices": False}, format="json"
        )

        assert changed.json()["email_booking_notices"] is False
        world.therapist.refresh_from_db()
        assert world.therapist.email_booking_notices is False

    def test_turned_off_after_it_was_queued_it_is_skipped_not_sent(self, world, eager, outbox):
        factories.api_as(world.client_a.user).post("/api/v1/bookings/", payload(world))
        factories.api_as(world.therapist.user).patch(
            f"/api/v1/therapists/{world.therapist.pk}/",
            {"email_booking_notices": False},
            format="json",
        )

        tasks.dispatch_due.apply()

        notice = TherapistNotice.objects.get()
        assert (notice.status, notice.skip_reason) == (
            "skipped",
            f"{world.therapist.display_name} turned booking emails off.",
        )
        assert mail_to(outbox, world.therapist) == []

    def test_a_therapist_without_an_email_address_is_skipped_with_the_reason(
        self, world, eager, outbox
    ):
        world.therapist.user.email = ""
        world.therapist.user.save()
        factories.api_as(world.client_a.user).post("/api/v1/bookings/", payload(world))

        tasks.dispatch_due.apply()

        notice = TherapistNotice.objects.get()
        assert (notice.status, notice.skip_reason) == (
            "skipped",
            "The therapist has no email address.",
        )


class TestExactlyOnce:
    @override_settings(EMAIL_BACKEND="tests.notifications.backends.FlakyEmailBackend")
    def test_a_retried_send_task_sends_it_once(self, world, eager, outbox):
        factories.api_as(world.client_a.user).post("/api/v1/bookings/", payload(world))
        Notice.objects.all().delete()  # only the therapist's notice is due
        FlakyEmailBackend.failures = 2  # the task fails twice, retried each time

        tasks.dispatch_due.apply()
        tasks.dispatch_due.apply()  # a second beat finds nothing more

        notice = TherapistNotice.objects.get()
        assert (notice.status, notice.attempts, notice.error) == ("sent", 3, "")
        assert len(mail_to(outbox, world.therapist)) == 1

    def test_a_redelivered_message_and_a_second_beat_send_nothing_twice(self, world, eager, outbox):
        factories.api_as(world.client_a.user).post("/api/v1/bookings/", payload(world))
        token, ids = dispatcher.claim_due_batch(TherapistNotice)
        [notice_id] = ids

        results = [
            tasks.send_therapist_notice.apply(args=(notice_id, str(token))).get()
            for _ in range(2)  # the same message delivered twice (a lost ack)
        ]
        tasks.dispatch_due.apply()

        assert results == ["sent", "stale"]
        assert len(mail_to(outbox, world.therapist)) == 1

    def test_queued_twice_in_one_change_it_is_one_row(self, world, eager, outbox, on_commit):
        with on_commit():
            booking_id = (
                factories.api_as(world.client_a.user)
                .post("/api/v1/bookings/", payload(world))
                .json()["id"]
            )
            announce(Booking.objects.get(pk=booking_id), previous_status=None)  # a repeat

        assert TherapistNotice.objects.count() == 1
        assert len(mail_to(outbox, world.therapist)) == 1


class TestASeriesCancellation:
    def series(self, world, on_commit, count=4):
        with on_commit():
            created = factories.api_as(world.client_a.user).post(
                "/api/v1/booking-series/",
                {
                    "therapist": world.therapist.pk,
                    "service": world.service.pk,
                    "start": TUESDAY_10.isoformat(),
                    "every_weeks": 1,
                    "count": count,
                    "mode": "all_or_nothing",
                },
                format="json",
            )
        assert created.status_code == 201, created.json()
        return created.json()

    def test_booking_it_is_one_message_to_the_client_and_one_to_the_therapist(
        self, world, eager, outbox, on_commit
    ):
        series = self.series(world, on_commit, count=3)

        [notice] = to_clients(outbox)
        assert notice.subject.startswith("We have your request for a series on Tue 05 May, 10:00")
        for day in ("Tuesday 5 May 2026, 10:00", "Tuesday 12 May 2026, 10:00", "Tuesday 19 May"):
            assert day in notice.body
            assert day in notice.alternatives[0][0]
        assert notice.attachments == []  # not confirmed: no calendar file yet
        [message] = to_therapists(outbox)
        assert message.subject.startswith(f"New series request: {name(world.client_a)}")
        assert "A series of 3 visits with you (listed below)." in message.body
        assert "They wait for your confirmation." in message.body
        for day in ("Tuesday 5 May 2026, 10:00 EDT", "Tuesday 19 May 2026, 10:00 EDT"):
            assert day in message.body
        visits = [b["id"] for b in series["booked"]]
        assert set(
            Notice.objects.filter(booking__in=visits, kind="request_received").values_list(
                "status", "skip_reason"
            )
        ) == {("skipped", "Listed in the series' notice.")}

        # Each visit is then confirmed on its own, with its own calendar file.
        outbox.clear()
        with on_commit():
            factories.api_as(world.therapist.user).post(f"/api/v1/bookings/{visits[1]}/confirm/")
        assert leads(outbox) == ["Your appointment is confirmed"]

    def test_cancelling_it_is_one_message_to_the_client_and_one_to_the_therapist(
        self, world, eager, outbox, on_commit
    ):
        series = self.series(world, on_commit)
        outbox.clear()

        with on_commit():
            cancelled = factories.api_as(world.admin).post(
                f"/api/v1/booking-series/{series['id']}/cancel/",
                {"from": "2026-05-10T00:00", "reason": "Therapist on leave"},
                format="json",
            )
        assert cancelled.status_code == 200

        [notice] = to_clients(outbox)
        assert notice.subject.startswith("Your series of appointments is cancelled on Tue 12 May")
        assert "the clinic has had to cancel these appointments of your series" in notice.body
        assert "(Therapist on leave)" in notice.body
        for day in ("Tuesday 12 May 2026, 10:00", "Tuesday 19 May 2026, 10:00"):
            assert day in notice.body
            assert day in notice.alternatives[0][0]
        assert "Tuesday 26 May 2026, 10:00" in notice.body
        assert "Tuesday 5 May 2026" not in notice.body  # not cancelled
        ics = icalendar.Calendar.from_ical(notice.attachments[0][1])
        assert str(ics["method"]) == "CANCEL"
        cancelled_ids = [b["id"] for b in series["booked"][1:]]
        assert sorted(str(e["uid"]) for e in ics.walk("VEVENT")) == sorted(
            f"booking-{pk}@127.0.0.1" for pk in cancelled_ids
        )

        [message] = to_therapists(outbox)
        assert message.to == [world.therapist.user.email]
        assert message.subject.startswith(f"Series cancelled: {name(world.client_a)}")
        assert "3 visits of a series cancelled (listed below)." in message.body
        assert "Cancelled by the clinic." in message.body
        assert "Reason given: Therapist on leave" in message.body
        for day in ("Tuesday 12 May", "Tuesday 19 May", "Tuesday 26 May"):
            assert day in message.body
        # Each visit's own cancellation notice stood aside for the series' one.
        assert set(
            Notice.objects.filter(kind="cancellation").values_list("status", "skip_reason")
        ) == {("skipped", "Listed in the series' notice.")}
        assert Notice.objects.filter(kind="cancellation").count() == 3

    def test_a_clients_late_series_cancellation_marks_the_late_visit(
        self, world, frozen, eager, outbox, on_commit
    ):
        series = self.series(world, on_commit, count=2)
        frozen.move_to(TUESDAY_10 - timedelta(hours=5))
        outbox.clear()

        with on_commit():
            factories.api_as(world.client_a.user).post(
                f"/api/v1/booking-series/{series['id']}/cancel/",
                {"from": (TUESDAY_10 - timedelta(hours=5)).isoformat()},
                format="json",
            )

        [notice] = to_clients(outbox)
        assert "These appointments of your series have been cancelled" in notice.body
        assert "10:00\u201311:00 (EDT) with" in notice.body
        assert notice.body.count(": a late cancellation") == 1
        assert "count as late cancellations under the clinic's cancellation policy" in notice.body
        [message] = to_therapists(outbox)
        assert "Cancelled by the client." in message.body
        assert message.body.count("(late cancellation)") == 1

    def test_without_from_is_a_400_and_nothing_is_sent(self, world, eager, outbox, on_commit):
        series = self.series(world, on_commit)
        outbox.clear()

        with on_commit():
            response = factories.api_as(world.admin).post(
                f"/api/v1/booking-series/{series['id']}/cancel/", {}, format="json"
            )

        assert response.status_code == 400
        assert outbox == []

    def test_an_admin_records_a_clients_phone_call_for_the_series(
        self, world, frozen, eager, outbox, on_commit
    ):
        series = self.series(world, on_commit, count=2)
        frozen.move_to(TUESDAY_10 - timedelta(hours=5))
        outbox.clear()

        with on_commit():
            factories.api_as(world.admin).post(
                f"/api/v1/booking-series/{series['id']}/cancel/",
                {"from": (TUESDAY_10 - timedelta(hours=5)).isoformat(), "initiated_by": "client"},
                format="json",
            )

        visits = Booking.objects.filter(series_id=series["id"]).order_by("start")
        assert [(b.cancelled_by, b.late_cancellation) for b in visits] == [
            ("client", True),
            ("client", False),
        ]
        [message] = to_therapists(outbox)
        assert "Cancelled by the client." in message.body
