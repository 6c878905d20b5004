import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, connections
from django.test.utils import CaptureQueriesContext

from tests import factories
from therapists import services
from therapists.models import TimeOff

TORONTO = ZoneInfo("America/Toronto")
ACCESS = [
    ("anonymous", 401),
    ("client", 404),
    ("therapist", None),
    ("other_therapist", 404),
    ("admin", None),
]


def url(therapist, time_off=None):
    base = f"/api/v1/therapists/{therapist.pk}/time-off/"
    return f"{base}{time_off.pk}/" if time_off else base


def local(*args):
    return datetime(*args, tzinfo=TORONTO)


def make_time_off(therapist, start, end, reason="") -> TimeOff:
    return TimeOff.objects.create(therapist=therapist, start=start, end=end, reason=reason)


@pytest.fixture
def holiday(cast):
    return make_time_off(cast.tess, local(2026, 12, 24), local(2026, 12, 27), "Holidays")


@pytest.mark.parametrize(("role", "refused"), ACCESS)
def test_list_is_for_the_therapist_and_admins(cast, holiday, role, refused):
    response = cast.api[role].get(url(cast.tess))

    assert response.status_code == (refused or 200)
    if not refused:
        assert response.json()["results"] == [
            {
                "id": holiday.pk,
                "therapist": cast.tess.pk,
                "start": "2026-12-24T00:00:00-05:00",
                "end": "2026-12-27T00:00:00-05:00",
                "reason": "Holidays",
            }
        ]


@pytest.mark.parametrize(("role", "refused"), ACCESS)
def test_create_is_for_the_therapist_and_admins(cast, role, refused):
    response = cast.api[role].post(
        url(cast.tess),
        {"start": "2026-07-01T00:00:00-04:00", "end": "2026-07-08T00:00:00-04:00"},
    )

    assert response.status_code == (refused or 201)
    assert cast.tess.time_off.exists() is (refused is None)


@pytest.mark.parametrize(("role", "refused"), ACCESS)
def test_retrieve_is_for_the_therapist_and_admins(cast, holiday, role, refused):
    assert cast.api[role].get(url(cast.tess, holiday)).status_code == (refused or 200)


@pytest.mark.parametrize(("role", "refused"), ACCESS)
def test_update_is_for_the_therapist_and_admins(cast, holiday, role, refused):
    response = cast.api[role].patch(url(cast.tess, holiday), {"reason": "Family"})

    assert response.status_code == (refused or 200)
    holiday.refresh_from_db()
    assert (holiday.reason == "Family") is (refused is None)


@pytest.mark.parametrize(("role", "refused"), ACCESS)
def test_delete_is_for_the_therapist_and_admins(cast, holiday, role, refused):
    response = cast.api[role].delete(url(cast.tess, holiday))

    assert response.status_code == (refused or 204)
    assert TimeOff.objects.filter(pk=holiday.pk).exists() is (refused is not None)


def test_another_therapists_time_off_is_not_found_under_my_url(cast):
    omars = make_time_off(cast.omar, local(2026, 8, 1), local(2026, 8, 2))

    for role in ("therapist", "admin"):
        api = cast.api[role]
        assert api.get(url(cast.tess, omars)).status_code == 404
        assert api.patch(url(cast.tess, omars), {"reason": "x"}).status_code == 404
    assert cast.api["other_therapist"].get(url(cast.omar, omars)).status_code == 200


def test_a_naive_datetime_is_read_in_the_clinics_time_zone(cast):
    response = cast.api["therapist"].post(
        url(cast.tess), {"start": "2026-07-01T09:00", "end": "2026-07-01T17:00"}
    )

    assert response.status_code == 201
    assert response.json()["start"] == "2026-07-01T09:00:00-04:00"
    time_off = TimeOff.objects.get(pk=response.json()["id"])
    assert time_off.start == datetime(2026, 7, 1, 13, tzinfo=ZoneInfo("UTC"))


def test_answers_follow_the_clinics_time_zone(cast, holiday):
    factories.make_clinic(timezone="Europe/Paris")

    body = cast.api["admin"].get(url(cast.tess, holiday)).json()

    assert body["start"] == "2026-12-24T06:00:00+01:00"


