"""`search` and `ordering` are documented only where they work, and they work: staff find
bookings and treatment notes by the client's name; an unknown ordering is a 400 naming the
parameter; id filters are integers."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests import factories
from treatments import services as chart

pytestmark = pytest.mark.django_db

TORONTO = ZoneInfo("America/Toronto")


@pytest.fixture
def world(clinic, admin_user):
    service = factories.make_service()
    therapist = factories.make_therapist(services=[service])
    ann = factories.make_client(first_name="Annabel", last_name="Quist")
    bob = factories.make_client(first_name="Bob", last_name="Marley")
    start = datetime(2026, 3, 2, 10, tzinfo=TORONTO)
    bookings = {}
    for offset, who in enumerate((ann, bob)):
        bookings[who.pk] = factories.make_booking(
            therapist=therapist,
            client=who,
            service=service,
            start=start + timedelta(days=offset),
            status="completed",
        )
        chart.create_note(user=therapist.user, booking=bookings[who.pk], subjective="Sore")
    return {"therapist": therapist, "ann": ann, "bob": bob, "bookings": bookings}


@pytest.fixture
def schema(anon):
    return anon.get("/api/schema/?format=json").json()


def query_parameters(schema, path):
    return {p["name"]: p for p in schema["paths"][path]["get"].get("parameters", [])}


@pytest.mark.parametrize("url", ["/api/v1/bookings/", "/api/v1/treatment-notes/"])
@pytest.mark.parametrize("who", ["admin", "therapist"])
def test_staff_find_bookings_and_notes_by_the_clients_name(world, admin_user, url, who):
    user = admin_user if who == "admin" else world["therapist"].user
    api = factories.api_as(user)

    found = api.get(url, {"search": "quist"}).json()["results"]
    assert len(found) == 1
    assert api.get(url, {"search": "annabel quist"}).json()["count"] == 1
    assert api.get(url, {"search": "zzzz"}).json()["count"] == 0
    assert api.get(url).json()["count"] == 2


SEARCHABLE = {
    "/api/v1/bookings/",
    "/api/v1/treatment-notes/",
    "/api/v1/clients/",
    "/api/v1/services/",
    "/api/v1/therapists/",
    "/api/v1/rooms/",
}


def test_search_is_documented_exactly_where_it_works(schema):
    documented = {
        path
        for path, item in schema["paths"].items()
        if "get" in item and "search" in query_parameters(schema, path)
    }

    assert documented == SEARCHABLE


def test_ordering_lists_its_values(schema):
    ordering = query_parameters(schema, "/api/v1/bookings/")["ordering"]

    assert ordering["schema"]["type"] == "array"
    assert set(ordering["schema"]["items"]["enum"]) == {
        "start",
        "-start",
        "created_at",
        "-created_at",
        "status",
        "-status",
        "id",
        "-id",
    }
    assert (ordering["style"], ordering["explode"]) == ("form", False)


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/bookings/",
        "/api/v1/treatment-notes/",
        "/api/v1/booking-series/",
        "/api/v1/waitlist/",
        "/api/v1/clients/",
        "/api/v1/services/",
    ],
)
def test_an_unknown_ordering_is_a_400_naming_the_parameter(world, admin_user, url):
    api = factories.api_as(admin_user)

    response = api.get(url, {"ordering": "password"})

    assert response.status_code == 400
    assert "ordering" in response.json()
    assert api.get(url, {"ordering": "-created_at,password"}).status_code == 400


def test_a_known_ordering_orders(world, admin_user):
    api = factories.api_as(admin_user)

    newest_first = api.get("/api/v1/bookings/", {"ordering": "-start"}).json()["results"]
    oldest_first = api.get("/api/v1/bookings/", {"ordering": "start,id"}).json()["results"]

    assert [b["client"] for b in newest_first] == [world["bob"].pk, world["ann"].pk]
    assert [b["client"] for b in oldest_first] == [world["ann"].pk, world["bob"].pk]


def test_id_filters_are_integers(schema, world, admin_user):
    for name in ("therapist", "client", "service"):
        assert query_parameters(schema, "/api/v1/bookings/")[name]["schema"]["type"] == "integer"
    api = factories.api_as(admin_user)

    assert api.get("/api/v1/bookings/", {"client": "1.5"}).status_code == 400
    assert api.get("/api/v1/bookings/", {"client": world["ann"].pk}).json()["count"] == 1
