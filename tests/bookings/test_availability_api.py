"""GET /api/v1/availability/: free slots in clinic time, validated input, fixed queries."""

from datetime import date, time

import pytest

from tests import factories
from tests.bookings.conftest import book, local

URL = "/api/v1/availability/"


def slots(response):
    assert response.status_code == 200, response.json()
    return [(s["therapist"], s["start"], s["end"]) for s in response.json()["results"]]


def query(world, **extra):
    return {"service": world.service.pk, "start": "2026-05-05", "end": "2026-05-05", **extra}


class TestAvailability:
    def test_anyone_sees_free_slots_of_all_therapists_in_clinic_time(self, world, anon):
        result = slots(anon.get(URL, query(world)))

        # 09:00 .. 15:45 every 15 minutes for each of the two therapists.
        assert len(result) == 2 * 28
        first = result[0]
        assert first[1] == "2026-05-05T09:00:00-04:00"
        assert first[2] == "2026-05-05T10:00:00-04:00"
        assert {r[0] for r in result} == {world.therapist.pk, world.other_therapist.pk}
        assert result[-1][1] == "2026-05-05T15:45:00-04:00"

    def test_one_therapist(self, world, anon):
        result = slots(anon.get(URL, query(world, therapist=world.therapist.pk)))

        assert {r[0] for r in result} == {world.therapist.pk}
        assert len(result) == 28

    def test_a_booking_takes_its_time_and_buffer(self, world, anon):
        book(world)  # 10:00-11:00, blocks to 11:15

        starts = [
            r[1][11:16] for r in slots(anon.get(URL, query(world, therapist=world.therapist.pk)))
        ]

        # 09:00 would need 09:00-10:15 (service and buffer) free: none fits before 10:00.
        assert starts[0] == "11:15"

    def test_cancelled_bookings_do_not_block(self, world, anon):
        book(world, status="cancelled")
        book(world, start=local(2026, 5, 5, 12), status="completed", client=world.client_b)

        assert len(slots(anon.get(URL, query(world, therapist=world.therapist.pk)))) == 28

    def test_time_off_blocks(self, world, anon):
        world.therapist.time_off.create(start=local(2026, 5, 5, 12), end=local(2026, 5, 5, 17))

        starts = [
            r[1][11:16] for r in slots(anon.get(URL, query(world, therapist=world.therapist.pk)))
        ]

        assert starts[-1] == "10:45"

    def test_lead_time_and_horizon_trim_the_range(self, world, anon):
        # Now is Monday 08:00 with a 2-hour lead: Monday's first slot is 10:00.
        today = slots(
            anon.get(
                URL,
                query(world, start="2026-05-04", end="2026-05-04", therapist=world.therapist.pk),
            )
        )
        assert today[0][1] == "2026-05-04T10:00:00-04:00"
        factories.make_clinic(booking_horizon_days=2)
        # The horizon ends Wednesday 08:00: nothing on Wednesday.
        result = slots(anon.get(URL, query(world, end="2026-05-06", therapist=world.therapist.pk)))
        assert {r[1][:10] for r in result} == {"2026-05-05"}

    def test_expired_license_and_unoffered_service_give_no_slots(self, world, anon):
        world.therapist.license_expires_on = date(2026, 5, 4)
        world.therapist.save()
        world.other_therapist.services.clear()

        assert slots(anon.get(URL, query(world))) == []

    def test_inactive_therapists_are_left_out(self, world, anon):
        world.other_therapist.active = False
        world.other_therapist.save()

        assert {r[0] for r in slots(anon.get(URL, query(world)))} == {world.therapist.pk}

    def test_datetimes_bound_the_range_naive_as_clinic_time(self, world, anon):
        response = anon.get(
            URL,
            query(
                world,
                start="2026-05-05T10:00",
                end="2026-05-05T11:00",
                therapist=world.therapist.pk,
            ),
        )

        assert [r[1][11:16] for r in slots(response)] == ["10:00", "10:15", "10:30", "10:45"]

    def test_slot_grid_follows_the_clinic_setting(self, world, anon):
        factories.make_clinic(slot_interval_minutes=30)

        result = slots(anon.get(URL, query(world, therapist=world.therapist.pk)))

        assert len(result) == 14
        assert all(r[1][14:16] in ("00", "30") for r in result)

    def test_every_offered_slot_can_be_booked(self, world):
        result = slots(factories.api_as(None).get(URL, query(world, therapist=world.therapist.pk)))
        api = factories.api_as(world.client_a.user)

        response = api.post(
            "/api/v1/bookings/",
            {"therapist": result[5][0], "service": world.service.pk, "start": result[5][1]},
        )

        assert response.status_code == 201


