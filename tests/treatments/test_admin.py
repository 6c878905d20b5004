"""Notes in the admin: listed and readable with their points and amendments, never written."""

import pytest
from django.test import Client as BrowserClient
from django.utils import timezone

from treatments import services
from treatments.models import TreatmentNote

from .conftest import TORONTO, write_note

pytestmark = pytest.mark.django_db

ADMIN = "/admin/treatments/treatmentnote/"


@pytest.fixture
def browser(chart):
    browser = BrowserClient()
    browser.force_login(chart.admin)
    return browser


def test_the_admin_lists_and_filters_notes(chart, browser):
    write_note(chart.visit, sign=True)
    write_note(chart.danas_visit)

    for query in ("", "?signed_at__isempty=1", f"?therapist__id__exact={chart.tess.pk}", "?q=Carl"):
        page = browser.get(f"{ADMIN}{query}")
        assert page.status_code == 200, query
    assert b"Bishop" in browser.get(f"{ADMIN}?q=Carl").content
    assert b"Okafor" not in browser.get(f"{ADMIN}?q=Carl").content


def test_a_note_shows_its_points_and_amendments_read_only(chart, browser):
    note = write_note(chart.visit, sign=True)
    services.add_amendment(user=chart.tess.user, note=note, text="Pressure was 4.")

    page = browser.get(f"{ADMIN}{note.pk}/change/")

    assert page.status_code == 200
    assert b"Pressure was 4." in page.content
    assert b"Upper trapezius" in page.content
    assert b'name="_save"' not in page.content


@pytest.mark.parametrize("sign", [True, False])
def test_nobody_writes_notes_in_the_admin(chart, browser, sign):
    note = write_note(chart.visit, sign=sign)

    assert browser.get(f"{ADMIN}add/").status_code == 403
    assert browser.post(f"{ADMIN}{note.pk}/change/", {"plan": "x"}).status_code == 403
    assert browser.post(f"{ADMIN}{note.pk}/delete/", {"post": "yes"}).status_code == 403
    note.refresh_from_db()
    assert note.plan == ""
    assert TreatmentNote.objects.filter(pk=note.pk).exists()


def test_times_are_the_clinics_with_the_zones_abbreviation(chart, browser):
    note = write_note(chart.visit, sign=True)
    zone = timezone.localtime(note.signed_at, TORONTO).strftime("%Z")
    signed = timezone.localtime(note.signed_at, TORONTO).strftime("%H:%M")

    listing = browser.get(ADMIN).content.decode()
    page = browser.get(f"{ADMIN}{note.pk}/change/").content.decode()

    visit = timezone.localtime(chart.visit.start, TORONTO)
    assert f"{visit:%H:%M} {visit:%Z}" in listing
    assert f"{signed} {zone}" in page
