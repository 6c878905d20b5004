"""Schedule changes never strand a booked client: time off, working hours, a therapist or a
service deactivated, each refused with 409 listing the future active bookings it would leave
outside the schedule, unless the request says `affected_bookings`: `cancel` (clinic
cancellations: the client is told through the Celery tasks, the waitlist offered the time) or
`keep` (they stay booked, listed). Rooms are in tests/bookings/test_room_changes.py."""

from datetime import time

import pytest
from django.core import mail

from bookings.models import Booking
from notifications.models import Notice
from tests import factories
from tests.bookings.conftest import TUESDAY_10, book, local
from tests.notifications.conftest import eager  # noqa: F401  (eager Celery)
from waitlist.models import WaitlistEntry, WaitlistOffer

T = "/api/v1/therapists/"
TUESDAY = 1


def time_off_url(therapist, entry=None):
    base = f"{T}{therapist.pk}/time-off/"
    return f"{base}{entry.pk}/" if entry else base


def hours_url(therapist, hours=None):
    base = f"{T}{therapist.pk}/working-hours/"
    return f"{base}{hours.pk}/" if hours else base


def tuesday_hours(world):
    return world.therapist.working_hours.get(weekday=TUESDAY)


AWAY_TUESDAY = {"start": "2026-05-05T09:00", "end": "2026-05-05T13:00", "reason": "Dentist"}


@pytest.fixture
def booked(world):
    """Client A's confirmed booking with the world's therapist, Tuesday 10:00-11:00."""
    return book(world)


def assert_listed(body, *bookings, outcome=None):
    assert [item["id"] for item in body["affected_bookings"]] == [b.pk for b in bookings]
    for item, booking in zip(body["affected_bookings"], bookings, strict=True):
        assert item["client"] == booking.client_id
        assert item["client_name"] == booking.client.full_name
        assert item["therapist"] == booking.therapist_id
        assert item["service"] == booking.service_id
        assert item["start"] == booking.start.astimezone(local(2026, 5, 5).tzinfo).isoformat()
        assert item["outcome"] == outcome


def assert_refused(response, *bookings, problem):
    assert response.status_code == 409, response.json()
    body = response.json()
    assert body["conflict"] == "affected_bookings"
    assert "affected_bookings" in body["detail"]
    assert_listed(body, *bookings)
    assert {item["problem"] for item in body["affected_bookings"]} == {problem}


