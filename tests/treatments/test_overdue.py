"""Unsigned notes older than the clinic's note_overdue_hours are listed as overdue."""

from datetime import datetime, timedelta

import pytest
import time_machine

from tests import factories

from .conftest import TORONTO, as_user, write_note

pytestmark = pytest.mark.django_db

URL = "/api/v1/treatment-notes/"
NOW = datetime(2026, 1, 20, 12, 0, tzinfo=TORONTO)


@pytest.fixture
def notes(chart):
    def written(hours_ago, booking, sign=False):
        with time_machine.travel(NOW - timedelta(hours=hours_ago), tick=False):
            return write_note(booking, sign=sign)

    omars_visit = chart.book(therapist=chart.omar, day=12)
    return {
        "tess 50h": written(50, chart.visit),
        "tess 10h": written(10, chart.book(day=19)),
        "tess 60h signed": written(60, chart.book(day=17), sign=True),
        "tess 48h exactly": written(48, chart.book(day=18)),
        "omar 60h": written(60, omars_visit),
    }


def ids(response):
    assert response.status_code == 200, response.json()
    return {row["id"] for row in response.json()["results"]}


def test_a_therapist_sees_their_own_overdue_notes(chart, notes):
    with time_machine.travel(NOW, tick=False):
        overdue = ids(as_user(chart.tess).get(URL, {"overdue": "true"}))

    assert overdue == {notes["tess 50h"].pk, notes["tess 48h exactly"].pk}


def test_not_overdue_is_the_rest_of_what_they_may_read(chart, notes):
    with time_machine.travel(NOW, tick=False):
        rest = ids(as_user(chart.tess).get(URL, {"overdue": "false"}))

    assert rest == {notes["tess 10h"].pk, notes["tess 60h signed"].pk}


def test_an_admin_sees_every_therapists_overdue_notes(chart, notes, admin_api):
    with time_machine.travel(NOW, tick=False):
        overdue = ids(admin_api.get(URL, {"overdue": "true"}))

    assert overdue == {notes["tess 50h"].pk, notes["tess 48h exactly"].pk, notes["omar 60h"].pk}


def test_the_clinic_setting_decides_when_a_note_is_overdue(chart, notes):
    factories.make_clinic(note_overdue_hours=8)

    with time_machine.travel(NOW, tick=False):
        overdue = ids(as_user(chart.tess).get(URL, {"overdue": "true"}))

    assert notes["tess 10h"].pk in overdue


def test_signing_takes_a_note_off_the_overdue_list(chart, notes):
    tess = as_user(chart.tess)
    with time_machine.travel(NOW, tick=False):
        tess.post(f"{URL}{notes['tess 50h'].pk}/sign/")
        overdue = ids(tess.get(URL, {"overdue": "true"}))

    assert overdue == {notes["tess 48h exactly"].pk}


def test_signed_and_booking_filters(chart, notes):
    tess = as_user(chart.tess)

    signed = ids(tess.get(URL, {"signed": "true"}))
    unsigned = ids(tess.get(URL, {"signed": "false"}))
    by_booking = ids(tess.get(URL, {"booking": chart.visit.pk}))
    by_therapist = ids(tess.get(URL, {"therapist": chart.omar.pk}))

    assert signed == {notes["tess 60h signed"].pk}
    assert notes["omar 60h"].pk in unsigned and notes["tess 60h signed"].pk not in unsigned
    assert by_booking == {notes["tess 50h"].pk}
    assert by_therapist == {notes["omar 60h"].pk}
