"""Every read and write of a chart leaves an audit entry: who, what, which action, when, from
where. Refused requests leave none."""

from datetime import datetime

import pytest
import time_machine
from django.test import Client as BrowserClient

from clinic.models import AuditEntry

from .conftest import TORONTO, as_user, note_payload, write_note

pytestmark = pytest.mark.django_db

URL = "/api/v1/treatment-notes/"
NOW = datetime(2026, 1, 5, 15, 45, tzinfo=TORONTO)


def entries():
    return list(
        AuditEntry.objects.order_by("id").values_list(
            "user_id", "action", "object_type", "object_id"
        )
    )


def test_reading_a_note_records_who_what_when_and_from_where(chart):
    note = write_note(chart.visit)

    with time_machine.travel(NOW, tick=False):
        response = as_user(chart.omar).get(f"{URL}{note.pk}/", REMOTE_ADDR="203.0.113.7")

    assert response.status_code == 200
    entry = AuditEntry.objects.get()
    assert entry.user == chart.omar.user
    assert entry.action == "read"
    assert entry.object_type == "treatments.treatmentnote"
    assert entry.object_id == note.pk
    assert entry.at == NOW
    assert entry.remote_addr == "203.0.113.7"
    assert entry.path == f"{URL}{note.pk}/"


def test_every_read_is_recorded_each_time(chart):
    note = write_note(chart.visit)
    omar = as_user(chart.omar)

    for _ in range(3):
        omar.get(f"{URL}{note.pk}/")

    assert AuditEntry.objects.filter(action="read", object_id=note.pk).count() == 3


def test_a_list_records_the_notes_it_showed_and_the_filters(chart):
    notes = [write_note(chart.visit), write_note(chart.book(day=12))]
    write_note(chart.danas_visit)

    as_user(chart.tess).get(URL, {"client": chart.carl.pk})

    entry = AuditEntry.objects.get()
    assert (entry.user, entry.action, entry.object_id) == (chart.tess.user, "list", None)
    assert sorted(entry.object_ids) == sorted(n.pk for n in notes)
    assert entry.path == f"{URL}?client={chart.carl.pk}"
    # "Who has seen note N?" finds list reads too.
    assert AuditEntry.objects.filter(object_ids__contains=[notes[0].pk]).count() == 1


def test_each_write_is_recorded_with_its_action(chart):
    tess = as_user(chart.tess)
    user = chart.tess.user.pk
    kind = "treatments.treatmentnote"

    note_id = tess.post(URL, note_payload(chart.visit)).json()["id"]
    tess.patch(f"{URL}{note_id}/", {"plan": "Weekly."})
    tess.put(f"{URL}{note_id}/", {"plan": "Fortnightly."})
    tess.post(f"{URL}{note_id}/sign/")
    tess.post(f"{URL}{note_id}/amendments/", {"text": "Also heat."})
    tess.get(f"{URL}{note_id}/amendments/")
    draft_id = tess.post(URL, note_payload(chart.book(day=12))).json()["id"]
    tess.delete(f"{URL}{draft_id}/")

    assert entries() == [
        (user, "create", kind, note_id),
        (user, "update", kind, note_id),
        (user, "update", kind, note_id),
        (user, "sign", kind, note_id),
        (user, "amend", kind, note_id),
        (user, "read", kind, note_id),
        (user, "create", kind, draft_id),
        (user, "delete", kind, draft_id),
    ]


def test_refused_and_failed_requests_record_nothing(chart):
    note = write_note(chart.visit, sign=True)

    as_user(chart.lina).get(f"{URL}{note.pk}/")  # 404
    as_user(chart.carl).get(URL)  # 403
    as_user(chart.omar).patch(f"{URL}{note.pk}/", {"plan": "x"})  # 403
    as_user(chart.tess).patch(f"{URL}{note.pk}/", {"plan": "x"})  # 403, locked
    as_user(chart.tess).post(URL, note_payload(chart.visit))  # 400, second note
    as_user(None).get(f"{URL}{note.pk}/")  # 401

    assert entries() == []


def test_reading_progress_is_recorded(chart):
    as_user(chart.admin).get(f"/api/v1/clients/{chart.carl.pk}/trigger-point-progress/")

    assert entries() == [(chart.admin.pk, "read", "trigger_point_progress", chart.carl.pk)]


def test_opening_a_note_in_the_admin_is_a_recorded_read(chart):
    note = write_note(chart.visit, sign=True)
    browser = BrowserClient()
    browser.force_login(chart.admin)

    page = browser.get(f"/admin/treatments/treatmentnote/{note.pk}/change/")

    assert page.status_code == 200
    assert b"Neck pain." in page.content
    assert entries() == [(chart.admin.pk, "read", "treatments.treatmentnote", note.pk)]
