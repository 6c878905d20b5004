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


def test_time_off_is_changed_in_place_and_guarded_like_adding_it(desk, as_admin):
    """The dentist moves: the time off's form opens with its values in clinic time; moved over
    Dana's 13:00 visit it is refused listing her, and the desk keeps her."""
    off = desk.tess.time_off.create(
        start=local(2026, 5, 5, 7), end=local(2026, 5, 5, 8, 30), reason="Dentist"
    )

    page = as_admin.get(f"{url(desk.tess)}?edit_time_off={off.pk}").content.decode()

    assert 'name="what" value="edit_time_off"' in page and f'name="id" value="{off.pk}"' in page
    assert 'value="07:00"' in page and 'value="08:30"' in page and 'value="2026-05-05"' in page
    moved = {
        "what": "edit_time_off",
        "id": off.pk,
        "start_date": "2026-05-05",
        "start_time": "12:30",
        "end_date": "2026-05-05",
        "end_time": "14:00",
        "reason": "Dentist, moved",
    }
    refused = as_admin.post(url(desk.tess), moved)
    assert refused.status_code == 409
    assert (
        "Dana Okafor" in refused.content.decode() and "Carl Bishop" not in refused.content.decode()
    )
    assert 'name="what" value="edit_time_off"' in refused.content.decode()
    off.refresh_from_db()
    assert off.start == local(2026, 5, 5, 7)  # nothing changed yet

    done = as_admin.post(url(desk.tess), {**moved, "affected_bookings": "keep"}, follow=True)

    assert "Time off changed." in done.content.decode()
    off.refresh_from_db()
    assert (off.start, off.end, off.reason) == (
        local(2026, 5, 5, 12, 30),
        local(2026, 5, 5, 14),
        "Dentist, moved",
    )
    assert desk.tess.time_off.count() == 1
    desk.danas_visit.refresh_from_db()
    assert desk.danas_visit.status == "confirmed"


def test_working_hours_are_changed_in_place_and_shortening_them_is_guarded(desk, as_admin):
    tuesday = desk.tess.working_hours.get(weekday=TUESDAY)
    page = as_admin.get(f"{url(desk.tess)}?edit_hours={tuesday.pk}").content.decode()
    assert 'name="what" value="edit_hours"' in page and 'value="09:00"' in page

    shorter = {"what": "edit_hours", "id": tuesday.pk, "weekday": TUESDAY}
    refused = as_admin.post(url(desk.tess), {**shorter, "start_time": "09:00", "end_time": "12:00"})

    assert refused.status_code == 409
    assert refused.content.decode().count('class="affected__booking"') == 1  # Dana at 13:00
    tuesday.refresh_from_db()
    assert str(tuesday.end_time) == "17:00:00"

    longer = as_admin.post(url(desk.tess), {**shorter, "start_time": "08:00", "end_time": "18:00"})

    assert longer.status_code == 302
    tuesday.refresh_from_db()
    assert (str(tuesday.start_time), str(tuesday.end_time)) == ("08:00:00", "18:00:00")
    assert desk.tess.working_hours.filter(weekday=TUESDAY).count() == 1


def test_another_therapists_time_off_or_hours_cannot_be_opened_or_changed(desk, as_tess):
    omars = desk.omar.time_off.create(start=local(2026, 5, 8, 9), end=local(2026, 5, 8, 10))
    omars_hours = desk.omar.working_hours.first()

    assert as_tess.get(f"{url(desk.tess)}?edit_time_off={omars.pk}").status_code == 404
    assert as_tess.get(f"{url(desk.tess)}?edit_hours={omars_hours.pk}").status_code == 404
    assert as_tess.get(f"{url(desk.tess)}?edit_hours=x").status_code == 404
    edit = {"what": "edit_time_off", "id": omars.pk, "start_date": "2026-05-08",
            "start_time": "09:00", "end_date": "2026-05-08", "end_time": "12:00"}  # fmt: skip
    assert as_tess.post(url(desk.tess), edit).status_code == 404
    omars.refresh_from_db()
    assert omars.end == local(2026, 5, 8, 10)
