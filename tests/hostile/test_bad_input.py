"""Bad input is a 400 (or 413) that names the field or parameter, never a 500.

The clinic is in Toronto, frozen on Wednesday 2027-03-10 08:00, four days before the spring
forward (2027-03-14 02:00 -> 03:00) and with the autumn fall back (2026-11-07 01:00-02:00 twice)
behind it. Tess works every day around the clock so that only the input can be at fault.
"""

import json
from datetime import datetime, time
from zoneinfo import ZoneInfo

import django_filters
import pytest
import time_machine
from django.urls import get_resolver
from rest_framework import serializers

from clinic.api.fields import (
    DayField,
    DayFilter,
    FilterSet,
    InstantField,
    InstantFilter,
    StrictBooleanFilter,
)
from tests import factories

TORONTO = ZoneInfo("America/Toronto")
NOW = datetime(2027, 3, 10, 8, 0, tzinfo=TORONTO)
T = "/api/v1/"


@pytest.fixture
def world(db):
    with time_machine.travel(NOW, tick=False):
        clinic = factories.make_clinic(
            timezone="America/Toronto", min_lead_time_minutes=0, booking_horizon_days=90
        )
        service = factories.make_service(duration_minutes=60, buffer_minutes=0)
        tess = factories.make_therapist(services=[service], hours=((0, 7), time(0), time(23, 59)))
        client = factories.make_client()
        admin = factories.make_admin()
        yield type(
            "World",
            (),
            {
                "clinic": clinic,
                "service": service,
                "tess": tess,
                "client": client,
                "admin": factories.api_as(admin),
                "as_client": factories.api_as(client.user),
                "as_tess": factories.api_as(tess.user),
            },
        )


def booking(world, start, **extra):
    return {"therapist": world.tess.pk, "service": world.service.pk, "start": start, **extra}


def assert_refused(response, name, *words):
    assert response.status_code == 400, (response.status_code, response.content[:300])
    body = response.json()
    assert name in body, body
    text = " ".join(map(str, body[name])).lower()
    for word in words:
        assert word.lower() in text, body


# 1. Dates at the edges
@pytest.mark.parametrize(
    "start", ["9999-12-31T23:30:00Z", "9999-12-31T23:30:00", "0001-01-01T00:00:00"]
)
def test_a_booking_far_outside_the_horizon_is_refused_with_the_range(world, start):
    response = world.as_client.post(T + "bookings/", booking(world, start), format="json")
    assert_refused(response, "start", "2027-03-10", "2027-06-08")


def test_reschedule_and_series_refuse_year_9999(world):
    made = world.as_client.post(T + "bookings/", booking(world, "2027-03-11T10:00"), format="json")
    assert made.status_code == 201, made.json()
    pk = made.json()["id"]
    moved = world.as_client.post(
        T + f"bookings/{pk}/reschedule/", {"start": "9999-12-31T23:30:00Z"}, format="json"
    )
    assert_refused(moved, "start", "between")
    series = world.as_client.post(
        T + "booking-series/",
        booking(world, "9999-12-31T23:30:00Z", count=2, every_weeks=1),
        format="json",
    )
    assert_refused(series, "start", "between")
    until = world.as_client.post(
        T + "booking-series/",
        booking(world, "2027-03-11T10:00", until="9999-12-31", every_weeks=1),
        format="json",
    )
    assert until.status_code == 400, until.json()
    assert "until" in until.json()


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("end=9999-12-31", "end"),
        ("end=9999-12-31T23:59:59Z", "end"),
        ("start=0001-01-01", "start"),
    ],
)
def test_availability_at_the_edges(world, query, name):
    base = f"service={world.service.pk}&start=2027-03-11&end=2027-03-12"
    key = query.split("=")[0]
    base = "&".join(p for p in base.split("&") if not p.startswith(key + "="))
    response = world.as_client.get(T + f"availability/?{base}&{query}")
    assert_refused(response, name)


@pytest.mark.parametrize(
    "query",
    [
        "date_to=9999-12-31",
        "date_from=0001-01-01",
        "start_after=2026-12-01T00:00:00-21:48",
        "start_before=2026-12-01T00:00:00%2B20:00",
        "start_after=9999-12-31T23:59:59Z",
    ],
)
def test_booking_filters_at_the_edges(world, query):
    response = world.admin.get(T + f"bookings/?{query}")
    assert_refused(response, query.split("=")[0])


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("0001-01-01T00:00:00", "0001-01-02T00:00:00"),
        ("9998-12-30T00:00:00Z", "9999-12-31T23:59:00Z"),
        ("2027-03-20T00:00:00", "9999-12-31T00:00:00"),
    ],
)
def test_time_off_far_from_today_is_refused(world, start, end):
    response = world.admin.post(
        T + f"therapists/{world.tess.pk}/time-off/", {"start": start, "end": end}, format="json"
    )
    assert response.status_code == 400, response.json()
    assert set(response.json()) & {"start", "end"}


