"""Schedules in clinic time with weekdays by name (through therapists.services), and the
reports page: its charts, tables and CSV (reports.selectors)."""

import csv
import io
from datetime import UTC, datetime

import pytest

from tests.staff.conftest import signed_in

pytestmark = pytest.mark.django_db


def test_working_hours_by_weekday_name(desk, as_tess):
    url = f"/staff/schedules/{desk.tess.pk}/"
    page = as_tess.get(url).content.decode()
    assert ">Monday</th>" in page and ">Sunday</th>" in page and "09:00\u201317:00" in page

    added = as_tess.post(
        url, {"what": "hours", "weekday": "5", "start_time": "10:00", "end_time": "14:00"}
    )
    overlap = as_tess.post(
        url, {"what": "hours", "weekday": "5", "start_time": "13:00", "end_time": "15:00"}
    )

    assert added.status_code == 302
    assert desk.tess.working_hours.filter(weekday=5).count() == 1
    assert overlap.status_code == 400 and "overlap" in overlap.content.decode()
    saturday = desk.tess.working_hours.get(weekday=5)
    as_tess.post(url, {"what": "delete_hours", "id": saturday.pk})
    assert not desk.tess.working_hours.filter(weekday=5).exists()


def time_off(start_date, start_time, end_date, end_time, reason="Course"):
    return {
        "what": "time_off",
        "start_date": start_date,
        "start_time": start_time,
        "end_date": end_date,
        "end_time": end_time,
        "reason": reason,
    }


def test_time_off_is_typed_in_clinic_time(desk, as_admin):
    url = f"/staff/schedules/{desk.lina.pk}/"

    added = as_admin.post(url, time_off("2026-07-06", "09:00", "2026-07-06", "12:00"))
    gap = as_admin.post(url, time_off("2027-03-14", "02:30", "2027-03-14", "05:00"))
    backwards = as_admin.post(url, time_off("2026-07-08", "12:00", "2026-07-08", "09:00"))

    assert added.status_code == 302
    off = desk.lina.time_off.get()
    assert off.start == datetime(2026, 7, 6, 13, tzinfo=UTC)  # 09:00 EDT
    assert "Mon 6 Jul 2026, 09:00 EDT" in as_admin.get(url).content.decode()
    assert gap.status_code == 400 and "does not exist" in gap.content.decode()
    assert backwards.status_code == 400 and "after the start" in backwards.content.decode()
    assert desk.lina.time_off.count() == 1


def test_a_therapist_edits_only_their_own_schedule(desk, as_tess):
    url = f"/staff/schedules/{desk.omar.pk}/"

    assert as_tess.get(url).status_code == 404
    assert (
        as_tess.post(url, time_off("2026-07-06", "09:00", "2026-07-06", "12:00")).status_code == 404
    )
    assert not desk.omar.time_off.exists()
    assert as_tess.get("/staff/schedules/")["Location"] == f"/staff/schedules/{desk.tess.pk}/"


def test_the_reports_page_draws_charts_and_tables(desk, as_admin):
    desk.carls_visit.status = "no_show"
    desk.carls_visit.save()
    page = as_admin.get(
        "/staff/reports/", {"start": "2026-04-27", "end": "2026-05-10", "period": "week"}
    ).content.decode()

    assert page.count("<svg") == 4
    for title in (
        "Utilisation per therapist",
        "No-show and late-cancellation rates",
        "Clinic cancellations per period",
        "Revenue by service",
    ):
        assert f">{title}</title>" in page
    assert "Trigger point therapy" in page and "Tess Moreau" in page


def test_the_reports_csv_has_the_rows_of_the_report(desk, as_admin):
    response = as_admin.get(
        "/staff/reports/csv/", {"start": "2026-04-27", "end": "2026-05-10", "period": "week"}
    )

    assert response.status_code == 200 and response["Content-Type"] == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    tess = [r for r in rows if r["therapist_name"] == "Tess Moreau"]
    assert {r["period"] for r in tess} == {"2026-04-27", "2026-05-04"}
    assert sum(int(r["completed"]) for r in tess) == 1
    assert "utilisation" in rows[0]


def test_bad_report_dates_are_400s_naming_the_field(desk, as_admin):
    backwards = as_admin.get("/staff/reports/", {"start": "2026-05-10", "end": "2026-05-01"})
    garbage = as_admin.get("/staff/reports/csv/", {"start": "yesterday"})

    assert backwards.status_code == 400 and "before the start" in backwards.content.decode()
    assert garbage.status_code == 400 and garbage.content.decode().startswith("start,")


def test_reports_are_for_the_front_desk(desk):
    assert signed_in(desk.tess.user).get("/staff/reports/").status_code == 403