class TestTimeOff:
    def test_time_off_over_a_confirmed_booking_is_refused_listing_it(self, world, booked):
        response = factories.api_as(world.admin).post(
            time_off_url(world.therapist), AWAY_TUESDAY, format="json"
        )

        assert_refused(response, booked, problem="time_off")
        assert not world.therapist.time_off.exists()
        booked.refresh_from_db()
        assert booked.status == "confirmed"

    def test_only_future_active_bookings_count(self, world):
        book(world, status="cancelled")
        book(world, start=local(2026, 5, 5, 12), status="requested", client=world.client_b)
        response = factories.api_as(world.admin).post(
            time_off_url(world.therapist), AWAY_TUESDAY, format="json"
        )
        assert response.status_code == 409
        assert len(response.json()["affected_bookings"]) == 1

    def test_time_off_touching_no_booking_answers_an_empty_list(self, world, booked):
        away = {"start": "2026-05-05T11:15", "end": "2026-05-05T13:00"}  # after the buffer
        response = factories.api_as(world.admin).post(
            time_off_url(world.therapist), away, format="json"
        )
        assert response.status_code == 201, response.json()
        assert response.json()["affected_bookings"] == []

    def test_keep_leaves_the_booking_and_lists_it(self, world, booked):
        response = factories.api_as(world.admin).post(
            time_off_url(world.therapist),
            {**AWAY_TUESDAY, "affected_bookings": "keep"},
            format="json",
        )

        assert response.status_code == 201, response.json()
        assert_listed(response.json(), booked, outcome="kept")
        booked.refresh_from_db()
        assert booked.status == "confirmed"
        assert world.therapist.time_off.get().reason == "Dentist"

    @pytest.mark.usefixtures("eager")
    def test_cancel_is_a_clinic_cancellation_and_the_client_is_emailed(
        self, world, booked, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            response = factories.api_as(world.admin).post(
                time_off_url(world.therapist),
                {**AWAY_TUESDAY, "affected_bookings": "cancel", "cancel_reason": "Tess is ill"},
                format="json",
            )

        assert response.status_code == 201, response.json()
        assert_listed(response.json(), booked, outcome="cancelled")
        booked.refresh_from_db()
        assert (booked.status, booked.cancelled_by, booked.cancel_reason) == (
            "cancelled",
            "clinic",
            "Tess is ill",
        )
        assert booked.late_cancellation is False  # inside the window, but the clinic's
        notice = Notice.objects.get(booking=booked, kind="cancellation", channel="email")
        assert notice.status == "sent"
        [message] = [m for m in mail.outbox if m.to == [world.client_a.email]]
        assert "cancelled" in message.subject
        assert "Tess is ill" in message.body
        assert any(m.to == [world.therapist.user.email] for m in mail.outbox)  # told too

    def test_cancel_without_a_reason_tells_the_problem(self, world, booked):
        response = factories.api_as(world.admin).post(
            time_off_url(world.therapist),
            {**AWAY_TUESDAY, "affected_bookings": "cancel"},
            format="json",
        )
        assert response.status_code == 201
        booked.refresh_from_db()
        assert booked.cancel_reason == "The therapist is away then."

    def test_moving_time_off_over_a_booking_is_refused(self, world, booked):
        entry = world.therapist.time_off.create(
            start=local(2026, 5, 5, 13), end=local(2026, 5, 5, 15)
        )
        response = factories.api_as(world.admin).patch(
            time_off_url(world.therapist, entry), {"start": "2026-05-05T10:30"}, format="json"
        )
        assert_refused(response, booked, problem="time_off")
        entry.refresh_from_db()
        assert entry.start == local(2026, 5, 5, 13)

    def test_the_therapist_takes_their_own_time_off_and_cancels(self, world, booked):
        api = factories.api_as(world.therapist.user)
        refused = api.post(time_off_url(world.therapist), AWAY_TUESDAY, format="json")
        assert refused.status_code == 409
        done = api.post(
            time_off_url(world.therapist),
            {**AWAY_TUESDAY, "affected_bookings": "cancel"},
            format="json",
        )
        assert done.status_code == 201, done.json()
        booked.refresh_from_db()
        assert (booked.status, booked.cancelled_by) == ("cancelled", "clinic")

    @pytest.mark.parametrize(
        ("who", "expected"), [("anonymous", 401), ("client", 404), ("other_therapist", 404)]
    )
    def test_nobody_else_sees_or_changes_it(self, world, booked, who, expected):
        user = {
            "anonymous": None,
            "client": world.client_a.user,
            "other_therapist": world.other_therapist.user,
        }[who]
        response = factories.api_as(user).post(
            time_off_url(world.therapist),
            {**AWAY_TUESDAY, "affected_bookings": "cancel"},
            format="json",
        )
        assert response.status_code == expected
        booked.refresh_from_db()
        assert booked.status == "confirmed"

    @pytest.mark.parametrize("value", ["delete", "", 3, ["cancel"], None])
    def test_a_bad_decision_is_a_400_naming_the_field(self, world, booked, value):
        response = factories.api_as(world.admin).post(
            time_off_url(world.therapist),
            {**AWAY_TUESDAY, "affected_bookings": value},
            format="json",
        )
        assert response.status_code == 400, response.json()
        assert "affected_bookings" in response.json()

    def test_a_checked_in_booking_cannot_be_cancelled_by_a_schedule_change(self, world, frozen):
        frozen.move_to(local(2026, 5, 5, 9, 45))
        here = book(world, status="checked_in")
        response = factories.api_as(world.admin).post(
            time_off_url(world.therapist),
            {**AWAY_TUESDAY, "affected_bookings": "cancel"},
            format="json",
        )
        assert response.status_code == 400
        assert "checked in" in response.json()["affected_bookings"][0]
        here.refresh_from_db()
        assert here.status == "checked_in"
        assert not world.therapist.time_off.exists()


class TestWorkingHours:
    def test_shortening_hours_under_a_booking_is_refused(self, world, booked):
        hours = tuesday_hours(world)
        response = factories.api_as(world.admin).patch(
            hours_url(world.therapist, hours), {"end_time": "10:30"}, format="json"
        )
        assert_refused(response, booked, problem="outside_hours")
        hours.refresh_from_db()
        assert hours.end_time == time(17)

    def test_shortening_hours_elsewhere_is_fine(self, world, booked):
        hours = tuesday_hours(world)
        response = factories.api_as(world.admin).patch(
            hours_url(world.therapist, hours), {"start_time": "10:00"}, format="json"
        )
        assert response.status_code == 200, response.json()
        assert response.json()["affected_bookings"] == []

    def test_moving_hours_to_another_day_is_refused(self, world, booked):
        hours = tuesday_hours(world)
        response = factories.api_as(world.therapist.user).put(
            hours_url(world.therapist, hours),
            {"weekday": 5, "start_time": "09:00", "end_time": "17:00"},
            format="json",
        )
        assert_refused(response, booked, problem="outside_hours")

    def test_deleting_hours_under_a_booking_is_refused(self, world, booked):
        hours = tuesday_hours(world)
        response = factories.api_as(world.admin).delete(hours_url(world.therapist, hours))
        assert_refused(response, booked, problem="outside_hours")
        assert world.therapist.working_hours.filter(pk=hours.pk).exists()

    def test_deleting_with_keep_answers_200_listing_them(self, world, booked):
        hours = tuesday_hours(world)
        response = factories.api_as(world.therapist.user).delete(
            hours_url(world.therapist, hours) + "?affected_bookings=keep"
        )
        assert response.status_code == 200, response.json()
        assert_listed(response.json(), booked, outcome="kept")
        assert not world.therapist.working_hours.filter(pk=hours.pk).exists()
        booked.refresh_from_db()
        assert booked.status == "confirmed"

    def test_deleting_with_cancel_cancels_them(self, world, booked):
        hours = tuesday_hours(world)
        response = factories.api_as(world.admin).delete(
            hours_url(world.therapist, hours) + "?affected_bookings=cancel&cancel_reason=Closed"
        )
        assert response.status_code == 200, response.json()
        booked.refresh_from_db()
        assert (booked.status, booked.cancelled_by, booked.cancel_reason) == (
            "cancelled",
            "clinic",
            "Closed",
        )

    def test_deleting_hours_nobody_is_booked_in_is_still_204(self, world, booked):
        monday = world.therapist.working_hours.get(weekday=0)
        response = factories.api_as(world.admin).delete(hours_url(world.therapist, monday))
        assert response.status_code == 204

    @pytest.mark.parametrize("query", ["affected_bookings=maybe", "cancel_reason=" + "x" * 301])
    def test_a_bad_query_parameter_is_a_400_naming_it(self, world, booked, query):
        hours = tuesday_hours(world)
        response = factories.api_as(world.admin).delete(
            f"{hours_url(world.therapist, hours)}?{query}"
        )
        assert response.status_code == 400, response.content
        assert query.split("=")[0] in response.json()

    def test_another_therapist_gets_404(self, world, booked):
        hours = tuesday_hours(world)
        response = factories.api_as(world.other_therapist.user).delete(
            hours_url(world.therapist, hours) + "?affected_bookings=cancel"
        )
        assert response.status_code == 404
        booked.refresh_from_db()
        assert booked.status == "confirmed"


class TestTherapist:
    def test_deactivating_a_booked_therapist_is_refused(self, world, booked):
        response = factories.api_as(world.admin).patch(
            f"{T}{world.therapist.pk}/", {"active": False}, format="json"
        )
        assert_refused(response, booked, problem="therapist_inactive")
        world.therapist.refresh_from_db()
        assert world.therapist.active

    def test_deactivating_with_keep(self, world, booked):
        response = factories.api_as(world.admin).patch(
            f"{T}{world.therapist.pk}/",
            {"active": False, "affected_bookings": "keep"},
            format="json",
        )
        assert response.status_code == 200, response.json()
        assert response.json()["active"] is False
        assert_listed(response.json(), booked, outcome="kept")

    def test_deleting_a_booked_therapist_deactivates_and_cancels(self, world, booked):
        response = factories.api_as(world.admin).delete(
            f"{T}{world.therapist.pk}/?affected_bookings=cancel"
        )
        assert response.status_code == 200, response.json()
        assert response.json()["active"] is False
        assert_listed(response.json(), booked, outcome="cancelled")
        booked.refresh_from_db()
        assert booked.status == "cancelled"

    def test_deleting_without_a_decision_is_refused(self, world, booked):
        response = factories.api_as(world.admin).delete(f"{T}{world.therapist.pk}/")
        assert_refused(response, booked, problem="therapist_inactive")

    def test_dropping_a_booked_service_is_refused(self, world, booked):
        other = factories.make_service(name="Trigger point, 30 minutes", duration_minutes=30)
        response = factories.api_as(world.therapist.user).patch(
            f"{T}{world.therapist.pk}/", {"services": [other.pk]}, format="json"
        )
        assert_refused(response, booked, problem="service_not_offered")

    def test_a_licence_ending_before_a_visit_is_refused(self, world, booked):
        response = factories.api_as(world.admin).patch(
            f"{T}{world.therapist.pk}/", {"license_expires_on": "2026-05-04"}, format="json"
        )
        assert_refused(response, booked, problem="license_expired")

    def test_a_therapist_still_cannot_deactivate_themself(self, world, booked):
        response = factories.api_as(world.therapist.user).patch(
            f"{T}{world.therapist.pk}/",
            {"active": False, "affected_bookings": "cancel"},
            format="json",
        )
        assert response.status_code == 403
        booked.refresh_from_db()
        assert booked.status == "confirmed"

    def test_a_client_cannot(self, world, booked):
        response = factories.api_as(world.client_a.user).delete(
            f"{T}{world.therapist.pk}/?affected_bookings=cancel"
        )
        assert response.status_code == 403


class TestService:
    def test_deactivating_a_booked_service_is_refused(self, world, booked):
        response = factories.api_as(world.admin).patch(
            f"/api/v1/services/{world.service.pk}/", {"active": False}, format="json"
        )
        assert_refused(response, booked, problem="service_inactive")
        world.service.refresh_from_db()
        assert world.service.active

    def test_deleting_it_with_keep_deactivates_it_and_lists_them(self, world, booked):
        response = factories.api_as(world.admin).delete(
            f"/api/v1/services/{world.service.pk}/?affected_bookings=keep"
        )
        assert response.status_code == 200, response.json()
        assert response.json()["active"] is False
        assert_listed(response.json(), booked, outcome="kept")

    def test_a_therapist_or_client_cannot(self, world, booked):
        for user in (world.therapist.user, world.client_a.user):
            response = factories.api_as(user).delete(
                f"/api/v1/services/{world.service.pk}/?affected_bookings=cancel"
            )
            assert response.status_code == 403

    @pytest.mark.usefixtures("eager")
    def test_cancelling_tells_the_client_and_offers_the_time_to_the_waitlist(
        self, world, booked, django_capture_on_commit_callbacks
    ):
        # Client B waits for another of the therapist's services at Tuesday 10:00.
        other = factories.make_service(name="Trigger point, short", duration_minutes=45)
        world.therapist.services.add(other)
        entry = WaitlistEntry.objects.create(
            client=world.client_b,
            service=other,
            therapist=world.therapist,
            earliest_date=local(2026, 5, 5).date(),
            latest_date=local(2026, 5, 5).date(),
            time_from=time(10),
            time_to=time(10, 15),
        )

        with django_capture_on_commit_callbacks(execute=True):
            response = factories.api_as(world.admin).delete(
                f"/api/v1/services/{world.service.pk}/?affected_bookings=cancel"
            )

        assert response.status_code == 200, response.json()
        booked.refresh_from_db()
        assert (booked.status, booked.cancelled_by) == ("cancelled", "clinic")
        assert Notice.objects.get(booking=booked, kind="cancellation", channel="email").status == (
            "sent"
        )
        offer = WaitlistOffer.objects.get(entry=entry)
        assert offer.start == TUESDAY_10
        assert offer.messages.get().status == "sent"
        clients = [m.to[0] for m in mail.outbox if m.to[0] != world.therapist.user.email]
        assert sorted(clients) == sorted([world.client_a.email, world.client_b.email])


def test_the_list_is_soonest_first_and_counts_every_stranded_booking(world):
    later = book(world, start=local(2026, 5, 12, 10), client=world.client_b)
    sooner = book(world)
    response = factories.api_as(world.admin).patch(
        f"{T}{world.therapist.pk}/", {"active": False}, format="json"
    )
    assert_refused(response, sooner, later, problem="therapist_inactive")
    assert "2 future bookings" in response.json()["detail"]
    assert Booking.objects.filter(status="confirmed").count() == 2


@pytest.mark.parametrize("count", [1, 12])
def test_the_409_takes_a_constant_number_of_queries(world, count, django_assert_max_num_queries):
    for week in range(count):
        book(world, start=local(2026, 5, 5, 10) + week * (local(2026, 5, 12) - local(2026, 5, 5)))
    api = factories.api_as(world.admin)
    with django_assert_max_num_queries(22):  # 22 for 1 booking and for 12
        response = api.patch(f"{T}{world.therapist.pk}/", {"active": False}, format="json")
    assert response.status_code == 409
    assert len(response.json()["affected_bookings"]) == count


class TestClinicTimeZone:
    def test_a_new_time_zone_that_moves_hours_off_a_booking_is_refused(self, world, booked):
        # 10:00 Toronto is 07:00 in Vancouver: before the therapist's 09:00 start there.
        response = factories.api_as(world.admin).patch(
            "/api/v1/clinic/", {"timezone": "America/Vancouver"}, format="json"
        )
        assert_refused(response, booked, problem="outside_hours")
        world.clinic.refresh_from_db()
        assert world.clinic.timezone == "America/Toronto"

    def test_keep_changes_it_and_lists_them(self, world, booked):
        response = factories.api_as(world.admin).patch(
            "/api/v1/clinic/",
            {"timezone": "America/Vancouver", "affected_bookings": "keep"},
            format="json",
        )
        assert response.status_code == 200, response.json()
        assert response.json()["timezone"] == "America/Vancouver"
        assert [x["outcome"] for x in response.json()["affected_bookings"]] == ["kept"]

    def test_other_settings_strand_nobody(self, world, booked):
        response = factories.api_as(world.admin).patch(
            "/api/v1/clinic/", {"slot_interval_minutes": 30}, format="json"
        )
        assert response.status_code == 200, response.json()
        assert response.json()["affected_bookings"] == []

    def test_a_therapist_cannot(self, world, booked):
        response = factories.api_as(world.therapist.user).patch(
            "/api/v1/clinic/", {"timezone": "UTC", "affected_bookings": "cancel"}, format="json"
        )
        assert response.status_code == 403
