"""Trigger point progress: per muscle and side, pain over time from intakes and notes."""

from datetime import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clients.models import Intake, ReportedTriggerPoint
from tests import factories
from treatments.selectors import pain_progress, trigger_point_progress

from .conftest import TORONTO, as_user, point, write_note

pytestmark = pytest.mark.django_db


def url(client):
    return f"/api/v1/clients/{getattr(client, 'pk', client)}/trigger-point-progress/"


def intake(client, when, *points):
    with time_machine.travel(when, tick=False):
        record = Intake.objects.create(
            client=client, consent_given=True, consent_version="2026-01", consent_signed_at=when
        )
    ReportedTriggerPoint.objects.bulk_create(
        ReportedTriggerPoint(intake=record, muscle=m, side=s, pain=p, refers_to="headache")
        for m, s, p in points
    )
    return record


@pytest.fixture
def history(chart):
    """Carl: intake on Jan 2, visits on Jan 5, 12 and 19 (the last unsigned), a new intake on
    Jan 15."""
    first = intake(
        chart.carl,
        datetime(2026, 1, 2, 18, 0, tzinfo=TORONTO),
        ("upper_trapezius", "right", 7),
        ("levator_scapulae", "left", 5),
    )
    visits = [chart.visit, chart.book(day=12, status="completed"), chart.book(day=19)]
    notes = [
        write_note(
            visits[0],
            sign=True,
            points=[
                point(pain_before=7, pain_after=4),
                point(muscle="levator_scapulae", side="left", pain_before=5, pain_after=3),
            ],
        ),
        write_note(visits[1], sign=True, points=[point(pain_before=5, pain_after=3)]),
        write_note(
            visits[2],
            points=[
                point(muscle="levator_scapulae", side="left", pain_before=2, pain_after=1),
                point(pain_before=3, pain_after=1),
            ],
        ),
    ]
    second = intake(
        chart.carl, datetime(2026, 1, 15, 9, 0, tzinfo=TORONTO), ("upper_trapezius", "right", 4)
    )
    # Dana's chart must not leak into Carl's.
    write_note(chart.danas_visit, points=[point(pain_before=9, pain_after=9)])
    return {"intakes": (first, second), "notes": notes}


def reported(at, pain, intake):
    return {
        "at": at,
        "source": "reported",
        "pain": pain,
        "pain_before": None,
        "pain_after": None,
        "intake": intake.pk,
        "note": None,
        "signed": None,
    }


def treated(at, before, after, note, signed=True):
    return {
        "at": at,
        "source": "treated",
        "pain": None,
        "pain_before": before,
        "pain_after": after,
        "intake": None,
        "note": note.pk,
        "signed": signed,
    }


def test_progress_series_from_real_intakes_and_notes(chart, history):
    first, second = history["intakes"]
    n1, n2, n3 = history["notes"]

    response = as_user(chart.tess).get(url(chart.carl))

    assert response.status_code == 200
    assert response.json() == {
        "client": chart.carl.pk,
        "series": [
            {
                "muscle": "upper_trapezius",
                "muscle_label": "Upper trapezius",
                "side": "right",
                "points": [
                    reported("2026-01-02T18:00:00-05:00", 7, first),
                    treated("2026-01-05T10:00:00-05:00", 7, 4, n1),
                    treated("2026-01-12T10:00:00-05:00", 5, 3, n2),
                    reported("2026-01-15T09:00:00-05:00", 4, second),
                    treated("2026-01-19T10:00:00-05:00", 3, 1, n3, signed=False),
                ],
            },
            {
                "muscle": "levator_scapulae",
                "muscle_label": "Levator scapulae",
                "side": "left",
                "points": [
                    reported("2026-01-02T18:00:00-05:00", 5, first),
                    treated("2026-01-05T10:00:00-05:00", 5, 3, n1),
                    treated("2026-01-19T10:00:00-05:00", 2, 1, n3, signed=False),
                ],
            },
        ],
    }


