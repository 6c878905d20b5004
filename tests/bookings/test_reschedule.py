"""Rescheduling keeps the booking's identity and history; the new time is checked like new."""

from datetime import timedelta

import pytest

from bookings.models import Booking
from tests import factories
from tests.bookings.conftest import TUESDAY_10, book, local


def reschedule(user, booking, **body):
    body = {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in body.items()}
    return factories.api_as(user).post(f"/api/v1/bookings/{booking.pk}/reschedule/", body)


def test_client_moves_their_booking(world):
    booking = book(world, status="confirmed")

    response = reschedule(world.client_a.user, booking, start=local(2026, 5, 6, 14))

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["id"] == booking.pk
    assert body["start"] == "2026-05-06T14:00:00-04:00"
    assert body["end"] == "2026-05-06T15:00:00-04:00"
    assert body["status"] == "confirmed"
    booking.refresh_from_db()
    assert booking.blocks_until == local(2026, 5, 6, 15, 15)
    event = booking.events.get()
    assert (event.from_start, event.to_start) == (TUESDAY_10, local(2026, 5, 6, 14))
    assert (event.from_status, event.to_status) == ("confirmed", "confirmed")


def test_moving_within_its_own_time_does_not_collide_with_itself(world):
    booking = book(world)

    response = reschedule(world.client_a.user, booking, start=TUESDAY_10 + timedelta(minutes=15))

    assert response.status_code == 200


def test_same_time_is_400(world):
    booking = book(world)

    response = reschedule(world.client_a.user, booking, start=TUESDAY_10)

    assert response.status_code == 400


def test_admin_moves_to_another_therapist(world):
    booking = book(world)

    response = reschedule(
        world.admin, booking, start=TUESDAY_10, therapist=world.other_therapist.pk
    )

    assert response.status_code == 200
    assert response.json()["therapist"] == world.other_therapist.pk
    assert "Moved from" in Booking.objects.get().events.get().reason


def test_another_therapist_must_confirm_again(world):
    booking = book(world, status="confirmed")

    response = reschedule(
        world.admin, booking, start=TUESDAY_10, therapist=world.other_therapist.pk
    )

    assert response.status_code == 200
    assert response.json()["status"] == "requested"
    event = Booking.objects.get().events.get()
    assert (event.from_status, event.to_status) == ("confirmed", "requested")


def test_the_same_therapist_at_another_time_stays_confirmed(world):
    booking = book(world, status="confirmed")

    response = reschedule(world.admin, booking, start=local(2026, 5, 6, 14))

    assert response.json()["status"] == "confirmed"


def test_collision_at_the_new_time_is_409_and_changes_nothing(world):
    booking = book(world)
    book(world, client=world.client_b, start=local(2026, 5, 6, 10))

    response = reschedule(world.client_a.user, booking, start=local(2026, 5, 6, 10, 30))

    assert response.status_code == 409
    booking.refresh_from_db()
    assert booking.start == TUESDAY_10
    assert not booking.events.exists()


def test_client_overlap_at_the_new_time_is_409(world):
    booking = book(world)
    book(world, therapist=world.other_therapist, start=local(2026, 5, 6, 10))

    response = reschedule(world.client_a.user, booking, start=local(2026, 5, 6, 10, 30))

    assert response.status_code == 409
    assert "already has a booking" in response.json()["detail"]


@pytest.mark.parametrize(
    ("start", "field"),
    [
        (local(2026, 5, 6, 10, 7), "start"),  # off the grid
        (local(2026, 5, 4, 9), "start"),  # inside the lead time
        (local(2026, 5, 9, 10), "start"),  # Saturday: not working
        ("next tuesday", "start"),
    ],
)
def test_new_time_is_checked_like_a_new_booking(world, start, field):
    booking = book(world)

    response = reschedule(world.client_a.user, booking, start=start)

    assert response.status_code == 400
    assert field in response.json()


def test_moving_to_a_therapist_who_does_not_offer_the_service_is_400(world):
    stranger = factories.make_therapist(services=[])
    booking = book(world)

    response = reschedule(world.admin, booking, start=TUESDAY_10, therapist=stranger.pk)

    assert response.status_code == 400
    assert "does not offer" in response.json()["therapist"][0]


def test_history_survives_a_reschedule(world):
    created = factories.api_as(world.client_a.user).post(
        "/api/v1/bookings/",
        {"therapist": world.therapist.pk, "service": world.service.pk, "start": TUESDAY_10},
    )
    booking = Booking.objects.get(pk=created.json()["id"])

    reschedule(world.client_a.user, booking, start=local(2026, 5, 7, 9))

    events = factories.api_as(world.admin).get(f"/api/v1/bookings/{booking.pk}/").json()["events"]
    assert [(e["from_start"], e["to_start"]) for e in events] == [
        (None, "2026-05-05T10:00:00-04:00"),
        ("2026-05-05T10:00:00-04:00", "2026-05-07T09:00:00-04:00"),
    ]
