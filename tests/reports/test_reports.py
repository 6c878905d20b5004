"""Report figures checked against a hand-computed week (Mon 2026-03-02 .. Sun 2026-03-08)."""

import csv
import io
from datetime import datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from bookings.models import Booking
from clinic.models import Modality
from tests import factories
from therapists.models import TimeOff, WorkingHours

TZ = ZoneInfo("America/Toronto")
URL = "/api/v1/reports/"
WEEK = {"start": "2026-03-02", "end": "2026-03-08", "period": "week"}


def at(day, hour, minute=0):
    return datetime(2026, 3, day, hour, minute, tzinfo=TZ)


@pytest.fixture
def week(clinic):
    tp = factories.make_service(name="Trigger point", price=Decimal("95.00"), duration_minutes=60)
    dt = factories.make_service(
        name="Deep tissue", modality=Modality.DEEP_TISSUE, price=Decimal("120.00"),
        duration_minutes=90,
    )  # fmt: skip
    tess = factories.make_therapist(services=[tp, dt], display_name="Tess")
    omar = factories.make_therapist(services=[tp], display_name="Omar", hours=None)
    WorkingHours.objects.create(therapist=omar, weekday=0, start_time=time(10), end_time=time(12))
    TimeOff.objects.create(therapist=tess, start=at(3, 13), end=at(3, 15), reason="dentist")
    TimeOff.objects.create(therapist=tess, start=at(4, 17), end=at(4, 20), reason="after hours")
    a, b, c, d = (factories.make_client() for _ in range(4))
    book = factories.make_booking
    book(therapist=tess, client=a, service=tp, start=datetime(2026, 2, 23, 10, tzinfo=TZ),
         status="completed")  # fmt: skip
    book(therapist=tess, client=a, service=tp, start=at(2, 10), status="completed")
    book(therapist=tess, client=b, service=tp, start=at(3, 10), status="completed")
    book(therapist=tess, client=a, service=dt, start=at(4, 10), status="completed")
    book(therapist=tess, client=c, service=tp, start=at(5, 10), status="no_show")
    book(therapist=tess, client=b, service=tp, start=at(5, 14), status="cancelled",
         late_cancellation=True)  # fmt: skip
    book(therapist=tess, client=d, service=tp, start=at(6, 10), status="cancelled",
         cancelled_by="clinic")  # fmt: skip
    book(therapist=tess, client=b, service=tp, start=at(6, 14), status="confirmed")
    book(therapist=tess, client=d, service=tp, start=at(9, 10), status="confirmed")
    return {"tess": tess, "omar": omar, "tp": tp, "dt": dt}


def test_it_computes_utilisation_rates_and_revenue_per_therapist(admin_api, week):
    body = admin_api.get(URL, WEEK).json()

    tess, omar = body["rows"][1], body["rows"][0]  # ordered by name within the period
    assert tess == {
        "period": "2026-03-02",
        "therapist": week["tess"].pk,
        "therapist_name": "Tess",
        "bookings": 7,
        "completed": 3,
        "cancelled": 2,
        "late_cancellations": 1,
        "clinic_cancellations": 1,
        "no_shows": 1,
        "booked_minutes": 330,  # 60 + 60 + 90 + 60 (no-show) + 60 (confirmed)
        "working_minutes": 2280,  # 5 x 8 h, less 2 h off inside hours
        "revenue": "310.00",
        "utilisation": 0.1447,
        "no_show_rate": 0.1429,
        "late_cancellation_rate": 0.1429,
    }
    assert omar["working_minutes"] == 120
    assert omar["bookings"] == 0
    assert omar["utilisation"] == 0.0
    assert body["totals"]["working_minutes"] == 2400
    assert body["totals"]["revenue"] == "310.00"
    assert (omar["clinic_cancellations"], body["totals"]["clinic_cancellations"]) == (0, 1)