@pytest.mark.parametrize(
    "query",
    ["start=0001-01-01&end=0001-01-31", "start=9999-12-01&end=9999-12-31", "end=9999-12-31"],
)
def test_reports_far_from_today_are_refused(world, query):
    response = world.admin.get(T + f"reports/?{query}")
    assert response.status_code == 400, response.content
    assert set(response.json()) & {"start", "end"}


def test_waitlist_dates_outside_the_horizon_are_refused(world):
    response = world.as_client.post(
        T + "waitlist/",
        {
            "service": world.service.pk,
            "earliest_date": "2027-03-11",
            "latest_date": "9999-12-31",
            "time_from": "09:00",
            "time_to": "17:00",
        },
        format="json",
    )
    assert_refused(response, "latest_date", "2027-06-08")


# 2. NUL and other control characters
def test_a_nul_username_is_a_400(world):
    response = factories.api_as(None).post(
        T + "auth/token/", {"username": "\u0000", "password": "x"}, format="json"
    )
    assert_refused(response, "username", "control")


def test_a_start_with_a_trailing_nul_is_refused(world):
    response = world.as_client.post(
        T + "bookings/", booking(world, "2027-03-11T10:00\u0000"), format="json"
    )
    assert_refused(response, "start")


@pytest.mark.parametrize(
    "url", ["clients/?search=%00", "services/?search=a%00b", "bookings/?therapist=%00"]
)
def test_a_nul_in_a_query_parameter_is_a_400(world, url):
    response = world.admin.get(T + url)
    assert_refused(response, url.split("?")[1].split("=")[0], "control")


def test_control_characters_in_text_are_refused_but_newlines_in_notes_are_kept(world):
    bad = world.as_client.post(
        T + "bookings/", booking(world, "2027-03-11T10:00", notes="a\u0007b"), format="json"
    )
    assert_refused(bad, "notes", "control")
    good = world.as_client.post(
        T + "bookings/",
        booking(world, "2027-03-11T10:00", notes="line one\n\tline two"),
        format="json",
    )
    assert good.status_code == 201, good.json()
    assert good.json()["notes"] == "line one\n\tline two"


def test_a_nul_in_a_json_body_is_refused(world):
    response = factories.api_as(None).post(
        T + "auth/token/", {"username": "a\u0000", "password": "x"}, format="json"
    )
    assert_refused(response, "username", "control")


def test_a_form_encoded_body_is_unsupported_not_half_read(world):
    response = factories.api_as(None).post(
        T + "auth/token/", {"username": "a\u0000", "password": "x"}, format="multipart"
    )
    assert response.status_code == 415


# 3. Deep and big JSON
def test_deeply_nested_json_is_a_400(world):
    body = "[" * 5000 + "]" * 5000
    response = world.as_client.post(
        T + f"clients/{world.client.pk}/intakes/", body, content_type="application/json"
    )
    assert response.status_code == 400, response.content[:300]
    assert "nest" in json.dumps(response.json()).lower()


def test_a_body_over_the_size_limit_is_a_413(world, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"notes": "x" * 2000})
    response = world.as_client.post(T + "bookings/", body, content_type="application/json")
    assert response.status_code == 413, response.content[:300]


# 4. Local times that do not exist, and ambiguous ones
@pytest.mark.parametrize("start", ["2027-03-14T02:30:00", "2027-03-14T02:00:00"])
def test_a_booking_in_the_spring_forward_gap_is_refused(world, start):
    response = world.as_client.post(T + "bookings/", booking(world, start), format="json")
    assert_refused(response, "start", "does not exist")


def test_series_and_reschedule_refuse_the_gap(world):
    series = world.as_client.post(
        T + "booking-series/", booking(world, "2027-03-14T02:30", count=2), format="json"
    )
    assert_refused(series, "start", "does not exist")
    made = world.as_client.post(T + "bookings/", booking(world, "2027-03-11T10:00"), format="json")
    moved = world.as_client.post(
        T + f"bookings/{made.json()['id']}/reschedule/",
        {"start": "2027-03-14T02:15"},
        format="json",
    )
    assert_refused(moved, "start", "does not exist")


@pytest.mark.parametrize(
    ("start", "end"),
    [("2027-03-14T01:00", "2027-03-14T02:30"), ("2027-03-14T02:30", "2027-03-14T05:00")],
)
def test_time_off_with_an_end_in_the_gap_is_refused(world, start, end):
    response = world.admin.post(
        T + f"therapists/{world.tess.pk}/time-off/", {"start": start, "end": end}, format="json"
    )
    assert response.status_code == 400, response.json()
    assert "does not exist" in json.dumps(response.json())


