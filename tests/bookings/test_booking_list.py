"""Listing bookings: filters, ordering, and a constant number of queries."""

from datetime import timedelta

import pytest
from django.utils import timezone

from bookings.models import Booking
from clients.models import Intake
from tests import factories
from tests.bookings.conftest import book, local

URL = "/api/v1/bookings/"


@pytest.fixture
def week(world):
    """Five bookings over the week with both therapists and clients, in mixed statuses."""
    return [
        book(world, start=local(2026, 5, 5, 10)),
        book(world, start=local(2026, 5, 5, 14), client=world.client_b, status="requested"),
        book(world, start=local(2026, 5, 6, 9), therapist=world.other_therapist),
        book(world, start=local(2026, 5, 7, 11), status="cancelled"),
        book(world, start=local(2026, 5, 8, 16), client=world.client_b, status="requested"),
    ]


def ids(response):
    assert response.status_code == 200, response.json()
    return [b["id"] for b in response.json()["results"]]


class TestFilters:
    def test_by_therapist_client_service_status(self, world, week):
        api = factories.api_as(world.admin)

        assert ids(api.get(URL, {"therapist": world.other_therapist.pk})) == [week[2].pk]
        assert ids(api.get(URL, {"client": world.client_b.pk})) == [week[1].pk, week[4].pk]
        assert len(ids(api.get(URL, {"service": world.service.pk}))) == 5
        assert ids(api.get(URL, {"status": "requested"})) == [week[1].pk, week[4].pk]
        assert ids(api.get(f"{URL}?status=cancelled&status=confirmed")) == [
            week[0].pk,
            week[2].pk,
            week[3].pk,
        ]

    def test_by_start_datetimes(self, world, week):
        api = factories.api_as(world.admin)

        response = api.get(
            URL, {"start_after": "2026-05-05T14:00:00", "start_before": "2026-05-07T11:00:00"}
        )

        assert ids(response) == [week[1].pk, week[2].pk]

    def test_by_clinic_dates(self, world, week):
        api = factories.api_as(world.admin)

        assert ids(api.get(URL, {"date_from": "2026-05-06", "date_to": "2026-05-07"})) == [
            week[2].pk,
            week[3].pk,
        ]
        assert ids(api.get(URL, {"date_to": "2026-05-05"})) == [week[0].pk, week[1].pk]

    def test_a_booking_late_in_the_evening_is_on_its_local_date(self, world):
        late = book(world, start=local(2026, 5, 5, 21))  # 01:00 UTC on the 6th

        response = factories.api_as(world.admin).get(
            URL, {"date_from": "2026-05-05", "date_to": "2026-05-05"}
        )

        assert ids(response) == [late.pk]

    def test_ordering(self, world, week):
        api = factories.api_as(world.admin)

        assert ids(api.get(URL, {"ordering": "-start"})) == [b.pk for b in reversed(week)]

    @pytest.mark.parametrize(
        "query", [{"start_after": "next week"}, {"date_from": "2026-02-30"}, {"status": "lost"}]
    )
    def test_bad_filter_values_are_400(self, world, query):
        assert factories.api_as(world.admin).get(URL, query).status_code == 400


def add_flagged_intakes(*clients):
    for client in clients:
        Intake.objects.create(
            client=client,
            history_of_dvt=True,
            consent_given=True,
            consent_version="2026-01",
            consent_signed_at=timezone.now(),
        )


def many_bookings(world, count, first_day=5):
    clients = [factories.make_client() for _ in range(count)]
    add_flagged_intakes(*clients)
    start = local(2026, 5, first_day, 9)
    for i, client in enumerate(clients):
        booking = book(
            world, client=client, start=start + timedelta(days=i // 4, hours=2 * (i % 4))
        )
        booking.events.create(actor=world.admin, from_status="", to_status="confirmed")
    return clients


@pytest.mark.parametrize("role", ["admin", "therapist", "client"])
def test_list_query_count_is_constant(world, role, django_assert_max_num_queries):
    users = {"admin": world.admin, "therapist": world.therapist.user, "client": world.client_a.user}
    api = factories.api_as(users[role])

    def seed(count, first_day):
        many_bookings(world, count, first_day)
        if role == "client":
            Booking.objects.update(client=world.client_a)

    seed(3, first_day=5)
    with django_assert_max_num_queries(12) as few:
        assert api.get(URL).json()["count"] == 3
    seed(12, first_day=12)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = api.get(URL)
    assert response.json()["count"] == 15


def test_list_shows_flags_and_history_of_every_row(world):
    many_bookings(world, 6)

    rows = factories.api_as(world.admin).get(URL).json()["results"]

    assert len(rows) == 6
    assert all([f["code"] for f in row["flags"]] == ["dvt"] for row in rows)
    assert all(len(row["events"]) == 1 for row in rows)
