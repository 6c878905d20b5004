"""Who sees what on the staff screens: the same rules as the API. A therapist sees only the
clients in their care (anyone else's records are a 404), only their own bookings and charts;
the front desk sees everything but does not write charts; two-factor sign-in as the admin
site and the API ask for it."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_otp.plugins.otp_totp.models import TOTPDevice

from clinic.models import AuditEntry
from tests.staff.conftest import local, point, signed_in
from treatments import services as charting

pytestmark = pytest.mark.django_db


def client_pages(desk, client):
    return [
        f"/staff/clients/{client.pk}/",
        f"/staff/clients/{client.pk}/progress/",
    ]


def test_a_therapist_reads_only_the_clients_in_their_care(desk):
    tess, omar, lina = (signed_in(t.user) for t in (desk.tess, desk.omar, desk.lina))

    for path in client_pages(desk, desk.carl):
        assert tess.get(path).status_code == 200, path
        assert omar.get(path).status_code == 404, path
        assert lina.get(path).status_code == 404, path
    assert omar.get(f"/staff/clients/{desk.erin.pk}/").status_code == 200
    listing = lina.get("/staff/clients/?q=Bishop").content.decode()
    assert "Carl" not in listing


def test_a_therapist_opens_only_their_own_bookings_and_charts(desk):
    omar = signed_in(desk.omar.user)
    desk.carls_visit.status = "checked_in"
    desk.carls_visit.save()

    assert omar.get(f"/staff/bookings/{desk.carls_visit.pk}/").status_code == 404
    assert omar.get(f"/staff/visits/{desk.carls_visit.pk}/chart/").status_code == 404
    refused = omar.post(f"/staff/bookings/{desk.carls_visit.pk}/complete/")
    draft = omar.post(f"/staff/visits/{desk.carls_visit.pk}/chart/draft/", {"subjective": "x"})
    assert refused.status_code == 404 and draft.status_code == 404
    desk.carls_visit.refresh_from_db()
    assert desk.carls_visit.status == "checked_in"


def test_the_front_desk_reads_charts_on_the_client_page_but_never_writes_them(desk, as_admin):
    page = as_admin.get(f"/staff/clients/{desk.carl.pk}/").content.decode()

    assert "Headaches, right side." in page  # last week's signed note
    assert as_admin.get(f"/staff/visits/{desk.carls_visit.pk}/chart/").status_code == 403
    assert as_admin.post(f"/staff/visits/{desk.carls_visit.pk}/chart/draft/", {}).status_code == 403


def test_staff_notes_and_export_follow_the_client_rules(desk, as_admin, as_tess):
    desk.carl.staff_notes = "Prefers the quiet room"
    desk.carl.save()

    for_tess = as_tess.get(f"/staff/clients/{desk.carl.pk}/").content.decode()
    for_desk = as_admin.get(f"/staff/clients/{desk.carl.pk}/").content.decode()
    export = as_admin.get(f"/staff/clients/{desk.carl.pk}/export/")

    assert "Prefers the quiet room" in for_tess and "Prefers the quiet room" in for_desk
    assert "Export their data" in for_desk and "Export their data" not in for_tess
    assert as_tess.get(f"/staff/clients/{desk.carl.pk}/export/").status_code == 404
    assert export.status_code == 200 and export["Content-Type"] == "application/json"
    assert export.json()["client"]["first_name"] == "Carl"
    assert AuditEntry.objects.filter(object_type="clients.client.export").count() == 1


def test_every_chart_read_is_audited(desk, as_tess):
    desk.carls_visit.status = "checked_in"
    desk.carls_visit.save()
    before = AuditEntry.objects.count()

    as_tess.get(f"/staff/visits/{desk.carls_visit.pk}/chart/")
    chart_reads = list(AuditEntry.objects.order_by("id")[before:])
    as_tess.get(f"/staff/clients/{desk.carl.pk}/")
    as_tess.get(f"/staff/clients/{desk.carl.pk}/progress/")
    later = list(AuditEntry.objects.order_by("id")[before + len(chart_reads) :])

    assert {(e.action, e.object_type) for e in chart_reads} == {
        ("read", "clients.intake"),
        ("read", "treatments.treatmentnote"),  # last week's note, drawn on the map
    }
    assert all(e.user == desk.tess.user for e in chart_reads + later)
    assert ("list", "treatments.treatmentnote") in {(e.action, e.object_type) for e in later}
    assert ("list", "clients.intake") in {(e.action, e.object_type) for e in later}
    assert ("read", "trigger_point_progress") in {(e.action, e.object_type) for e in later}
    notes = next(e for e in later if e.object_type == "treatments.treatmentnote")
    assert notes.object_ids == [desk.last_note.pk]


def test_a_refused_page_records_no_read(desk):
    lina = signed_in(desk.lina.user)
    before = AuditEntry.objects.count()

    lina.get(f"/staff/clients/{desk.carl.pk}/progress/")

    assert AuditEntry.objects.count() == before


def test_staff_who_must_use_two_factor_are_asked_to_enrol_first(desk, as_tess):
    desk.clinic.require_staff_2fa = True
    desk.clinic.save()

    response = as_tess.get("/staff/today/")

    assert response.status_code == 403
    assert "Two-factor sign-in needed" in response.content.decode()


def test_a_session_without_the_code_of_an_enrolled_user_signs_in_again(desk, as_tess):
    TOTPDevice.objects.create(user=desk.tess.user, name="app", confirmed=True)

    response = as_tess.get("/staff/today/")

    assert response.status_code == 302 and response["Location"].startswith("/sign-in/")
    assert as_tess.get("/staff/today/").status_code == 302  # signed out


def test_the_client_page_takes_a_fixed_number_of_queries(desk, as_tess):
    def count():
        with CaptureQueriesContext(connection) as queries:
            assert as_tess.get(f"/staff/clients/{desk.carl.pk}/").status_code == 200
        return len(queries)

    count()
    few = count()
    for day in (6, 7, 8, 11, 12):
        visit = desk.booking(desk.tess, desk.carl, local(2026, 4, day, 10), "completed")
        note = charting.create_note(
            user=desk.tess.user, booking=visit, subjective="x", treated_trigger_points=[point()]
        )
        charting.sign_note(user=desk.tess.user, note=note)
        charting.add_amendment(user=desk.tess.user, note=note, text="y")

    assert count() == few
