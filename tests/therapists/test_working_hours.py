import threading
from datetime import time

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, connections
from django.test.utils import CaptureQueriesContext

from tests import factories
from therapists import services
from therapists.models import WorkingHours

# Who may do what to Tess's working hours (Tess is "therapist", Omar "other_therapist").
ACCESS = [
    ("anonymous", 401),
    ("client", 404),
    ("therapist", None),
    ("other_therapist", 404),
    ("admin", None),
]


def url(therapist, hours=None):
    base = f"/api/v1/therapists/{therapist.pk}/working-hours/"
    return f"{base}{hours.pk}/" if hours else base


@pytest.fixture
def monday(cast):
    return cast.tess.working_hours.get(weekday=0)  # 09:00-17:00 from the factory


@pytest.mark.parametrize(("role", "refused"), ACCESS)
def test_list_is_for_the_therapist_and_admins(cast, role, refused):
    response = cast.api[role].get(url(cast.tess))

    assert response.status_code == (refused or 200)
    if not refused:
        rows = response.json()["results"]
        assert [(r["weekday"], r["start_time"], r["end_time"]) for r in rows] == [
            (d, "09:00:00", "17:00:00") for d in range(5)
        ]


@pytest.mark.parametrize(("role", "refused"), ACCESS)
def test_create_is_for_the_therapist_and_admins(cast, role, refused):
    response = cast.api[role].post(
        url(cast.tess), {"weekday": 5, "start_time": "10:00", "end_time": "14:00"}
    )

    assert response.status_code == (refused or 201)
    assert cast.tess.working_hours.filter(weekday=5).exists() is (refused is None)
    if not refused:
        assert response.json()["therapist"] == cast.tess.pk


@pytest.mark.parametrize(("role", "refused"), ACCESS)
def test_retrieve_is_for_the_therapist_and_admins(cast, monday, role, refused):
    response = cast.api[role].get(url(cast.tess, monday))

    assert response.status_code == (refused or 200)


@pytest.mark.parametrize(("role", "refused"), ACCESS)
def test_update_is_for_the_therapist_and_admins(cast, monday, role, refused):
    response = cast.api[role].patch(url(cast.tess, monday), {"end_time": "16:00"})

    assert response.status_code == (refused or 200)
    monday.refresh_from_db()
    assert (monday.end_time == time(16)) is (refused is None)


@pytest.mark.parametrize(("role", "refused"), ACCESS)
def test_full_update_is_for_the_therapist_and_admins(cast, monday, role, refused):
    response = cast.api[role].put(
        url(cast.tess, monday), {"weekday": 6, "start_time": "08:00", "end_time": "12:00"}
    )

    assert response.status_code == (refused or 200)
    monday.refresh_from_db()
    assert (monday.weekday == 6) is (refused is None)


@pytest.mark.parametrize(("role", "refused"), ACCESS)
def test_delete_is_for_the_therapist_and_admins(cast, monday, role, refused):
    response = cast.api[role].delete(url(cast.tess, monday))

    assert response.status_code == (refused or 204)
    assert WorkingHours.objects.filter(pk=monday.pk).exists() is (refused is not None)


def test_another_therapists_hours_are_not_found_under_my_url(cast):
    omars = cast.omar.working_hours.first()

    mine = cast.api["therapist"].get(f"/api/v1/therapists/{cast.tess.pk}/working-hours/{omars.pk}/")
    admin = cast.api["admin"].get(f"/api/v1/therapists/{cast.tess.pk}/working-hours/{omars.pk}/")
    deleted = cast.api["therapist"].delete(
        f"/api/v1/therapists/{cast.tess.pk}/working-hours/{omars.pk}/"
    )

    assert (mine.status_code, admin.status_code, deleted.status_code) == (404, 404, 404)
    assert WorkingHours.objects.filter(pk=omars.pk).exists()


def test_an_unknown_therapist_is_404_even_for_admins(cast):
    assert cast.api["admin"].get("/api/v1/therapists/99999/working-hours/").status_code == 404


def test_a_client_gets_404_even_with_a_bad_body(cast):
    response = cast.api["client"].post(url(cast.tess), {"weekday": "x"})

    assert response.status_code == 404


def test_several_intervals_a_day_are_allowed_and_may_touch(cast, monday):
    api = cast.api["therapist"]
    api.patch(url(cast.tess, monday), {"end_time": "12:00"})

    lunch_then_afternoon = api.post(
        url(cast.tess), {"weekday": 0, "start_time": "12:00", "end_time": "17:00"}
    )
    evening = api.post(url(cast.tess), {"weekday": 0, "start_time": "18:00", "end_time": "21:00"})

    assert (lunch_then_afternoon.status_code, evening.status_code) == (201, 201)
    assert cast.tess.working_hours.filter(weekday=0).count() == 3


