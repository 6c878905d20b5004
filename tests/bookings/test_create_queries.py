"""A booking create over the API runs a fixed, small number of statements: the clinic read
once, the caller's role from the token's own query, the schedule in its fixed queries, no
DELETE for reminders a new booking cannot have, and no read-back before answering. The
answer is the same as reading the booking afterwards."""

import pytest

from tests import factories
from tests.bookings.conftest import payload

pytestmark = pytest.mark.django_db

# token (with user, therapist profile and client record); therapist and service of the
# payload; the clinic; the transaction; the therapist's and service's rows share-locked and
# re-read (a schedule change made at the same moment cannot strand the booking); the schedule
# (offered service, working hours, time off, bookings, waitlist holds); rooms; the insert in
# its savepoint; its history row; the reminders; the client's "request received" notice and
# the therapist's notice.
CLIENT_CREATE_QUERIES = 21


def warm(api):
    """One request first, so the process's cached clinic time zone is not counted."""
    assert api.get("/api/v1/services/").status_code == 200


def test_a_client_books_in_a_fixed_number_of_statements(world, django_assert_max_num_queries):
    api = factories.api_as(world.client_a.user)
    warm(api)

    with django_assert_max_num_queries(CLIENT_CREATE_QUERIES):
        response = api.post("/api/v1/bookings/", payload(world), format="json")

    assert response.status_code == 201, response.content
    assert response.json() == api.get(f"/api/v1/bookings/{response.json()['id']}/").json()


def test_the_front_desk_books_with_history_and_flags_in_three_more(
    world, django_assert_max_num_queries
):
    api = factories.api_as(world.admin)
    warm(api)

    # The named client (a lookup of the payload), the new booking's history and the client's
    # flags (staff see both).
    with django_assert_max_num_queries(CLIENT_CREATE_QUERIES + 3):
        response = api.post(
            "/api/v1/bookings/", payload(world, client=world.client_b.pk), format="json"
        )

    assert response.status_code == 201, response.content
    body = response.json()
    assert [e["to_status"] for e in body["events"]] == ["requested"]
    assert body == api.get(f"/api/v1/bookings/{body['id']}/").json()
