"""The schedule screen never strands a booked client silently (bookings.schedule, as the API):
time off over a booking, or removing the hours it sits in, is refused listing it; the front
desk (or the therapist, for their own schedule) then cancels it for the clinic (the client is
told) or keeps it, and the page says what happened to each."""

import pytest
from django.core import mail

from bookings.models import Booking
from notifications.models import Notice
from tests.notifications.conftest import eager  # noqa: F401  (eager Celery)
from tests.staff.conftest import local

pytestmark = pytest.mark.django_db

TUESDAY = 1


def over_carl(**decision):
    """Tess away Tuesday 9:30-11:30: over Carl's 10:00 visit, not Dana's 13:00."""
    return {
        "what": "time_off",
        "start_date": "2026-05-05",
        "start_time": "09:30",
        "end_date": "2026-05-05",
        "end_time": "11:30",
        "reason": "Dentist",
        **decision,
    }


def url(therapist):
    return f"/staff/schedules/{therapist.pk}/"


def test_time_off_over_a_booking_is_refused_listing_it_with_the_typed_values(desk, as_admin):
    response = as_admin.post(url(desk.tess), over_carl())
    page = response.content.decode()

    assert response.status_code == 409
    assert not desk.tess.time_off.exists()
    assert page.count('class="affected__booking"') == 1
    assert "Carl Bishop" in page and "Dana Okafor" not in page
    assert "Trigger point therapy" in page
    assert "Tue 5 May 2026, 10:00 EDT" in page  # clinic time
    assert "The therapist is away then." in page
    assert 'value="09:30"' in page and 'value="11:30"' in page and 'value="Dentist"' in page
    assert 'name="affected_bookings" value="cancel"' in page
    assert 'name="affected_bookings" value="keep"' in page
    assert "<legend>" in page and 'for="id_cancel_reason"' in page
    desk.carls_visit.refresh_from_db()
    assert desk.carls_visit.status == "confirmed"


