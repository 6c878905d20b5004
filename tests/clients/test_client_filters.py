"""Search and filters on /api/v1/clients/: they narrow what the caller may see, never widen it."""

from datetime import date, timedelta

import pytest
import time_machine
from django.utils import timezone

from tests import factories
from tests.clients.conftest import api_for

pytestmark = pytest.mark.django_db


def names(response):
    assert response.status_code == 200, response.content
    return sorted(row["first_name"] for row in response.json()["results"])


@pytest.fixture
def people(cast):
    factories.make_client(
        first_name="Dana", last_name="Okafor", email="dana@example.com", phone="+1 416 555 0142"
    )
    factories.make_client(
        first_name="Eli", last_name="Novak", email="eli.novak@mail.test", phone="647-555-0199"
    )
    return cast


class TestSearch:
    @pytest.mark.parametrize(
        ("term", "expected"),
        [
            ("okafor", ["Dana"]),
            ("Dana Okafor", ["Dana"]),
            ("mail.test", ["Eli"]),
            ("416 555", ["Dana"]),
            ("0199", ["Eli"]),
            ("zzz", []),
        ],
    )
    def test_staff_search_by_name_email_and_phone(self, people, term, expected):
        assert names(api_for(people, "admin").get("/api/v1/clients/", {"search": term})) == expected

    def test_a_therapist_searches_only_their_own_clients(self, people):
        response = api_for(people, "therapist").get("/api/v1/clients/", {"search": "a"})

        assert names(response) == ["Alma"]

    def test_a_client_searching_finds_no_one_else(self, people):
        response = api_for(people, "client_a").get("/api/v1/clients/", {"search": "Dana"})

        assert names(response) == []


class TestHasFlag:
    def test_it_finds_clients_whose_latest_intake_raises_the_flag(self, cast):
        factories.make_intake(cast.client_a, takes_anticoagulants=True)
        factories.make_intake(cast.client_b, takes_anticoagulants=True)
        factories.make_intake(cast.client_b, takes_anticoagulants=False)  # newer: stopped

        response = api_for(cast, "admin").get("/api/v1/clients/", {"has_flag": "anticoagulants"})

        assert names(response) == ["Alma"]

    def test_a_date_bound_flag_follows_the_clinics_today(self, cast):
        with time_machine.travel(date(2026, 3, 1), tick=False):
            factories.make_intake(cast.client_a, recent_surgery_date=date(2026, 2, 1))
            api = api_for(cast, "admin")
            soon = api.get("/api/v1/clients/", {"has_flag": "recent_surgery"})
        with time_machine.travel(date(2026, 6, 1), tick=False):
            later = api.get("/api/v1/clients/", {"has_flag": "recent_surgery"})

        assert names(soon) == ["Alma"]
        assert names(later) == []

    def test_a_therapist_filters_only_their_own_clients(self, cast):
        factories.make_intake(cast.client_a, osteoporosis=True)
        factories.make_intake(cast.client_b, osteoporosis=True)

        mine = api_for(cast, "therapist").get("/api/v1/clients/", {"has_flag": "osteoporosis"})
        none = api_for(cast, "other_therapist").get(
            "/api/v1/clients/", {"has_flag": "osteoporosis"}
        )

        assert names(mine) == ["Alma"]
        assert names(none) == []

    def test_an_unknown_flag_is_a_400(self, cast):
        response = api_for(cast, "admin").get("/api/v1/clients/", {"has_flag": "grumpy"})

        assert response.status_code == 400
        assert "has_flag" in response.json()

    def test_the_filter_keeps_a_constant_query_count(self, cast, django_assert_max_num_queries):
        for _ in range(10):
            factories.make_intake(factories.make_client(), fever_or_infection=True)
        api = api_for(cast, "admin")

        with django_assert_max_num_queries(7):
            response = api.get("/api/v1/clients/", {"has_flag": "fever"})

        assert response.json()["count"] == 10


class TestHasUpcomingBooking:
    @pytest.fixture
    def booked(self, cast):
        # A (fixture): a completed booking last week. B: confirmed next week.
        # Carl: only a cancelled future booking. Dora: a requested one tomorrow.
        soon = timezone.now() + timedelta(days=7)
        factories.make_booking(
            therapist=cast.therapist, client=cast.client_b, service=cast.service, start=soon
        )
        carl = factories.make_client(first_name="Carl")
        factories.make_booking(
            therapist=cast.other_therapist,
            client=carl,
            service=cast.service,
            start=soon,
            status="cancelled",
        )
        dora = factories.make_client(first_name="Dora")
        factories.make_booking(
            therapist=cast.other_therapist,
            client=dora,
            service=cast.service,
            start=timezone.now() + timedelta(days=1),
            status="requested",
        )
        return cast

    def test_true_finds_clients_with_an_active_booking_to_come(self, booked):
        response = api_for(booked, "admin").get("/api/v1/clients/?has_upcoming_booking=true")

        assert names(response) == ["Bea", "Dora"]

    def test_false_finds_the_others(self, booked):
        response = api_for(booked, "admin").get("/api/v1/clients/?has_upcoming_booking=false")

        assert names(response) == ["Alma", "Carl"]

    def test_a_therapist_sees_only_their_own_clients_with_it(self, booked):
        response = api_for(booked, "therapist").get("/api/v1/clients/?has_upcoming_booking=true")

        assert names(response) == ["Bea"]

    def test_a_client_booked_twice_is_listed_once(self, booked):
        factories.make_booking(
            therapist=booked.other_therapist,
            client=booked.client_b,
            service=booked.service,
            start=timezone.now() + timedelta(days=20),
        )

        response = api_for(booked, "admin").get("/api/v1/clients/?has_upcoming_booking=true")

        assert names(response) == ["Bea", "Dora"]


class TestOrdering:
    def test_staff_order_by_date_of_birth(self, cast):
        factories.make_client(first_name="Old", date_of_birth=date(1950, 1, 1))
        factories.make_client(first_name="Young", date_of_birth=date(2000, 1, 1))

        response = api_for(cast, "admin").get("/api/v1/clients/?ordering=date_of_birth")

        assert [r["first_name"] for r in response.json()["results"]][:2] == ["Old", "Young"]

    def test_ordering_by_staff_notes_is_not_offered(self, cast):
        response = api_for(cast, "client_a").get("/api/v1/clients/?ordering=staff_notes")

        # An ordering that is not offered is refused, naming the parameter (and no data).
        assert response.status_code == 400
        assert list(response.json()) == ["ordering"]
