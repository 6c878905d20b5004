"""Continuity of care means care: a therapist reads a client's records only while they hold an
upcoming active booking with them or after a visit that took place (checked in, completed,
no-show). A therapist whose only link is a cancelled booking gets 404 on every record route."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests import factories

pytestmark = pytest.mark.django_db

RESOLVE = {"code": "anticoagulants", "reason": "Cleared by her cardiologist."}


@pytest.fixture
def world(clinic):
    service = factories.make_service()
    therapist = factories.make_therapist(services=[service])
    client = factories.make_client()
    intake = factories.make_intake(client, takes_anticoagulants=True)
    return therapist, client, intake, service


def record_routes(client, intake):
    base = f"/api/v1/clients/{client.pk}/"
    return [
        base,
        f"{base}intakes/",
        f"{base}intakes/{intake.pk}/",
        f"{base}intakes/{intake.pk}/consent/",
        f"{base}flag-resolutions/",
        f"{base}trigger-point-progress/",
    ]


def link(world, status, days):
    therapist, client, _, service = world
    return factories.make_booking(
        therapist=therapist,
        client=client,
        service=service,
        start=timezone.now() + timedelta(days=days),
        status=status,
    )


@pytest.mark.parametrize(
    ("status", "days", "in_care"),
    [
        ("cancelled", 3, False),  # a cancelled booking alone is no link of care
        ("cancelled", -3, False),
        ("confirmed", -3, False),  # booked, never came, never marked: no visit took place
        ("requested", -3, False),
        ("requested", 3, True),
        ("confirmed", 3, True),
        ("checked_in", -3, True),
        ("completed", -30, True),
        ("no_show", -3, True),
    ],
)
def test_a_therapist_reads_a_clients_records_only_while_in_their_care(world, status, days, in_care):
    therapist, client, intake, _ = world
    link(world, status, days)
    api = factories.api_as(therapist.user)

    answers = {route: api.get(route).status_code for route in record_routes(client, intake)}
    resolve = api.post(f"/api/v1/clients/{client.pk}/flag-resolutions/", RESOLVE, format="json")
    draft = api.get(f"/api/v1/clients/{client.pk}/intakes/draft/")
    notes = api.get("/api/v1/treatment-notes/", {"client": client.pk})

    expected = 200 if in_care else 404
    assert answers == dict.fromkeys(answers, expected)
    assert resolve.status_code == (201 if in_care else 404)
    assert draft.status_code == (403 if in_care else 404)  # therapists never fill in intakes
    assert notes.status_code == expected
    listed = api.get("/api/v1/clients/").json()["results"]
    assert [row["id"] for row in listed] == ([client.pk] if in_care else [])


def test_a_cancelled_booking_shows_its_therapist_no_contraindication_flags(world):
    therapist = world[0]
    booking = link(world, "cancelled", 3)
    api = factories.api_as(therapist.user)

    listed = api.get("/api/v1/bookings/").json()["results"]
    detail = api.get(f"/api/v1/bookings/{booking.pk}/").json()

    assert [row["flags"] for row in listed] == [[]]
    assert detail["flags"] == []


def test_the_same_booking_shows_the_flags_while_it_stands(world):
    therapist = world[0]
    booking = link(world, "confirmed", 3)

    detail = factories.api_as(therapist.user).get(f"/api/v1/bookings/{booking.pk}/").json()

    assert [flag["code"] for flag in detail["flags"]] == ["anticoagulants"]


def test_care_ends_when_the_only_upcoming_booking_is_cancelled(world):
    therapist, client, intake, _ = world
    booking = link(world, "confirmed", 3)
    api = factories.api_as(therapist.user)
    assert api.get(f"/api/v1/clients/{client.pk}/").status_code == 200

    booking.status = "cancelled"
    booking.save()

    assert {api.get(route).status_code for route in record_routes(client, intake)} == {404}


def test_the_therapist_list_of_bookings_with_flags_reads_in_a_fixed_number_of_queries(
    world, django_assert_max_num_queries
):
    therapist, _, _, service = world
    for n in range(8):
        client = factories.make_client()
        factories.make_intake(client, skin_condition=True)
        factories.make_booking(
            therapist=therapist,
            client=client,
            service=service,
            start=timezone.now() + timedelta(days=2, hours=2 * n),
            status="cancelled" if n % 2 else "confirmed",
        )
    api = factories.api_as(therapist.user)

    with django_assert_max_num_queries(10):
        rows = api.get("/api/v1/bookings/").json()["results"]

    assert sorted(len(row["flags"]) for row in rows) == [0] * 4 + [1] * 4