def test_a_client_with_no_history_has_no_series(chart):
    body = as_user(chart.tess).get(url(chart.carl)).json()

    assert body == {"client": chart.carl.pk, "series": []}


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("tess", 200),  # treating therapist
        ("omar", 200),  # a booking with carl
        ("lina", 404),  # unrelated therapist
        ("carl", 403),  # the client himself
        ("dana", 404),  # another client
        ("admin", 200),
        ("nobody", 404),
        ("anonymous", 401),
    ],
)
def test_who_may_see_progress(chart, history, who, status):
    if who in ("tess", "omar", "lina", "carl", "dana"):
        user = getattr(chart, who).user
    else:
        user = {"admin": chart.admin, "nobody": factories.make_user(), "anonymous": None}[who]

    response = factories.api_as(user).get(url(chart.carl))

    assert response.status_code == status
    assert ("series" in response.json()) is (status == 200)


def test_an_unknown_client_is_404(chart, admin_api):
    assert admin_api.get(url(999999)).status_code == 404


def test_progress_takes_a_fixed_number_of_queries(chart):
    tess = as_user(chart.tess)
    intake(chart.carl, datetime(2026, 1, 2, tzinfo=TORONTO), ("upper_trapezius", "right", 7))
    write_note(chart.visit)
    tess.get(url(chart.carl))  # warm up (token, content types)

    with CaptureQueriesContext(connection) as one_visit:
        assert tess.get(url(chart.carl)).status_code == 200

    for day in (6, 7, 8, 9, 12, 13):
        write_note(chart.book(day=day), points=[point(), point(muscle="scalenes"), point()])
        intake(chart.carl, datetime(2026, 1, day, tzinfo=TORONTO), ("scalenes", "left", 3))
    with CaptureQueriesContext(connection) as seven_visits:
        body = tess.get(url(chart.carl)).json()

    assert sum(len(s["points"]) for s in body["series"]) == 2 + 6 * 4
    assert len(seven_visits) == len(one_visit)
    # token (with its user and their therapist profile), client, reported, treated, audit
    # entry (the clinic's time zone is cached per process by the middleware)
    assert len(seven_visits) == 5, [q["sql"] for q in seven_visits.captured_queries]


def test_headache_neck_and_back_trends_across_visits(chart, history, django_assert_num_queries):
    n1, n2, n3 = history["notes"]

    with django_assert_num_queries(2):
        progress = pain_progress(chart.carl)

    trends = {t["referral"]: t for t in progress["trends"]}
    assert list(trends) == ["headache", "neck", "back"]
    assert trends["headache"]["label"] == "Headache"
    # Intake points said "headache"; upper trapezius counts for headache and neck, levator
    # scapulae for neck: the worst of each visit's points, before and after.
    assert [
        (p["source"], p.get("pain"), p.get("pain_before"), p.get("pain_after"))
        for p in trends["headache"]["points"]
    ] == [
        ("reported", 7, None, None),
        ("treated", None, 7, 4),
        ("treated", None, 5, 3),
        ("reported", 4, None, None),
        ("treated", None, 3, 1),
    ]
    assert [(p["pain_before"], p["pain_after"]) for p in trends["neck"]["points"]] == [
        (7, 4),
        (5, 3),
        (3, 1),
    ]
    assert [p["note"] for p in trends["neck"]["points"]] == [n1.pk, n2.pk, n3.pk]
    assert trends["back"]["points"] == []
    assert progress["series"] == trigger_point_progress(chart.carl)


def test_progress_trends_stay_at_two_queries_however_long_the_history(
    chart, django_assert_num_queries
):
    for day in (6, 7, 8, 9, 12, 13):
        write_note(chart.book(day=day), points=[point(), point(muscle="quadratus_lumborum")])
        intake(chart.carl, datetime(2026, 1, day, tzinfo=TORONTO), ("scalenes", "left", 3))

    with django_assert_num_queries(2):
        progress = pain_progress(chart.carl)

    assert len({t["referral"]: t for t in progress["trends"]}["back"]["points"]) == 6
