"""Who may do what to a booking, for every kind of caller (pretix-style table)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from clients.models import Intake
from tests import factories
from tests.bookings.conftest import NOW, book, local

ROLES = ["anonymous", "client_a", "client_b", "therapist", "other_therapist", "admin"]
# The booking belongs to client A with "therapist".
EXPECTED = {
    #              anon  A    B    T    OT   admin
    "retrieve": (401, 200, 404, 200, 404, 200),
    "confirm": (401, 403, 404, 200, 404, 200),
    "check-in": (401, 403, 404, 200, 404, 200),
    "complete": (401, 403, 404, 200, 404, 200),
    "no-show": (401, 403, 404, 200, 404, 200),
    "cancel": (401, 200, 404, 403, 404, 200),
    "reschedule": (401, 200, 404, 403, 404, 200),
}
STATUS_FOR = {"confirm": "requested", "complete": "checked_in"}


def caller(world, role):
    users = {
        "anonymous": None,
        "client_a": world.client_a.user,
        "client_b": world.client_b.user,
        "therapist": world.therapist.user,
        "other_therapist": world.other_therapist.user,
        "admin": world.admin,
    }
    return factories.api_as(users[role])


CASES = [
    (action, role, codes[i]) for action, codes in EXPECTED.items() for i, role in enumerate(ROLES)
]


@pytest.mark.parametrize(("action", "role", "expected"), CASES)
def test_permission_table(world, action, role, expected):
    at_the_visit = {"no-show": timedelta(hours=1), "check-in": timedelta(minutes=15)}
    at_the_visit["complete"] = at_the_visit["check-in"]
    start = NOW - at_the_visit[action] if action in at_the_visit else local(2026, 5, 5, 10)
    booking = book(world, start=start, status=STATUS_FOR.get(action, "confirmed"))
    api = caller(world, role)
    url = f"/api/v1/bookings/{booking.pk}/"

    if action == "retrieve":
        response = api.get(url)
    else:
        body = {"start": local(2026, 5, 6, 10).isoformat()} if action == "reschedule" else {}
        response = api.post(f"{url}{action}/", body)

    assert response.status_code == expected, response.content


@pytest.mark.parametrize("action", ["cancel", "reschedule"])
def test_client_cannot_change_a_booking_that_has_started(world, action):
    booking = book(world, start=NOW - timedelta(minutes=15), status="confirmed")

    response = factories.api_as(world.client_a.user).post(
        f"/api/v1/bookings/{booking.pk}/{action}/", {"start": local(2026, 5, 6, 10).isoformat()}
    )

    assert response.status_code == 403
    assert "contact the clinic" in response.json()["detail"]


def test_unknown_booking_is_404_for_everyone_signed_in(world):
    for role in ROLES[1:]:
        assert caller(world, role).get("/api/v1/bookings/999999/").status_code == 404


class TestListScope:
    def test_each_role_sees_its_own_bookings(self, world):
        mine = book(world)
        theirs = book(world, client=world.client_b, therapist=world.other_therapist)

        def ids(role):
            return {b["id"] for b in caller(world, role).get("/api/v1/bookings/").json()["results"]}

        assert ids("admin") == {mine.pk, theirs.pk}
        assert ids("client_a") == {mine.pk}
        assert ids("client_b") == {theirs.pk}
        assert ids("therapist") == {mine.pk}
        assert ids("other_therapist") == {theirs.pk}
        assert caller(world, "anonymous").get("/api/v1/bookings/").status_code == 401

    def test_a_login_without_a_role_sees_nothing(self, world):
        book(world)
        api = factories.api_as(factories.make_user())

        assert api.get("/api/v1/bookings/").json()["count"] == 0

    def test_filtering_by_someone_elses_client_reveals_nothing(self, world):
        book(world, client=world.client_b, therapist=world.other_therapist)

        response = caller(world, "client_a").get(f"/api/v1/bookings/?client={world.client_b.pk}")

        assert response.status_code == 200
        assert response.json()["count"] == 0

    def test_flags_and_history_are_for_staff_only(self, world):
        booking = book(world)

        Intake.objects.create(
            client=world.client_a,
            takes_anticoagulants=True,
            consent_given=True,
            consent_version="2026-01",
            consent_signed_at=timezone.now(),
        )

        client_view = caller(world, "client_a").get(f"/api/v1/bookings/{booking.pk}/").json()
        therapist_view = caller(world, "therapist").get(f"/api/v1/bookings/{booking.pk}/").json()
        admin_list = caller(world, "admin").get("/api/v1/bookings/").json()["results"]

        assert "flags" not in client_view and "events" not in client_view
        assert [f["code"] for f in therapist_view["flags"]] == ["anticoagulants"]
        assert therapist_view["events"] == []
        assert [f["code"] for f in admin_list[0]["flags"]] == ["anticoagulants"]
