"""The note list: what it shows, in what order, and in a constant number of queries."""

from datetime import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clients.models import Intake
from tests import factories
from treatments import services

from .conftest import TORONTO, as_user, point, write_note

pytestmark = pytest.mark.django_db

URL = "/api/v1/treatment-notes/"


def chart_another_client(chart, day):
    """A new client of tess's with an intake flag, a signed note and an amendment."""
    client = factories.make_client()
    Intake.objects.create(
        client=client,
        osteoporosis=True,
        consent_given=True,
        consent_version="2026-01",
        consent_signed_at=datetime(2026, 1, 1, tzinfo=TORONTO),
    )
    booking = chart.book(client=client, day=day)
    note = write_note(booking, sign=True, points=[point(), point(muscle="scalenes")])
    services.add_amendment(user=chart.tess.user, note=note, text="Addendum.")
    return note


def test_the_list_takes_a_constant_number_of_queries(chart):
    tess = as_user(chart.tess)
    chart_another_client(chart, 6)
    tess.get(URL)  # warm up

    with CaptureQueriesContext(connection) as one:
        assert tess.get(URL).json()["count"] == 1
    for day in (7, 8, 9, 12, 13, 14):
        chart_another_client(chart, day)
    write_note(chart.visit)
    with CaptureQueriesContext(connection) as eight:
        body = tess.get(URL).json()

    assert body["count"] == 8
    assert all(len(n["treated_trigger_points"]) >= 1 for n in body["results"])
    assert sum(len(n["amendments"]) for n in body["results"]) == 7
    assert [len(n["client_flags"]) for n in body["results"]].count(1) == 7
    assert len(eight) == len(one)
    # token (with its user and their therapist profile), count, notes, points, amendments,
    # flags, audit entry (the clinic's time zone is cached per process by the middleware)
    assert len(eight) == 7, [q["sql"] for q in eight.captured_queries]


def test_newest_first_by_default_and_ordering_by_visit(chart):
    january_19 = write_note(chart.book(day=19))
    january_5 = write_note(chart.visit)  # written later, for an earlier visit

    tess = as_user(chart.tess)
    default = [n["id"] for n in tess.get(URL).json()["results"]]
    latest_visit_first = [
        n["id"] for n in tess.get(URL, {"ordering": "-booking__start"}).json()["results"]
    ]

    assert default == [january_5.pk, january_19.pk]
    assert latest_visit_first == [january_19.pk, january_5.pk]


@pytest.mark.parametrize(
    "query",
    [
        {"booking": "abc"},
        {"booking": "1.5"},
        {"client": "x"},
        {"therapist": "[]"},
        {"ordering": "nonsense"},
        {"overdue": "maybe"},
        {"signed": "perhaps"},
    ],
)
def test_malformed_filters_are_a_400(chart, query):
    write_note(chart.visit)

    response = as_user(chart.tess).get(URL, query)

    assert response.status_code == 400
    assert set(response.json()) == set(query)


@pytest.mark.parametrize(
    "query",
    [
        {"booking": "99999999999999999999999"},
        {"therapist": "-99999999999999999999999"},
        {"page_size": "1000"},
    ],
)
def test_odd_but_well_formed_filters_are_not_a_500(chart, query):
    write_note(chart.visit)

    response = as_user(chart.tess).get(URL, query)

    assert response.status_code == 200


@pytest.mark.parametrize("query", [{"overdue": "maybe"}, {"signed": "perhaps"}])
def test_a_boolean_filter_that_is_neither_true_nor_false_is_a_400_naming_it(chart, query):
    response = as_user(chart.tess).get(URL, query)

    assert response.status_code == 400
    assert set(response.json()) == set(query)


def test_a_huge_client_id_is_404(chart):
    response = as_user(chart.tess).get(URL, {"client": "99999999999999999999999"})

    assert response.status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        f"{URL}abc/",
        f"{URL}99999999999999999999999/",
        f"{URL}99999999999999999999999/sign/",
        f"{URL}99999999999999999999999/amendments/",
        "/api/v1/clients/99999999999999999999999/trigger-point-progress/",
    ],
)
def test_odd_ids_in_paths_are_404(chart, path):
    tess = as_user(chart.tess)

    assert tess.get(path).status_code in (404, 405)
    assert tess.post(path, {"text": "x"}).status_code in (404, 405)


def test_the_browsable_api_form_does_not_list_other_clients_bookings(chart):
    page = as_user(chart.tess).get(URL, HTTP_ACCEPT="text/html")

    assert page.status_code == 200
    assert b"Okafor" not in page.content