class TestAcrossDaylightSaving:
    @pytest.fixture
    def sunday_worker(self, world, frozen):
        frozen.move_to(local(2026, 2, 20, 8))
        world.therapist.working_hours.create(weekday=6, start_time=time(9), end_time=time(10, 15))
        world.other_therapist.services.clear()
        return world

    def test_nine_oclock_stays_nine_oclock_across_spring_forward(self, sunday_worker, anon):
        result = slots(anon.get(URL, query(sunday_worker, start="2026-03-01", end="2026-03-08")))
        sundays = [r[1] for r in result if r[1].startswith(("2026-03-01", "2026-03-08"))]

        assert sundays == ["2026-03-01T09:00:00-05:00", "2026-03-08T09:00:00-04:00"]

    def test_nine_oclock_stays_nine_oclock_across_fall_back(self, sunday_worker, anon, frozen):
        frozen.move_to(local(2026, 10, 20, 8))
        result = slots(anon.get(URL, query(sunday_worker, start="2026-10-25", end="2026-11-01")))
        sundays = [r[1] for r in result if r[1].startswith(("2026-10-25", "2026-11-01"))]

        assert sundays == ["2026-10-25T09:00:00-04:00", "2026-11-01T09:00:00-05:00"]


class TestBadInput:
    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({"service": 999999}, "service"),
            ({"service": "x"}, "service"),
            ({"start": "soon"}, "start"),
            ({"end": "2026-05-35"}, "end"),
            ({"start": "2026-05-06", "end": "2026-05-05"}, "end"),
            ({"start": "2026-05-06T10:00", "end": "2026-05-06T10:00"}, "end"),
            ({"end": "2026-07-30"}, "end"),
            ({"therapist": 999999}, "therapist"),
        ],
    )
    def test_bad_queries_are_400(self, world, anon, params, field):
        response = anon.get(URL, query(world, **params))

        assert response.status_code == 400
        assert field in response.json()

    def test_missing_parameters(self, world, anon):
        response = anon.get(URL)

        assert response.status_code == 400
        assert {"service", "start", "end"} <= set(response.json())

    def test_inactive_service(self, world, anon):
        world.service.active = False
        world.service.save()

        response = anon.get(URL, query(world))

        assert response.status_code == 400
        assert response.json()["service"] == ["This service is no longer offered."]

    def test_sixty_two_days_is_the_most(self, world, anon):
        assert anon.get(URL, query(world, end="2026-07-05")).status_code == 200
        assert anon.get(URL, query(world, end="2026-07-06")).status_code == 400


def test_query_count_does_not_grow_with_range_or_data(world, anon, django_assert_num_queries):
    anon.get(URL, query(world))  # warm up: the middleware caches the clinic's zone per process
    # clinic, service, and one statement for the rest: therapists, offered services, working
    # hours, time off, bookings, waitlist holds, rooms and their bookings
    with django_assert_num_queries(3) as small:
        anon.get(URL, query(world))
    for i in range(10):
        factories.make_therapist(services=[world.service])
    for day in range(5, 30):
        book(world, start=local(2026, 5, day, 10)) if local(2026, 5, day).weekday() < 5 else None
        world.therapist.time_off.create(start=local(2026, 5, day, 15), end=local(2026, 5, day, 16))

    with django_assert_num_queries(len(small.captured_queries)):
        response = anon.get(URL, query(world, end="2026-07-05"))

    assert response.status_code == 200
    assert len(response.json()["results"]) > 1000


class TestForAClient:
    """A slot offered to a client is one they can book: their own bookings are left out."""

    def test_a_client_is_not_offered_a_time_they_are_booked_with_another_therapist(self, world):
        book(world, therapist=world.other_therapist)  # client A, 10:00-11:00 with the other
        api = factories.api_as(world.client_a.user)

        starts = [r[1][11:16] for r in slots(api.get(URL, query(world)))]

        # 09:00-10:00 still fits (the buffer is the therapist's time, not the client's).
        assert "09:00" in starts
        assert not {"09:15", "09:30", "09:45", "10:00", "10:45"} & set(starts)
        assert "11:00" in starts

    def test_anyone_else_still_sees_the_therapists_free(self, world, anon):
        book(world, therapist=world.other_therapist)

        free = slots(anon.get(URL, query(world, therapist=world.therapist.pk)))

        assert ("10:00" in [r[1][11:16] for r in free]) is True

    def test_staff_ask_for_a_client_and_a_client_cannot_ask_for_another(self, world):
        book(world, therapist=world.other_therapist)  # client A's
        for_a = query(world, therapist=world.therapist.pk, client=world.client_a.pk)

        by_admin = slots(factories.api_as(world.admin).get(URL, for_a))
        by_b = slots(factories.api_as(world.client_b.user).get(URL, for_a))

        assert "10:00" not in [r[1][11:16] for r in by_admin]
        assert "10:00" in [r[1][11:16] for r in by_b]  # B's own diary, not A's

    def test_the_front_desk_sees_slots_inside_the_lead_time(self, world):
        today = {"service": world.service.pk, "start": "2026-05-04", "end": "2026-05-04"}

        by_client = slots(factories.api_as(world.client_a.user).get(URL, today))
        by_admin = slots(factories.api_as(world.admin).get(URL, today))

        assert by_client[0][1] == "2026-05-04T10:00:00-04:00"  # 120 minutes of lead time
        assert by_admin[0][1] == "2026-05-04T09:00:00-04:00"  # the walk-in's first slot
