"""A booking create over the API runs a fixed, small number of statements: the therapist, the
service and the clinic in one, the caller's role from the token's own query, the share locks
and the rooms question in one, the schedule in one, no DELETE for reminders a new
booking cannot have, and no read-back before answering. The answer is the same as reading the
booking afterwards, and the dispatcher is asked for once, after commit."""

from datetime import date

import pytest

from bookings import selectors
from bookings.models import Booking
from clinic.models import Clinic, Service, clinic_read_once
from notifications.models import Notice, Reminder, TherapistNotice
from tests import factories
from tests.bookings.conftest import payload
from therapists.models import Therapist

pytestmark = pytest.mark.django_db

# token (with user, therapist profile and client record); the transaction; the payload's
# therapist and service with the clinic, share-locked (a schedule change made at the same
# moment cannot strand the booking), with whether any room is in use, one statement; the
# schedule (offered service, working hours, time off, bookings, waitlist holds), one
# statement; the booking with its history row, one statement; its reminders, the client's
# "request received" notice and the therapist's notice, one statement. (Under the tests' outer
# transaction the booking's own transaction is a savepoint.)
CLIENT_CREATE_QUERIES = 9
# With rooms in use: the rooms that suit the service, and their bookings, one statement.
ROOMS_QUERIES = 1


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


def test_with_rooms_in_use_the_rooms_are_read_too(world, django_assert_max_num_queries):
    room = factories.make_room(services=[world.service])
    api = factories.api_as(world.client_a.user)
    warm(api)

    with django_assert_max_num_queries(CLIENT_CREATE_QUERIES + ROOMS_QUERIES):
        response = api.post("/api/v1/bookings/", payload(world), format="json")

    assert response.status_code == 201, response.content
    assert response.json()["room"] == room.pk


def test_ids_sent_as_strings_are_looked_up_one_by_one(world, django_assert_max_num_queries):
    """The one-statement read takes plain integers only; any other id is validated as before
    (two lookups, the clinic and the hold instead of one statement), with the same answer."""
    api = factories.api_as(world.client_a.user)
    warm(api)
    body = payload(world, therapist=str(world.therapist.pk), service=str(world.service.pk))

    with django_assert_max_num_queries(CLIENT_CREATE_QUERIES + 3):
        response = api.post("/api/v1/bookings/", body, format="json")

    assert response.status_code == 201, response.content
    assert (response.json()["therapist"], response.json()["service"]) == (
        world.therapist.pk,
        world.service.pk,
    )


@pytest.mark.parametrize("field", ["therapist", "service"])
@pytest.mark.parametrize("value", [999999, 2**63, 0, -1, True, 1.5, "x", None])
def test_an_id_naming_no_row_is_refused_as_before(world, field, value):
    response = factories.api_as(world.client_a.user).post(
        "/api/v1/bookings/", payload(world, **{field: value}), format="json"
    )

    assert response.status_code == 400, response.content
    assert list(response.json()) == [field]
    assert not Booking.objects.exists()


def test_every_row_is_written_and_the_dispatcher_is_asked_for_once(
    world, django_capture_on_commit_callbacks
):
    api = factories.api_as(world.client_a.user)

    with django_capture_on_commit_callbacks() as callbacks:
        response = api.post("/api/v1/bookings/", payload(world), format="json")

    assert response.status_code == 201, response.content
    booking = Booking.objects.get(pk=response.json()["id"])
    assert Reminder.objects.filter(booking=booking).exists()
    assert Notice.objects.filter(booking=booking, kind="request_received").count() == 1
    assert TherapistNotice.objects.filter(booking=booking, kind="booked").count() == 1
    # The client's notice and the therapist's both asked for it: one publish.
    assert [repr(cb) for cb in callbacks] == ["publish notifications.tasks.dispatch_due()"]


def test_the_shared_statement_reads_what_the_orm_reads(world):
    """The therapist, the service and the clinic read in one statement are the rows the ORM
    reads, field for field (arrays, dates, decimals and all), and the clinic is the request's."""
    world.therapist.license_expires_on = date(2027, 1, 31)
    world.therapist.modalities = ["deep_tissue", "trigger_point"]
    world.therapist.save()

    with clinic_read_once():
        therapist, service = selectors.booking_request_rows(world.therapist.pk, world.service.pk)
        clinic = Clinic.get()

    for instance, model in ((therapist, Therapist), (service, Service), (clinic, Clinic)):
        fresh = model.objects.get(pk=instance.pk)
        for field in model._meta.concrete_fields:
            assert getattr(instance, field.attname) == getattr(fresh, field.attname), field.name
    assert clinic.reminder_offsets_hours == Clinic.objects.get().reminder_offsets_hours != []
    assert selectors.booking_request_rows(world.therapist.pk, 999999) is None