def test_the_list_filters_by_weekday(cast):
    rows = cast.api["therapist"].get(url(cast.tess) + "?weekday=2").json()["results"]

    assert [r["weekday"] for r in rows] == [2]


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"weekday": 7}, "weekday", "from 0 (Monday) to 6 (Sunday)"),
        ({"weekday": -1}, "weekday", "from 0 (Monday) to 6 (Sunday)"),
        ({"weekday": "Mon"}, "weekday", "from 0 (Monday) to 6 (Sunday)"),
        ({"start_time": "18:00", "end_time": "09:00"}, "end_time", "after the start time"),
        ({"start_time": "09:00", "end_time": "09:00"}, "end_time", "after the start time"),
        ({"start_time": "9 o'clock"}, "start_time", "wrong format"),
        ({"weekday": 0, "start_time": "16:00", "end_time": "19:00"}, "non_field_errors", "overlap"),
        ({"weekday": 0, "start_time": "08:00", "end_time": "18:00"}, "non_field_errors", "overlap"),
        ({"weekday": 0, "start_time": "10:00", "end_time": "11:00"}, "non_field_errors", "overlap"),
    ],
)
def test_bad_hours_are_a_400_with_a_reason(cast, body, field, message):
    before = WorkingHours.objects.count()
    full = {"weekday": 5, "start_time": "10:00", "end_time": "14:00", **body}

    response = cast.api["therapist"].post(url(cast.tess), full)

    assert response.status_code == 400
    assert message in str(response.json()[field])
    assert WorkingHours.objects.count() == before


def test_the_overlap_message_names_the_interval_in_the_way(cast):
    response = cast.api["therapist"].post(
        url(cast.tess), {"weekday": 0, "start_time": "16:00", "end_time": "19:00"}
    )

    assert "Monday 09:00-17:00" in response.json()["non_field_errors"][0]


def test_an_update_may_not_overlap_another_interval_but_may_move_itself(cast, monday):
    api = cast.api["therapist"]
    evening = api.post(
        url(cast.tess), {"weekday": 0, "start_time": "18:00", "end_time": "20:00"}
    ).json()

    overlapping = api.patch(url(cast.tess) + f"{evening['id']}/", {"start_time": "16:30"})
    shifted = api.patch(url(cast.tess, monday), {"start_time": "08:00", "end_time": "16:00"})

    assert overlapping.status_code == 400
    assert shifted.status_code == 200


def test_an_update_making_end_before_start_is_refused(cast, monday):
    response = cast.api["admin"].patch(url(cast.tess, monday), {"start_time": "18:00"})

    assert response.status_code == 400
    assert "end_time" in response.json()


def test_other_therapists_hours_on_the_same_day_do_not_count_as_overlap(cast):
    response = cast.api["admin"].post(
        url(cast.omar), {"weekday": 5, "start_time": "09:00", "end_time": "17:00"}
    )
    again = cast.api["admin"].post(
        url(cast.tess), {"weekday": 5, "start_time": "09:00", "end_time": "17:00"}
    )

    assert (response.status_code, again.status_code) == (201, 201)


# --- The database's own rules ---------------------------------------------------------------


def test_the_database_refuses_overlapping_hours(cast):
    with pytest.raises(IntegrityError, match="working_hours_no_overlap"):
        WorkingHours.objects.create(
            therapist=cast.tess, weekday=0, start_time=time(16, 59), end_time=time(18)
        )


def test_the_database_accepts_touching_hours(cast):
    WorkingHours.objects.create(
        therapist=cast.tess, weekday=0, start_time=time(17), end_time=time(18)
    )

    assert cast.tess.working_hours.filter(weekday=0).count() == 2


@pytest.mark.parametrize(
    ("weekday", "start", "end", "constraint"),
    [
        (7, time(9), time(10), "working_hours_weekday"),
        (6, time(10), time(9), "working_hours_end_after_start"),
    ],
)
def test_the_database_refuses_impossible_hours(cast, weekday, start, end, constraint):
    with pytest.raises(IntegrityError, match=constraint):
        WorkingHours.objects.create(
            therapist=cast.tess, weekday=weekday, start_time=start, end_time=end
        )


@pytest.mark.django_db(transaction=True)
def test_two_overlapping_intervals_sent_at_once_never_both_land():
    therapist = factories.make_therapist(hours=None)
    barrier = threading.Barrier(2)
    outcomes = []

    def add(start, end):
        try:
            barrier.wait()
            services.add_working_hours(therapist, weekday=3, start_time=start, end_time=end)
            outcomes.append("added")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=add, args=(time(9), time(13))),
        threading.Thread(target=add, args=(time(12), time(16))),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["added", "refused"]
    assert therapist.working_hours.count() == 1


# --- Query count ----------------------------------------------------------------------------


def count_queries(api, path) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert api.get(path).status_code == 200
    return len(queries)


@pytest.mark.parametrize("role", ["therapist", "admin"])
def test_the_hours_list_takes_the_same_queries_for_5_or_35_intervals(
    cast, role, django_assert_max_num_queries
):
    api, path = cast.api[role], url(cast.tess) + "?page_size=100"
    few = count_queries(api, path)
    WorkingHours.objects.bulk_create(
        WorkingHours(therapist=cast.tess, weekday=d, start_time=time(h), end_time=time(h, 30))
        for d in range(7)
        for h in (18, 19, 20, 21, 22)
    )

    with django_assert_max_num_queries(few):
        rows = api.get(path).json()["results"]

    assert len(rows) == 40
    assert few <= 6
