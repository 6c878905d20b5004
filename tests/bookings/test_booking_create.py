"""Creating bookings through the API: the rules, bad input (400), collisions (409)."""

from datetime import date, time, timedelta

import pytest
from django.test import override_settings
from rest_framework.throttling import SimpleRateThrottle

from bookings.models import Booking, BookingEvent
from tests import factories
from tests.bookings.conftest import HOUR, TUESDAY_10, book, local, payload

URL = "/api/v1/bookings/"


def post_as_client(world, data, client=None):
    return factories.api_as((client or world.client_a).user).post(URL, data)


class TestCreate:
    def test_a_client_books_for_themselves(self, world):
        response = post_as_client(world, payload(world, notes="Neck, right side"))

        assert response.status_code == 201, response.json()
        body = response.json()
        assert body["client"] == world.client_a.pk
        assert body["status"] == "requested"
        assert body["start"] == "2026-05-05T10:00:00-04:00"
        assert body["end"] == "2026-05-05T11:00:00-04:00"
        assert body["notes"] == "Neck, right side"
        assert body["late_cancellation"] is False
        assert "flags" not in body and "events" not in body
        booking = Booking.objects.get(pk=body["id"])
        assert booking.blocks_until == TUESDAY_10 + 75 * timedelta(minutes=1)
        assert booking.created_by == world.client_a.user
        [event] = booking.events.all()
        assert (event.from_status, event.to_status, event.actor) == (
            "",
            "requested",
            world.client_a.user,
        )

    def test_an_admin_books_for_any_client(self, world):
        response = factories.api_as(world.admin).post(URL, payload(world, client=world.client_b.pk))

        assert response.status_code == 201
        assert response.json()["client"] == world.client_b.pk
        assert response.json()["events"][0]["actor"] == world.admin.username

    def test_an_admin_must_say_whom_the_booking_is_for(self, world):
        response = factories.api_as(world.admin).post(URL, payload(world))

        assert response.status_code == 400
        assert "client" in response.json()

    def test_a_client_cannot_book_for_someone_else(self, world):
        response = post_as_client(world, payload(world, client=world.client_b.pk))

        assert response.status_code == 400
        assert "client" in response.json()
        assert not Booking.objects.exists()

    def test_a_therapist_cannot_create_bookings(self, world):
        response = factories.api_as(world.therapist.user).post(
            URL, payload(world, client=world.client_a.pk)
        )

        assert response.status_code == 403

    def test_anonymous_gets_401(self, world, anon):
        assert anon.post(URL, payload(world)).status_code == 401

    def test_a_user_without_a_role_gets_403(self, world):
        assert factories.api_as(factories.make_user()).post(URL, payload(world)).status_code == 403

    def test_a_naive_start_is_read_as_clinic_time(self, world):
        response = post_as_client(world, payload(world, start="2026-05-05T10:00:00"))

        assert response.status_code == 201
        assert Booking.objects.get().start == TUESDAY_10

    def test_an_offset_start_is_converted_to_clinic_time(self, world):
        response = post_as_client(world, payload(world, start="2026-05-05T14:00:00Z"))

        assert response.status_code == 201
        assert response.json()["start"] == "2026-05-05T10:00:00-04:00"

    def test_back_to_back_bookings_after_the_buffer_are_fine(self, world):
        book(world, client=world.client_b)  # 10:00-11:00, buffer to 11:15

        response = post_as_client(world, payload(world, start=local(2026, 5, 5, 11, 15)))

        assert response.status_code == 201

    def test_a_cancelled_booking_frees_its_slot(self, world):
        book(world, client=world.client_b, status="cancelled")

        assert post_as_client(world, payload(world)).status_code == 201

    def test_booking_creation_is_throttled(self, world, monkeypatch):
        rates = {**SimpleRateThrottle.THROTTLE_RATES, "booking": "2/min"}
        monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
        api = factories.api_as(world.client_a.user)

        answers = [
            api.post(URL, payload(world, start=local(2026, 5, 5, 9 + 2 * i))) for i in range(4)
        ]

        assert [a.status_code for a in answers] == [201, 201, 429, 429]
        # DRF's answer: the time until the first of the two leaves the minute's window.
        for refused in answers[2:]:
            wait = int(refused["Retry-After"])
            assert 55 <= wait <= 60
            assert refused.json()["detail"] == (
                f"Request was throttled. Expected available in {wait} seconds."
            )
        assert api.get(URL).status_code == 200  # only creation is throttled


