"""Visits happen in time: check-in opens a clinic-set number of minutes before the start and
closes at the end; a visit is completed only once it has started; a note only for a visit that
is checked in or completed. Each refusal is a 400 that states the rule and when it opens."""

from datetime import timedelta

import pytest

from bookings.models import BookingEvent
from tests import factories
from tests.bookings.conftest import TUESDAY_10, book


def post(world, booking, action):
    return factories.api_as(world.therapist.user).post(f"/api/v1/bookings/{booking.pk}/{action}/")


class TestCheckIn:
    def test_refused_days_before_the_visit_saying_when_it_opens(self, world):
        booking = book(world, status="confirmed")  # Tuesday 10:00; it is Monday 08:00

        response = post(world, booking, "check-in")

        assert response.status_code == 400
        assert response.json() == {
            "status": ["Check-in opens 30 minutes before the start, at 09:30 on Tue 05 May."]
        }
        booking.refresh_from_db()
        assert booking.status == "confirmed"
        assert not BookingEvent.objects.exists()

    @pytest.mark.parametrize("minutes", [-30, -1, 0, 59, 60])
    def test_open_from_the_window_until_the_end(self, world, frozen, minutes):
        booking = book(world, status="confirmed")  # 60 minutes long
        frozen.move_to(TUESDAY_10 + timedelta(minutes=minutes))

        assert post(world, booking, "check-in").status_code == 200

    def test_refused_a_minute_before_the_window(self, world, frozen):
        booking = book(world, status="requested")
        frozen.move_to(TUESDAY_10 - timedelta(minutes=31))

        assert post(world, booking, "check-in").status_code == 400

    def test_refused_after_the_visit_ended(self, world, frozen):
        booking = book(world, status="confirmed")
        frozen.move_to(TUESDAY_10 + timedelta(minutes=61))

        response = post(world, booking, "check-in")

        assert response.status_code == 400
        assert response.json()["status"] == [
            "This visit ended at 11:00 on Tue 05 May; it can no longer be checked in "
            "(mark it as a no-show instead)."
        ]

    def test_the_clinic_sets_the_window(self, world, frozen):
        factories.api_as(world.admin).patch(
            "/api/v1/clinic/", {"check_in_opens_minutes": 90}, format="json"
        )
        booking = book(world, status="confirmed")
        frozen.move_to(TUESDAY_10 - timedelta(minutes=80))

        assert post(world, booking, "check-in").status_code == 200

    @pytest.mark.parametrize("value", [-1, 241, "soon"])
    def test_the_window_must_be_sensible(self, world, value):
        response = factories.api_as(world.admin).patch(
            "/api/v1/clinic/", {"check_in_opens_minutes": value}, format="json"
        )

        assert response.status_code == 400
        assert "check_in_opens_minutes" in response.json()


class TestComplete:
    def test_refused_before_the_start_saying_when(self, world, frozen):
        booking = book(world, status="confirmed")
        frozen.move_to(TUESDAY_10 - timedelta(minutes=10))
        assert post(world, booking, "check-in").status_code == 200

        response = post(world, booking, "complete")

        assert response.status_code == 400
        assert response.json() == {
            "status": ["A visit can be completed only once it has started, at 10:00 on Tue 05 May."]
        }
        booking.refresh_from_db()
        assert booking.status == "checked_in"

    def test_allowed_once_started(self, world, frozen):
        booking = book(world, status="checked_in")
        frozen.move_to(TUESDAY_10 + timedelta(minutes=1))

        assert post(world, booking, "complete").status_code == 200


def test_no_note_for_a_visit_that_has_not_happened(world):
    booking = book(world, status="confirmed")

    response = factories.api_as(world.therapist.user).post(
        "/api/v1/treatment-notes/",
        {"booking": booking.pk, "subjective": "Sore neck"},
        format="json",
    )

    assert response.status_code == 400
    assert "booking" in response.json()


class TestWhoCancels:
    def test_a_client_cancelling_online_is_the_client(self, world):
        booking = book(world)
        response = factories.api_as(world.client_a.user).post(
            f"/api/v1/bookings/{booking.pk}/cancel/", {"initiated_by": "clinic"}
        )
        assert response.json()["cancelled_by"] == "client"  # a client cannot say otherwise

    def test_the_clinic_cancelling_inside_the_window_is_never_late(self, world, frozen):
        booking = book(world)
        frozen.move_to(TUESDAY_10 - timedelta(hours=2))

        response = factories.api_as(world.admin).post(
            f"/api/v1/bookings/{booking.pk}/cancel/", {"reason": "Therapist ill"}
        )

        assert response.status_code == 200
        body = response.json()
        assert (body["cancelled_by"], body["late_cancellation"]) == ("clinic", False)

    def test_the_clinic_records_a_clients_phone_call_as_theirs(self, world, frozen):
        booking = book(world)
        frozen.move_to(TUESDAY_10 - timedelta(hours=2))

        body = (
            factories.api_as(world.admin)
            .post(f"/api/v1/bookings/{booking.pk}/cancel/", {"initiated_by": "client"})
            .json()
        )

        assert (body["cancelled_by"], body["late_cancellation"]) == ("client", True)

    def test_initiated_by_must_be_known(self, world):
        booking = book(world)
        response = factories.api_as(world.admin).post(
            f"/api/v1/bookings/{booking.pk}/cancel/", {"initiated_by": "martians"}
        )
        assert response.status_code == 400
        assert "initiated_by" in response.json()


class TestLateChanges:
    def test_a_client_cannot_move_a_booking_inside_the_window(self, world, frozen):
        booking = book(world)
        frozen.move_to(TUESDAY_10 - timedelta(hours=23))

        response = factories.api_as(world.client_a.user).post(
            f"/api/v1/bookings/{booking.pk}/reschedule/",
            {"start": (TUESDAY_10 + timedelta(days=2)).isoformat()},
        )

        assert response.status_code == 400
        assert response.json() == {
            "start": [
                "Within 24 hours of the visit it can no longer be moved online; "
                "please call the clinic."
            ]
        }

    def test_a_late_move_by_the_clinic_keeps_a_later_cancellation_late(self, world, frozen):
        """The loophole: moved inside the window to a later date, then cancelled 'on time'."""
        booking = book(world)
        frozen.move_to(TUESDAY_10 - timedelta(hours=23))
        moved = factories.api_as(world.admin).post(
            f"/api/v1/bookings/{booking.pk}/reschedule/",
            {"start": (TUESDAY_10 + timedelta(days=3)).isoformat()},
        )
        assert moved.status_code == 200
        assert moved.json()["late_change"] is True

        cancelled = factories.api_as(world.client_a.user).post(
            f"/api/v1/bookings/{booking.pk}/cancel/"
        )

        assert cancelled.json()["late_cancellation"] is True

    def test_an_early_move_leaves_no_mark(self, world):
        booking = book(world)
        moved = factories.api_as(world.client_a.user).post(
            f"/api/v1/bookings/{booking.pk}/reschedule/",
            {"start": (TUESDAY_10 + timedelta(days=2)).isoformat()},
        )
        assert moved.status_code == 200
        assert moved.json()["late_change"] is False


def test_a_booking_records_its_price_when_made(world):
    response = factories.api_as(world.client_a.user).post(
        "/api/v1/bookings/",
        {"therapist": world.therapist.pk, "service": world.service.pk, "start": TUESDAY_10},
    )
    world.service.price += 50
    world.service.save()

    assert response.status_code == 201
    booking = factories.api_as(world.admin).get(f"/api/v1/bookings/{response.json()['id']}/")
    assert booking.json()["price"] == str(world.service.price - 50)