def test_time_off_may_touch_other_time_off(cast, holiday):
    response = cast.api["therapist"].post(
        url(cast.tess), {"start": "2026-12-27T00:00", "end": "2026-12-28T00:00"}
    )

    assert response.status_code == 201


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"start": "2026-07-02T09:00", "end": "2026-07-01T09:00"}, "end", "after the start"),
        ({"start": "2026-07-01T09:00", "end": "2026-07-01T09:00"}, "end", "after the start"),
        ({"start": "next tuesday", "end": "2026-07-01T09:00"}, "start", "wrong format"),
        ({"end": "2026-07-01T09:00"}, "start", "required"),
        (
            {"start": "2026-12-26T12:00", "end": "2026-12-30T00:00"},
            "non_field_errors",
            "overlaps time off from 2026-12-24 00:00 to 2026-12-27 00:00",
        ),
        (
            {"start": "2026-12-20T00:00", "end": "2027-01-02T00:00"},
            "non_field_errors",
            "overlaps time off",
        ),
    ],
)
def test_bad_time_off_is_a_400_with_a_reason(cast, holiday, body, field, message):
    response = cast.api["therapist"].post(url(cast.tess), body)

    assert response.status_code == 400
    assert message in str(response.json()[field])
    assert list(cast.tess.time_off.all()) == [holiday]


def test_an_update_may_not_overlap_other_time_off_but_may_change_itself(cast, holiday):
    later = make_time_off(cast.tess, local(2027, 1, 10), local(2027, 1, 12))
    api = cast.api["therapist"]

    overlapping = api.patch(url(cast.tess, later), {"start": "2026-12-26T00:00"})
    extended = api.patch(url(cast.tess, holiday), {"end": "2026-12-28T00:00"})
    reversed_ = api.patch(url(cast.tess, holiday), {"start": "2026-12-29T00:00"})

    assert overlapping.status_code == 400
    assert extended.status_code == 200
    assert reversed_.status_code == 400
    assert "end" in reversed_.json()


def test_other_therapists_time_off_does_not_count_as_overlap(cast, holiday):
    response = cast.api["admin"].post(
        url(cast.omar), {"start": "2026-12-24T00:00", "end": "2026-12-27T00:00"}
    )

    assert response.status_code == 201


def test_the_list_filters_by_period(cast, holiday):
    later = make_time_off(cast.tess, local(2027, 3, 1), local(2027, 3, 2))

    rows = cast.api["therapist"].get(url(cast.tess) + "?ends_after=2027-01-01T00:00:00Z").json()

    assert [r["id"] for r in rows["results"]] == [later.pk]


def test_the_database_refuses_overlapping_time_off(cast, holiday):
    with pytest.raises(IntegrityError, match="time_off_no_overlap"):
        make_time_off(cast.tess, local(2026, 12, 26, 23), local(2026, 12, 31))


def test_the_database_refuses_time_off_that_ends_before_it_starts(cast):
    with pytest.raises(IntegrityError, match="time_off_end_after_start"):
        make_time_off(cast.tess, local(2026, 12, 26), local(2026, 12, 25))


@pytest.mark.django_db(transaction=True)
def test_two_overlapping_time_offs_sent_at_once_never_both_land():
    therapist = factories.make_therapist(hours=None)
    factories.make_clinic(timezone="America/Toronto")
    barrier = threading.Barrier(2)
    outcomes = []

    def add(start, days):
        try:
            barrier.wait()
            services.add_time_off(therapist, start=start, end=start + timedelta(days=days))
            outcomes.append("added")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=add, args=(local(2026, 5, 1), 3)),
        threading.Thread(target=add, args=(local(2026, 5, 2), 3)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["added", "refused"]
    assert therapist.time_off.count() == 1


@pytest.mark.parametrize("role", ["therapist", "admin"])
def test_the_time_off_list_takes_the_same_queries_for_1_or_30_entries(
    cast, holiday, role, django_assert_max_num_queries
):
    api, path = cast.api[role], url(cast.tess) + "?page_size=100"
    with CaptureQueriesContext(connection) as queries:
        assert api.get(path).status_code == 200
    few = len(queries)
    for week in range(29):
        start = local(2027, 1, 4) + timedelta(weeks=week)
        make_time_off(cast.tess, start, start + timedelta(days=1))

    with django_assert_max_num_queries(few):
        rows = api.get(path).json()["results"]

    assert len(rows) == 30
