"""Every action from every status: the legal ones move the booking and record history, the
illegal ones are a 400 naming the current status and change nothing."""

from datetime import timedelta
from itertools import product

import pytest

from bookings.models import Booking, BookingEvent
from clinic.statuses import BookingStatus
from tests import factories
from tests.bookings.conftest import TUESDAY_10, book, local

STATUSES = [s.value for s in BookingStatus]
# action -> (statuses it may start from, status it leads to; None = unchanged)
MACHINE = {
    "confirm": ({"requested"}, "confirmed"),
    "check-in": ({"requested", "confirmed"}, "checked_in"),
    "complete": ({"checked_in"}, "completed"),
    "cancel": ({"requested", "confirmed"}, "cancelled"),
    "no-show": ({"requested", "confirmed"}, "no_show"),
    "reschedule": ({"requested", "confirmed"}, None),
}
VERBS = {
    "confirm": "confirm",
    "check-in": "check in",
    "complete": "complete",
    "cancel": "cancel",
    "no-show": "mark as a no-show",
    "reschedule": "reschedule",
}
PHRASES = {
    "requested": "requested",
    "confirmed": "confirmed",
    "checked_in": "checked in",
    "completed": "completed",
    "cancelled": "cancelled",
    "no_show": "marked as a no-show",
}


def body_for(action):
    if action == "reschedule":
        return {"start": local(2026, 5, 6, 10).isoformat()}
    if action == "cancel":
        return {"reason": "Feeling unwell"}
    return {}


@pytest.mark.parametrize(("action", "status"), list(product(MACHINE, STATUSES)))
def test_every_action_from_every_status(world, frozen, action, status):
    booking = book(world, status=status)
    if action in ("no-show", "check-in", "complete"):  # the visit's own time
        frozen.move_to(TUESDAY_10 + timedelta(minutes=20))
    sources, target = MACHINE[action]

    response = factories.api_as(world.admin).post(
        f"/api/v1/bookings/{booking.pk}/{action}/", body_for(action)
    )

    booking.refresh_from_db()
    if status in sources:
        assert response.status_code == 200, response.json()
        expected = target or status
        assert response.json()["status"] == booking.status == expected
        event = BookingEvent.objects.get(booking=booking)
        assert (event.from_status, event.to_status, event.actor) == (status, expected, world.admin)
    else:
        assert response.status_code == 400
        assert response.json() == {
            "status": [f"Cannot {VERBS[action]} a booking that is {PHRASES[status]}."]
        }
        assert booking.status == status
        assert booking.start == TUESDAY_10
        assert not BookingEvent.objects.exists()


def test_the_legal_status_pairs_are_exactly_the_lifecycle(world, frozen):
    """From the outside: which (from, to) pairs can any action produce?"""
    frozen.move_to(TUESDAY_10 + timedelta(minutes=20))
    reached = set()
    api = factories.api_as(world.admin)
    for action, status in product(MACHINE, STATUSES):
        if action == "reschedule":
            continue
        Booking.objects.all().delete()
        booking = book(world, status=status)
        if api.post(f"/api/v1/bookings/{booking.pk}/{action}/").status_code == 200:
            booking.refresh_from_db()
            reached.add((status, booking.status))

    assert reached == {
        ("requested", "confirmed"),
        ("requested", "checked_in"),
        ("confirmed", "checked_in"),
        ("checked_in", "completed"),
        ("requested", "cancelled"),
        ("confirmed", "cancelled"),
        ("requested", "no_show"),
        ("confirmed", "no_show"),
    }


class TestCancel:
    def test_early_cancellation_is_not_late(self, world):
        booking = book(world, start=local(2026, 5, 6, 10))  # 50 hours ahead

        response = factories.api_as(world.client_a.user).post(
            f"/api/v1/bookings/{booking.pk}/cancel/", {"reason": "Travelling"}
        )

        assert response.status_code == 200
        assert response.json()["late_cancellation"] is False
        assert response.json()["cancel_reason"] == "Travelling"

    def test_cancellation_inside_the_window_is_late(self, world):
        booking = book(world)  # 26 hours ahead; the window is 24 hours
        factories.make_clinic(cancellation_window_hours=48)

        response = factories.api_as(world.client_a.user).post(
            f"/api/v1/bookings/{booking.pk}/cancel/", {}
        )

        assert response.json()["late_cancellation"] is True

    def test_exactly_at_the_window_edge_is_not_late(self, world, frozen):
        booking = book(world)
        frozen.move_to(TUESDAY_10 - timedelta(hours=24))

        services_response = factories.api_as(world.admin).post(
            f"/api/v1/bookings/{booking.pk}/cancel/", {}
        )

        assert services_response.json()["late_cancellation"] is False

    def test_a_minute_inside_the_window_is_late(self, world, frozen):
        booking = book(world)
        frozen.move_to(TUESDAY_10 - timedelta(hours=24) + timedelta(minutes=1))

        response = factories.api_as(world.admin).post(
            f"/api/v1/bookings/{booking.pk}/cancel/",
            {"initiated_by": "client"},  # a phone call
        )

        assert response.json()["late_cancellation"] is True

    def test_cancel_records_the_reason_in_history(self, world):
        booking = book(world)

        factories.api_as(world.client_a.user).post(
            f"/api/v1/bookings/{booking.pk}/cancel/", {"reason": "Sick"}
        )

        event = booking.events.get()
        assert (event.to_status, event.reason, event.actor) == (
            "cancelled",
            "Sick",
            world.client_a.user,
        )


class TestNoShow:
    def test_cannot_mark_no_show_before_the_start(self, world, frozen):
        booking = book(world)
        frozen.move_to(TUESDAY_10 - timedelta(minutes=1))

        response = factories.api_as(world.therapist.user).post(
            f"/api/v1/bookings/{booking.pk}/no-show/"
        )

        assert response.status_code == 400
        assert "only after its start" in response.json()["status"][0]
        booking.refresh_from_db()
        assert booking.status == "confirmed"

    def test_no_show_after_the_start(self, world, frozen):
        booking = book(world)
        frozen.move_to(TUESDAY_10)

        response = factories.api_as(world.therapist.user).post(
            f"/api/v1/bookings/{booking.pk}/no-show/"
        )

        assert response.status_code == 200
        assert response.json()["status"] == "no_show"


def test_a_whole_visit_leaves_its_history(world, frozen):
    api = factories.api_as(world.client_a.user)
    created = api.post(
        "/api/v1/bookings/",
        {"therapist": world.therapist.pk, "service": world.service.pk, "start": TUESDAY_10},
    ).json()
    therapist = factories.api_as(world.therapist.user)
    url = f"/api/v1/bookings/{created['id']}"
    therapist.post(f"{url}/confirm/")
    frozen.move_to(TUESDAY_10 - timedelta(minutes=5))
    therapist.post(f"{url}/check-in/")
    frozen.move_to(TUESDAY_10 + timedelta(minutes=60))
    therapist.post(f"{url}/complete/")

    events = therapist.get(f"{url}/").json()["events"]

    assert [(e["from_status"], e["to_status"]) for e in events] == [
        ("", "requested"),
        ("requested", "confirmed"),
        ("confirmed", "checked_in"),
        ("checked_in", "completed"),
    ]
    assert [e["actor"] for e in events] == [world.client_a.user.username] + [
        world.therapist.user.username
    ] * 3
    assert events[2]["at"] == "2026-05-05T09:55:00-04:00"
