"""Recurring series: one request, every visit checked like a single booking, all-or-nothing or
book-what-fits, the local wall time kept across daylight saving, cancelling the rest."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bookings.models import Booking, BookingSeries
from bookings.series import occurrences
from tests import factories
from tests.bookings.conftest import NOW, TUESDAY_10, book, local

URL = "/api/v1/booking-series/"
TORONTO = ZoneInfo("America/Toronto")


def plan(world, **extra):
    data = {
        "therapist": world.therapist.pk,
        "service": world.service.pk,
        "start": TUESDAY_10.isoformat(),
        "every_weeks": 1,
        "count": 3,
        "mode": "all_or_nothing",
    }
    data.update(extra)
    return {k: v for k, v in data.items() if v is not None}


def post(user, data):
    return factories.api_as(user).post(URL, data, format="json")


class TestBooking:
    def test_a_client_books_a_weekly_series(self, world):
        response = post(world.client_a.user, plan(world))

        assert response.status_code == 201, response.json()
        body = response.json()
        assert [b["start"] for b in body["booked"]] == [
            "2026-05-05T10:00:00-04:00",
            "2026-05-12T10:00:00-04:00",
            "2026-05-19T10:00:00-04:00",
        ]
        assert body["collided"] == []
        series = BookingSeries.objects.get(pk=body["id"])
        assert series.client == world.client_a
        assert {b["series"] for b in body["booked"]} == {series.pk}
        assert all(b["status"] == "requested" for b in body["booked"])
        assert "flags" not in body["booked"][0]

    def test_every_two_weeks_until_a_date(self, world):
        response = post(
            world.client_a.user, plan(world, count=None, until="2026-06-16", every_weeks=2)
        )
        assert response.status_code == 201, response.json()
        starts = [b["start"][:10] for b in response.json()["booked"]]
        assert starts == ["2026-05-05", "2026-05-19", "2026-06-02", "2026-06-16"]

    def test_all_or_nothing_books_nothing_when_one_visit_collides(self, world):
        book(world, start=local(2026, 5, 12, 10), client=world.client_b)

        response = post(world.client_a.user, plan(world))

        assert response.status_code == 409
        body = response.json()
        assert body["collided"] == [
            {
                "start": "2026-05-12T10:00:00-04:00",
                "reason": "This therapist is already booked then.",
            }
        ]
        assert "nothing was booked" in body["detail"]
        assert not BookingSeries.objects.exists()
        assert Booking.objects.filter(client=world.client_a).count() == 0

    def test_book_what_fits_books_the_rest_and_lists_the_collision(self, world):
        book(world, start=local(2026, 5, 12, 10), client=world.client_b)

        response = post(world.client_a.user, plan(world, mode="book_what_fits"))

        assert response.status_code == 201, response.json()
        body = response.json()
        assert [b["start"][:10] for b in body["booked"]] == ["2026-05-05", "2026-05-19"]
        assert [c["start"][:10] for c in body["collided"]] == ["2026-05-12"]
        assert Booking.objects.filter(client=world.client_a).count() == 2

    def test_a_rule_refusal_is_listed_with_its_reason(self, world):
        # Horizon 90 days: weekly from May 5 reaches past Aug 2 at the 14th visit.
        response = post(world.client_a.user, plan(world, count=14, mode="book_what_fits"))
        assert response.status_code == 201, response.json()
        body = response.json()
        assert len(body["booked"]) == 13
        assert body["collided"][0]["reason"] == "Bookings can be made at most 90 days ahead."

    def test_nothing_fits_is_a_conflict(self, world):
        book(world, start=TUESDAY_10, client=world.client_b)
        response = post(world.client_a.user, plan(world, count=1, mode="book_what_fits"))
        assert response.status_code == 409
        assert len(response.json()["collided"]) == 1
        assert not BookingSeries.objects.exists()

    def test_each_visit_keeps_its_wall_time_across_daylight_saving(self, world):
        world.clinic.booking_horizon_days = 365
        world.clinic.save()
        start = local(2026, 10, 20, 10).isoformat()

        response = post(world.client_a.user, plan(world, start=start))

        assert response.status_code == 201, response.json()
        assert [b["start"] for b in response.json()["booked"]] == [
            "2026-10-20T10:00:00-04:00",
            "2026-10-27T10:00:00-04:00",
            "2026-11-03T10:00:00-05:00",
        ]

    def test_series_visits_get_rooms_like_single_bookings(self, world):
        room = factories.make_room(services=[world.service])
        response = post(world.client_a.user, plan(world))
        assert response.status_code == 201, response.json()
        assert {b["room"] for b in response.json()["booked"]} == {room.pk}


class TestBadInput:
    @pytest.mark.parametrize(
        ("extra", "field"),
        [
            ({"count": 0}, "count"),
            ({"count": 53}, "count"),
            ({"count": None, "until": "2027-05-05"}, "until"),
            ({"count": None, "until": "2026-05-01"}, "until"),
            ({"until": "2026-06-01"}, "count"),
            ({"count": None}, "count"),
            ({"every_weeks": 0}, "every_weeks"),
            ({"every_weeks": 27}, "every_weeks"),
            ({"mode": "sometimes"}, "mode"),
        ],
    )
    def test_bad_plans_are_400_with_the_reason(self, world, extra, field):
        response = post(world.client_a.user, plan(world, **extra))
        assert response.status_code == 400, response.json()
        assert field in response.json()
        assert not BookingSeries.objects.exists()

    def test_fifty_two_visits_is_the_most(self, world):
        world.clinic.booking_horizon_days = 400
        world.clinic.save()
        response = post(world.client_a.user, plan(world, count=52, mode="book_what_fits"))
        assert response.status_code == 201, response.json()
        assert len(response.json()["booked"]) + len(response.json()["collided"]) == 52


class TestRoles:
    def test_an_admin_books_a_series_for_a_client(self, world):
        response = post(world.admin, plan(world, client=world.client_b.pk))
        assert response.status_code == 201, response.json()
        assert BookingSeries.objects.get().client == world.client_b

    def test_an_admin_must_say_whom_for(self, world):
        response = post(world.admin, plan(world))
        assert response.status_code == 400
        assert "client" in response.json()

    def test_a_therapist_may_not_book_a_series(self, world):
        assert post(world.therapist.user, plan(world)).status_code == 403

    def test_a_client_cannot_book_for_another_client(self, world):
        response = post(world.client_a.user, plan(world, client=world.client_b.pk))
        assert response.status_code == 400
        assert not BookingSeries.objects.exists()

    def test_anonymous_gets_401(self, world):
        assert factories.api_as().post(URL, plan(world), format="json").status_code == 401

    def test_lists_are_scoped_and_take_a_constant_number_of_queries(
        self, world, django_assert_max_num_queries
    ):
        post(world.client_a.user, plan(world))
        post(world.client_b.user, plan(world, therapist=world.other_therapist.pk))
        api = factories.api_as(world.admin)
        with django_assert_max_num_queries(8) as few:
            api.get(URL)
        baseline = len(few.captured_queries)  # read now: the next request resets the log
        post(world.client_b.user, plan(world, start=local(2026, 6, 2, 14).isoformat()))
        with django_assert_max_num_queries(baseline):
            everything = api.get(URL).json()["results"]
        assert len(everything) == 3

        mine = factories.api_as(world.client_a.user).get(URL).json()["results"]
        assert [s["client"] for s in mine] == [world.client_a.pk]
        assert len(mine[0]["bookings"]) == 3
        theirs = factories.api_as(world.other_therapist.user).get(URL).json()["results"]
        assert {s["therapist"] for s in theirs} == {world.other_therapist.pk}

    def test_another_clients_series_is_404(self, world):
        series_id = post(world.client_a.user, plan(world)).json()["id"]
        api = factories.api_as(world.client_b.user)
        assert api.get(f"{URL}{series_id}/").status_code == 404
        assert api.post(f"{URL}{series_id}/cancel/", {}).status_code == 404


class TestCancel:
    def test_cancel_the_rest_from_a_date(self, world):
        series_id = post(world.client_a.user, plan(world)).json()["id"]

        response = factories.api_as(world.client_a.user).post(
            f"{URL}{series_id}/cancel/", {"from": "2026-05-10T00:00"}, format="json"
        )

        assert response.status_code == 200, response.json()
        statuses = [(b["start"][:10], b["status"]) for b in response.json()["bookings"]]
        assert statuses == [
            ("2026-05-05", "requested"),
            ("2026-05-12", "cancelled"),
            ("2026-05-19", "cancelled"),
        ]

    def test_cancel_without_from_is_refused_and_cancels_nothing(self, world):
        series_id = post(world.client_a.user, plan(world)).json()["id"]
        response = factories.api_as(world.admin).post(f"{URL}{series_id}/cancel/", {})
        assert response.status_code == 400
        assert response.json() == {"from": ["Say from when to cancel the series (`from`)."]}
        assert not Booking.objects.filter(series_id=series_id, status="cancelled").exists()

    def test_cancel_from_now_cancels_every_future_visit(self, world):
        series_id = post(world.client_a.user, plan(world)).json()["id"]
        response = factories.api_as(world.admin).post(
            f"{URL}{series_id}/cancel/", {"from": NOW.isoformat()}
        )
        assert response.status_code == 200
        assert {b["status"] for b in response.json()["bookings"]} == {"cancelled"}

    def test_one_visit_cancels_through_its_booking(self, world):
        body = post(world.client_a.user, plan(world)).json()
        second = body["booked"][1]["id"]
        api = factories.api_as(world.client_a.user)
        assert api.post(f"/api/v1/bookings/{second}/cancel/", {}).status_code == 200
        series = api.get(f"{URL}{body['id']}/").json()
        assert [b["status"] for b in series["bookings"]] == ["requested", "cancelled", "requested"]

    def test_a_therapist_may_not_cancel_a_series(self, world):
        series_id = post(world.client_a.user, plan(world)).json()["id"]
        api = factories.api_as(world.therapist.user)
        assert api.get(f"{URL}{series_id}/").status_code == 200
        assert api.post(f"{URL}{series_id}/cancel/", {}).status_code == 403
        assert not Booking.objects.filter(status="cancelled").exists()


def test_occurrences_keep_wall_time_and_mark_the_spring_forward_gap():
    first = datetime(2026, 2, 22, 2, 30, tzinfo=TORONTO)  # a Sunday
    visits = occurrences(first, TORONTO, every_weeks=1, count=3)
    assert [exists for _, exists in visits] == [True, True, False]  # 2026-03-08 02:30 is skipped
    assert visits[1][0] == datetime(2026, 3, 1, 7, 30, tzinfo=UTC)
    assert occurrences(first, TORONTO, every_weeks=2, until=date(2026, 3, 9))[-1][0].astimezone(
        TORONTO
    ).time() == time(3, 30)
    assert len(occurrences(first, TORONTO, every_weeks=1, until=date(2030, 1, 1))) == 53
