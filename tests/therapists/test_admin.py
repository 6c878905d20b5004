from datetime import UTC, datetime

import pytest

from clinic.models import Modality, Service
from tests import factories
from therapists.models import Therapist, TimeOff


@pytest.mark.parametrize(
    "page",
    [
        "/admin/therapists/therapist/",
        "/admin/therapists/therapist/?active__exact=1&q=Tess",
        "/admin/therapists/workinghours/",
        "/admin/therapists/timeoff/",
        "/admin/clinic/service/",
        "/admin/clinic/clinic/",
        "/admin/therapists/therapist/add/",
    ],
)
def test_admin_pages_open(admin_client, cast, page):
    assert admin_client.get(page).status_code == 200


def test_the_therapist_page_lists_hours_and_time_off_read_only_with_links(admin_client, cast):
    hours = cast.tess.working_hours.first()

    page = admin_client.get(f"/admin/therapists/therapist/{cast.tess.pk}/change/").content.decode()

    assert f"/admin/therapists/workinghours/{hours.pk}/change/" in page
    assert f"/admin/therapists/workinghours/?therapist__id__exact={cast.tess.pk}" in page
    assert f"/admin/therapists/timeoff/?therapist__id__exact={cast.tess.pk}" in page
    assert 'name="working_hours-0-start_time"' not in page  # not editable here
    assert 'name="email_booking_notices"' in page


def form(user, services=(), modalities=("trigger_point",), hours=()):
    data = {
        "user": user.pk,
        "display_name": "Ines Duarte",
        "bio": "",
        "photo_url": "",
        "license_number": "",
        "license_expires_on": "",
        "modalities": list(modalities),
        "services": [s.pk for s in services],
        "active": "on",
        "working_hours-TOTAL_FORMS": len(hours),
        "working_hours-INITIAL_FORMS": 0,
        "working_hours-MIN_NUM_FORMS": 0,
        "working_hours-MAX_NUM_FORMS": 1000,
        "time_off-TOTAL_FORMS": 0,
        "time_off-INITIAL_FORMS": 0,
        "time_off-MIN_NUM_FORMS": 0,
        "time_off-MAX_NUM_FORMS": 1000,
    }
    for i, (weekday, start, end) in enumerate(hours):
        data[f"working_hours-{i}-weekday"] = weekday
        data[f"working_hours-{i}-start_time"] = start
        data[f"working_hours-{i}-end_time"] = end
    return data


def test_admin_adds_a_therapist_and_hours_posted_inline_change_nothing(admin_client, db):
    user = factories.make_user("ines")
    service = factories.make_service()
    data = form(user, [service], hours=[(0, "09:00", "12:00")])
    data["email_booking_notices"] = ""  # unticked: off

    response = admin_client.post("/admin/therapists/therapist/add/", data)

    assert response.status_code == 302
    therapist = Therapist.objects.get(user=user)
    assert therapist.modalities == [Modality.TRIGGER_POINT]
    assert therapist.email_booking_notices is False
    assert therapist.working_hours.count() == 0  # hours are added on their own (guarded) page


def test_admin_refuses_a_service_outside_the_modalities(admin_client, db):
    user = factories.make_user("ines")
    deep = factories.make_service(modality=Modality.DEEP_TISSUE)

    response = admin_client.post("/admin/therapists/therapist/add/", form(user, [deep]))

    assert response.status_code == 200
    assert b"does not practise" in response.content
    assert not Therapist.objects.filter(user=user).exists()


def test_admin_deactivates_services_in_bulk(admin_client, db):
    services = [factories.make_service(duration_minutes=m) for m in (30, 60)]

    response = admin_client.post(
        "/admin/clinic/service/",
        {"action": "deactivate", "_selected_action": [s.pk for s in services]},
    )

    assert response.status_code == 302
    assert [s.active for s in Service.objects.order_by("duration_minutes")] == [False, False]


def test_working_hours_show_weekdays_by_name(admin_client, cast):
    listing = admin_client.get("/admin/therapists/workinghours/").content.decode()
    add = admin_client.get("/admin/therapists/workinghours/add/").content.decode()
    mondays = admin_client.get("/admin/therapists/workinghours/?weekday=0")

    assert "Monday" in listing and "Friday" in listing
    assert '<option value="0">Monday</option>' in add
    assert '<option value="6">Sunday</option>' in add
    assert {h.weekday for h in mondays.context["cl"].result_list} == {0}
    assert "Tess Monday 09:00-17:00" in str(cast.tess.working_hours.get(weekday=0))


def test_working_hours_are_added_by_weekday_name(admin_client, cast):
    response = admin_client.post(
        "/admin/therapists/workinghours/add/",
        {"therapist": cast.tess.pk, "weekday": "5", "start_time": "10:00", "end_time": "14:00"},
    )

    assert response.status_code == 302
    assert cast.tess.working_hours.filter(weekday=5).exists()


def test_time_off_is_typed_and_shown_in_clinic_time(admin_client, cast):
    add = admin_client.get("/admin/therapists/timeoff/add/").content.decode()
    response = admin_client.post(
        "/admin/therapists/timeoff/add/",
        {
            "therapist": cast.tess.pk,
            "start_0": "2026-07-06",
            "start_1": "09:00",
            "end_0": "2026-07-06",
            "end_1": "13:00",
            "reason": "Dentist",
        },
    )

    assert "In clinic time (America/Toronto)" in add
    assert response.status_code == 302
    time_off = TimeOff.objects.get(therapist=cast.tess)
    assert time_off.start == datetime(2026, 7, 6, 13, tzinfo=UTC)  # 09:00 EDT
    listing = admin_client.get("/admin/therapists/timeoff/").content.decode()
    assert "Mon 6 Jul 2026, 09:00 EDT" in listing
    assert "2026-07-06 09:00 EDT to 2026-07-06 13:00 EDT" in str(time_off)
    change = admin_client.get(f"/admin/therapists/timeoff/{time_off.pk}/change/").content.decode()
    assert 'value="09:00:00"' in change or 'value="09:00"' in change


def test_an_unknown_weekday_filter_lists_everything(admin_client, cast):
    response = admin_client.get("/admin/therapists/workinghours/?weekday=9")

    assert response.status_code == 200
    assert response.context["cl"].result_count == cast.tess.working_hours.count() * 2


def test_time_off_in_the_admin_goes_through_the_service(admin_client, cast):
    def post(start, end, url="/admin/therapists/timeoff/add/"):
        return admin_client.post(
            url,
            {
                "therapist": cast.tess.pk,
                "start_0": "2026-07-06",
                "start_1": start,
                "end_0": "2026-07-06",
                "end_1": end,
                "reason": "Dentist",
            },
        )

    assert post("09:00", "12:00").status_code == 302
    overlap = post("11:00", "13:00")
    backwards = post("13:00", "12:00")
    existing = TimeOff.objects.get(therapist=cast.tess)
    changed = post("08:00", "12:00", url=f"/admin/therapists/timeoff/{existing.pk}/change/")

    assert overlap.status_code == 200 and "overlaps" in overlap.content.decode()
    assert backwards.status_code == 200 and "after the start" in backwards.content.decode()
    assert changed.status_code == 302
    existing.refresh_from_db()
    assert existing.start == datetime(2026, 7, 6, 12, tzinfo=UTC)  # 08:00 EDT
    assert TimeOff.objects.filter(therapist=cast.tess).count() == 1