@pytest.mark.usefixtures("eager")
def test_cancel_is_a_clinic_cancellation_and_the_client_is_told(
    desk, as_admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = as_admin.post(
            url(desk.tess), over_carl(affected_bookings="cancel", cancel_reason="Tess is ill")
        )

    assert response.status_code == 302
    assert desk.tess.time_off.get().reason == "Dentist"
    carl = Booking.objects.get(pk=desk.carls_visit.pk)
    assert (carl.status, carl.cancelled_by, carl.cancel_reason) == (
        "cancelled",
        "clinic",
        "Tess is ill",
    )
    assert Notice.objects.filter(booking=carl, kind="cancellation").exists()
    assert any("Tess is ill" in m.body for m in mail.outbox)
    page = as_admin.get(response["Location"]).content.decode()
    assert "Time off added." in page
    assert (
        "Carl Bishop, Trigger point therapy, Tue 5 May 2026, 10:00 EDT: Cancelled by the clinic"
        in page
    )
    desk.danas_visit.refresh_from_db()
    assert desk.danas_visit.status == "confirmed"


def test_keep_keeps_the_booking_and_lists_it(desk, as_admin):
    response = as_admin.post(url(desk.tess), over_carl(affected_bookings="keep"))

    assert response.status_code == 302
    assert desk.tess.time_off.count() == 1
    desk.carls_visit.refresh_from_db()
    assert desk.carls_visit.status == "confirmed"
    page = as_admin.get(response["Location"]).content.decode()
    assert "Carl Bishop, Trigger point therapy, Tue 5 May 2026, 10:00 EDT: Kept" in page


def test_a_decision_that_is_not_a_choice_is_a_400(desk, as_admin):
    response = as_admin.post(url(desk.tess), over_carl(affected_bookings="ignore"))
    assert response.status_code == 400
    assert not desk.tess.time_off.exists()


def test_removing_the_hours_a_booking_sits_in_asks_first(desk, as_tess):
    tuesday = desk.tess.working_hours.get(weekday=TUESDAY)

    refused = as_tess.post(url(desk.tess), {"what": "delete_hours", "id": tuesday.pk})
    page = refused.content.decode()
    assert refused.status_code == 409
    assert "Carl Bishop" in page and "Dana Okafor" in page
    assert "The therapist is no longer working then." in page
    assert "Removing Tuesday 09:00\u201317:00." in page
    assert desk.tess.working_hours.filter(pk=tuesday.pk).exists()

    kept = as_tess.post(
        url(desk.tess), {"what": "delete_hours", "id": tuesday.pk, "affected_bookings": "keep"}
    )
    assert kept.status_code == 302
    assert not desk.tess.working_hours.filter(pk=tuesday.pk).exists()
    assert set(
        Booking.objects.filter(pk__in=[desk.carls_visit.pk, desk.danas_visit.pk]).values_list(
            "status", flat=True
        )
    ) == {"confirmed"}


def test_a_therapist_changes_only_their_own_schedule_the_front_desk_any(desk, as_tess, as_admin):
    omars_tuesday = desk.omar.working_hours.get(weekday=TUESDAY)
    decided = {"affected_bookings": "cancel"}

    assert as_tess.post(url(desk.omar), over_carl(**decided)).status_code == 404
    assert (
        as_tess.post(
            url(desk.omar), {"what": "delete_hours", "id": omars_tuesday.pk, **decided}
        ).status_code
        == 404
    )
    # Omar's hours through Tess's own page: still not hers.
    assert (
        as_tess.post(url(desk.tess), {"what": "delete_hours", "id": omars_tuesday.pk}).status_code
        == 404
    )
    assert desk.omar.working_hours.filter(pk=omars_tuesday.pk).exists()
    desk.erins_visit.refresh_from_db()
    assert desk.erins_visit.status == "confirmed"

    done = as_admin.post(
        url(desk.omar), {"what": "delete_hours", "id": omars_tuesday.pk, **decided}
    )
    assert done.status_code == 302
    desk.erins_visit.refresh_from_db()
    assert (desk.erins_visit.status, desk.erins_visit.cancelled_by) == ("cancelled", "clinic")


def test_the_refused_page_stays_a_few_queries(desk, as_admin, django_assert_max_num_queries):
    for hour, minute in ((14, 30), (16, 0)):
        desk.booking(desk.tess, desk.erin, local(2026, 5, 5, hour, minute))
    tuesday = desk.tess.working_hours.get(weekday=TUESDAY)
    with django_assert_max_num_queries(25):
        response = as_admin.post(url(desk.tess), {"what": "delete_hours", "id": tuesday.pk})
    assert response.content.decode().count('class="affected__booking"') == 4


def test_a_checked_in_client_is_never_cancelled_from_the_schedule(desk, as_admin):
    desk.carls_visit.status = "checked_in"
    desk.carls_visit.save()

    response = as_admin.post(url(desk.tess), over_carl(affected_bookings="cancel"))

    page = response.content.decode()
    assert response.status_code == 400
    assert "is checked in" in page
    # Asked again with the list in front of the desk: the typed values, the booking, both choices.
    assert page.count('class="affected__booking"') == 1 and "Carl Bishop" in page
    assert 'value="09:30"' in page and 'value="Dentist"' in page
    assert 'name="affected_bookings" value="keep"' in page
    assert not desk.tess.time_off.exists()
    desk.carls_visit.refresh_from_db()
    assert desk.carls_visit.status == "checked_in"

    kept = as_admin.post(url(desk.tess), over_carl(affected_bookings="keep"))

    assert kept.status_code == 302
    assert desk.tess.time_off.count() == 1
    desk.carls_visit.refresh_from_db()
    assert desk.carls_visit.status == "checked_in"


def test_removing_hours_under_a_checked_in_client_asks_again_with_the_list(desk, as_admin):
    desk.carls_visit.status = "checked_in"
    desk.carls_visit.save()
    tuesday = desk.tess.working_hours.get(weekday=TUESDAY)
    remove = {"what": "delete_hours", "id": tuesday.pk}

    response = as_admin.post(url(desk.tess), {**remove, "affected_bookings": "cancel"})

    page = response.content.decode()
    assert response.status_code == 400
    assert "is checked in" in page
    assert page.count('class="affected__booking"') == 2  # Carl's and Dana's visits
    assert f'name="id" value="{tuesday.pk}"' in page
    assert desk.tess.working_hours.filter(pk=tuesday.pk).exists()
    assert Booking.objects.filter(status="cancelled").count() == 0