class TestBadInput:
    """400 with the field at fault and a reason a person understands; nothing is written."""

    def assert_refused(self, response, field, words):
        assert response.status_code == 400, response.json()
        message = " ".join(response.json()[field])
        assert words in message, message
        assert not Booking.objects.exists()
        assert not BookingEvent.objects.exists()

    def test_start_off_the_grid(self, world):
        response = post_as_client(world, payload(world, start=local(2026, 5, 5, 10, 5)))
        self.assert_refused(response, "start", "15-minute grid")

    def test_start_in_the_past(self, world):
        response = post_as_client(world, payload(world, start=local(2026, 5, 1, 10)))
        self.assert_refused(response, "start", "in the past")

    def test_start_inside_the_lead_time(self, world):
        response = post_as_client(world, payload(world, start=local(2026, 5, 4, 9, 45)))
        self.assert_refused(response, "start", "at least 120 minutes ahead")

    def test_the_front_desk_books_a_walk_in_inside_the_lead_time(self, world):
        body = {**payload(world, start=local(2026, 5, 4, 9, 45)), "client": world.client_a.pk}

        response = factories.api_as(world.admin).post("/api/v1/bookings/", body)

        assert response.status_code == 201, response.json()

    def test_not_even_the_front_desk_books_in_the_past(self, world):
        body = {**payload(world, start=local(2026, 5, 4, 7, 45)), "client": world.client_a.pk}

        response = factories.api_as(world.admin).post("/api/v1/bookings/", body)

        assert response.status_code == 400

    def test_start_beyond_the_horizon(self, world):
        response = post_as_client(world, payload(world, start=local(2026, 8, 4, 10)))
        self.assert_refused(response, "start", "at most 90 days ahead")

    def test_start_outside_working_hours(self, world):
        response = post_as_client(world, payload(world, start=local(2026, 5, 5, 8)))
        self.assert_refused(response, "start", "not working")

    def test_start_on_a_day_off(self, world):
        response = post_as_client(world, payload(world, start=local(2026, 5, 9, 10)))  # Saturday
        self.assert_refused(response, "start", "not working")

    def test_buffer_running_past_closing(self, world):
        response = post_as_client(world, payload(world, start=local(2026, 5, 5, 16)))
        self.assert_refused(response, "start", "buffer must fit")

    def test_start_during_time_off(self, world):
        world.therapist.time_off.create(start=local(2026, 5, 5, 0), end=local(2026, 5, 6, 0))
        response = post_as_client(world, payload(world))
        self.assert_refused(response, "start", "away")

    def test_service_the_therapist_does_not_offer(self, world):
        other = factories.make_service(name="Deep tissue", modality="deep_tissue")
        response = post_as_client(world, payload(world, service=other.pk))
        self.assert_refused(response, "therapist", "does not offer")

    def test_inactive_service(self, world):
        world.service.active = False
        world.service.save()
        response = post_as_client(world, payload(world))
        self.assert_refused(response, "service", "no longer offered")

    def test_inactive_therapist(self, world):
        world.therapist.active = False
        world.therapist.save()
        response = post_as_client(world, payload(world))
        self.assert_refused(response, "therapist", "not taking bookings")

    def test_therapist_whose_license_has_expired(self, world):
        world.therapist.license_expires_on = date(2026, 5, 4)
        world.therapist.save()
        response = post_as_client(world, payload(world))
        self.assert_refused(response, "therapist", "licence")

    def test_license_valid_through_the_day_of_the_booking(self, world):
        world.therapist.license_expires_on = date(2026, 5, 5)
        world.therapist.save()
        assert post_as_client(world, payload(world)).status_code == 201

    @pytest.mark.parametrize("field", ["therapist", "service"])
    def test_unknown_id(self, world, field):
        response = post_as_client(world, payload(world, **{field: 999999}))
        self.assert_refused(response, field, "does not exist")

    @pytest.mark.parametrize("value", ["tomorrow at ten", "2026-05-35T10:00", "", "2026-13-01"])
    def test_malformed_datetime(self, world, value):
        response = post_as_client(world, payload(world, start=value))
        assert response.status_code == 400
        assert "start" in response.json()

    def test_naive_time_that_does_not_exist_in_the_clinic_zone(self, world):
        # 02:30 on 2026-03-08 was skipped in Toronto; it cannot be read as clinic time.
        response = post_as_client(world, payload(world, start="2026-03-08T02:30:00"))
        assert response.status_code == 400
        assert "start" in response.json()

    def test_missing_fields(self, world):
        response = post_as_client(world, {})
        assert response.status_code == 400
        assert {"therapist", "service", "start"} <= set(response.json())

    @pytest.mark.parametrize("body", [[], "text", {"therapist": {"id": 1}}, {"therapist": "x"}])
    def test_odd_json_is_a_400_not_a_500(self, world, body):
        response = factories.api_as(world.client_a.user).post(URL, body, format="json")
        assert response.status_code == 400