@pytest.mark.parametrize("query", ["start_after=2027-03-14T02:30", "start_before=2027-03-14T02:00"])
def test_filters_refuse_the_gap(world, query):
    assert_refused(world.admin.get(T + f"bookings/?{query}"), query.split("=")[0], "does not exist")


def test_availability_refuses_the_gap(world):
    response = world.as_client.get(
        T + f"availability/?service={world.service.pk}&start=2027-03-14T02:30&end=2027-03-15"
    )
    assert_refused(response, "start", "does not exist")


def test_ambiguous_autumn_times_are_the_first_occurrence_everywhere(world):
    # 2026-11-01 01:30 happened twice in Toronto; the first (EDT, -04:00) is meant.
    response = world.admin.get(T + "bookings/?start_after=2026-11-01T01:30")
    assert response.status_code == 200, response.json()
    response = world.admin.get(
        T + f"therapists/{world.tess.pk}/time-off/?ends_after=2026-11-01T01:30"
    )
    assert response.status_code == 200, response.json()


def test_time_off_on_the_gap_day_that_avoids_the_gap_is_kept_as_given(world):
    response = world.admin.post(
        T + f"therapists/{world.tess.pk}/time-off/",
        {"start": "2027-03-14T01:00", "end": "2027-03-14T04:00"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["start"].startswith("2027-03-14T01:00:00-05:00")
    assert response.json()["end"].startswith("2027-03-14T04:00:00-04:00")


def test_waitlist_window_in_the_gap_is_harmless(world):
    response = world.as_client.post(
        T + "waitlist/",
        {
            "service": world.service.pk,
            "earliest_date": "2027-03-14",
            "latest_date": "2027-03-14",
            "time_from": "02:00",
            "time_to": "02:59",
        },
        format="json",
    )
    assert response.status_code in (201, 400), response.content


# 5. Garbage filter values
@pytest.mark.parametrize(
    "url",
    [
        "services/?active=maybe",
        "therapists/?active=maybe",
        "clients/?has_upcoming_booking=junk",
        "clients/?marketing_consent=perhaps",
        "treatment-notes/?signed=sometimes",
        "bookings/?therapist=abc",
        "services/?page=%C2%85",
        "services/?page=abc",
        "services/?page=0",
        "services/?page_size=abc",
        # Empty is not "no filter" (every route and parameter: test_empty_parameters.py).
        "bookings/?therapist=",
        "services/?active=",
        "clients/?has_upcoming_booking=",
    ],
)
def test_garbage_filter_values_are_a_400_naming_the_parameter(world, url):
    response = world.admin.get(T + url)
    assert_refused(response, url.split("?")[1].split("=")[0])


# Project-wide: no date, datetime or boolean input escapes the checked fields.
APPS = ("clinic", "therapists", "clients", "bookings", "notifications", "waitlist", "treatments")
APPS += ("reports", "privacy")


def _ours(cls) -> bool:
    return cls.__module__.split(".")[0] in APPS


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


# Serializers that only describe answers (never read a request): their date fields are not input.
RESPONSE_ONLY = {
    "CollidedSerializer",
    "ProgressPointSerializer",
    "ReportRowSerializer",
    "ReportSerializer",
    "SlotSerializer",
}


def test_every_date_and_datetime_input_of_every_serializer_is_checked(db):
    get_resolver().url_patterns  # imports every view, filter set and serializer
    unchecked = []
    for cls in {c for c in _subclasses(serializers.Serializer) if _ours(c)}:
        if issubclass(cls, serializers.ModelSerializer) and not hasattr(cls, "Meta"):
            continue  # the project's base class
        if cls.__name__ in RESPONSE_ONLY:
            continue
        for name, field in cls().fields.items():
            if field.read_only:
                continue
            if isinstance(field, serializers.DateTimeField) and not isinstance(field, InstantField):
                unchecked.append(f"{cls.__qualname__}.{name}")
            if isinstance(field, serializers.DateField) and not isinstance(field, DayField):
                unchecked.append(f"{cls.__qualname__}.{name}")
    assert not unchecked, ", ".join(sorted(unchecked))


def test_every_filter_of_every_filterset_is_checked(db):
    get_resolver().url_patterns  # imports every view, filter set and serializer
    must = {
        django_filters.BooleanFilter: StrictBooleanFilter,
        django_filters.DateFilter: DayFilter,
        django_filters.DateTimeFilter: InstantFilter,
    }
    unchecked = []
    for cls in {c for c in _subclasses(django_filters.FilterSet) if _ours(c)}:
        if not issubclass(cls, FilterSet):
            unchecked.append(cls.__qualname__)
        for name, flt in cls.base_filters.items():
            for kind, ours in must.items():
                if isinstance(flt, kind) and not isinstance(flt, ours):
                    unchecked.append(f"{cls.__qualname__}.{name}")
    assert not unchecked, ", ".join(sorted(unchecked))