def test_revenue_counts_the_price_recorded_on_each_booking(admin_api, week):
    """A price change applies to bookings made from then on; the past keeps its price."""
    Booking.objects.filter(service=week["tp"]).update(price=Decimal("95.00"))
    week["tp"].price = Decimal("200.00")
    week["tp"].save()

    body = admin_api.get(URL, WEEK).json()

    by_service = {row["service"]: row for row in body["by_service"]}
    assert by_service[week["tp"].pk]["revenue"] == "190.00"
    assert body["totals"]["revenue"] == "310.00"


def test_it_breaks_bookings_down_by_service_and_modality(admin_api, week):
    body = admin_api.get(URL, WEEK).json()

    by_service = {row["service"]: row for row in body["by_service"]}
    assert by_service[week["tp"].pk]["bookings"] == 6
    assert by_service[week["tp"].pk]["completed"] == 2
    assert by_service[week["tp"].pk]["revenue"] == "190.00"
    assert by_service[week["dt"].pk]["revenue"] == "120.00"
    assert {row["service__modality"]: row["bookings"] for row in body["by_modality"]} == {
        "deep_tissue": 1,
        "trigger_point": 6,
    }


def test_it_counts_new_and_returning_clients(admin_api, week):
    body = admin_api.get(URL, WEEK).json()

    # a booked before the range; b and c first came this week; d only cancelled.
    assert body["clients"] == {"new": 2, "returning": 1}


def test_it_groups_by_day_and_filters_by_therapist(admin_api, week):
    body = admin_api.get(URL, {**WEEK, "period": "day", "therapist": week["tess"].pk}).json()

    assert [row["period"] for row in body["rows"]] == [f"2026-03-0{d}" for d in range(2, 7)]
    assert {row["therapist"] for row in body["rows"]} == {week["tess"].pk}
    assert body["rows"][1]["working_minutes"] == 360


def test_working_minutes_follow_real_time_across_spring_forward(admin_api, clinic):
    night = factories.make_therapist(hours=None)
    # Sunday 2026-03-08 01:00-04:00 local: 02:00-03:00 does not exist, so two real hours.
    WorkingHours.objects.create(therapist=night, weekday=6, start_time=time(1), end_time=time(4))

    body = admin_api.get(URL, {"start": "2026-03-08", "end": "2026-03-08", "period": "day"})

    assert body.json()["rows"][0]["working_minutes"] == 120


def test_csv_gives_the_rows(admin_api, week):
    response = admin_api.get(URL, {**WEEK, "format": "csv"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [row["therapist_name"] for row in rows] == ["Omar", "Tess"]
    assert rows[1]["revenue"] == "310.00"
    assert rows[1]["working_minutes"] == "2280"


def test_the_report_takes_a_fixed_number_of_queries(admin_api, week, django_assert_max_num_queries):
    for day in range(10, 28):
        factories.make_booking(
            therapist=week["tess"], client=factories.make_client(), service=week["tp"],
            start=datetime(2026, 3, day, 9, tzinfo=TZ), status="completed",
        )  # fmt: skip

    with django_assert_max_num_queries(8):
        response = admin_api.get(URL, {"start": "2026-01-01", "end": "2026-12-31"})

    assert response.status_code == 200
    assert response.json()["totals"]["completed"] == 22


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"start": "2024-01-01", "end": "2026-01-02"}, "end"),
        ({"start": "2026-03-08", "end": "2026-03-01"}, "end"),
        ({"start": "March", "end": "2026-03-01"}, "start"),
        ({"period": "fortnight"}, "period"),
        ({"therapist": 999999}, "therapist"),
    ],
)
def test_bad_input_is_a_400_with_the_reason(admin_api, clinic, params, field):
    response = admin_api.get(URL, params)

    assert response.status_code == 400
    assert field in response.json()


def test_only_admins_see_reports(anon, clinic):
    therapist = factories.make_therapist()
    client = factories.make_client()

    assert anon.get(URL).status_code == 401
    assert factories.api_as(therapist.user).get(URL).status_code == 403
    assert factories.api_as(client.user).get(URL).status_code == 403


def test_an_unknown_format_is_a_400_naming_it(admin_api, week):
    response = admin_api.get(URL, {**WEEK, "format": "xlsx"})

    assert response.status_code == 400
    assert response.json() == {"format": ["Give `json` or `csv`."]}