class TestCollisions:
    def assert_conflict(self, response, words):
        assert response.status_code == 409, response.json()
        assert words in response.json()["detail"]

    def test_same_slot_is_409(self, world):
        book(world, client=world.client_b)

        self.assert_conflict(post_as_client(world, payload(world)), "already booked")
        assert Booking.objects.count() == 1

    def test_the_409_body_names_the_collision_for_programs(self, world):
        book(world, client=world.client_b)

        response = post_as_client(world, payload(world))

        assert response.status_code == 409
        assert response.json() == {
            "detail": "This therapist is already booked then.",
            "conflict": "busy",
        }

    def test_overlapping_the_other_bookings_buffer_is_409(self, world):
        book(world, client=world.client_b)  # blocks 10:00-11:15

        response = post_as_client(world, payload(world, start=local(2026, 5, 5, 11)))

        self.assert_conflict(response, "already booked")

    def test_our_buffer_overlapping_the_next_booking_is_409(self, world):
        book(world, client=world.client_b, start=local(2026, 5, 5, 11))

        self.assert_conflict(post_as_client(world, payload(world)), "already booked")

    def test_client_cannot_hold_two_overlapping_bookings(self, world):
        book(world, therapist=world.other_therapist)

        response = post_as_client(world, payload(world, start=TUESDAY_10 + HOUR / 2))

        self.assert_conflict(response, "already has a booking")
        assert Booking.objects.count() == 1

    def test_client_may_book_back_to_back_with_two_therapists(self, world):
        book(world, therapist=world.other_therapist)  # 10:00-11:00 (+ buffer, the therapist's)

        response = post_as_client(world, payload(world, start=local(2026, 5, 5, 11)))

        assert response.status_code == 201

    def test_another_therapist_is_free_at_the_same_time(self, world):
        book(world, client=world.client_b)

        response = post_as_client(world, payload(world, therapist=world.other_therapist.pk))

        assert response.status_code == 201


def test_working_hours_added_later_are_bookable(world):
    world.therapist.working_hours.create(weekday=5, start_time=time(10), end_time=time(14))

    response = post_as_client(world, payload(world, start=local(2026, 5, 9, 10)))

    assert response.status_code == 201


def test_bookings_are_still_taken_when_redis_is_down(world):
    # Throttle counters live in Redis; nothing listens on port 1.
    dead_redis = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    with override_settings(CACHES=dead_redis):
        response = post_as_client(world, payload(world))

    assert response.status_code == 201, response.content
    assert Booking.objects.filter(pk=response.json()["id"]).exists()
