"""Intakes are health records: every read and write of one is in the audit log."""

from clinic.models import AuditAction, AuditEntry
from tests import factories


def test_intake_list_read_and_create_are_audited(cast):
    intake = factories.make_intake(cast.client_a)
    api = factories.api_as(cast.therapist.user)
    base = f"/api/v1/clients/{cast.client_a.pk}/intakes/"

    assert api.get(base).status_code == 200
    assert api.get(f"{base}{intake.pk}/").status_code == 200
    created = factories.api_as(cast.client_a.user).post(
        base, {"consent_given": True, "consent_version": "2026-01"}, format="json"
    )
    assert created.status_code == 201

    entries = list(AuditEntry.objects.filter(object_type="clients.intake").order_by("id"))
    assert [(e.action, e.user_id) for e in entries] == [
        (AuditAction.LIST, cast.therapist.user_id),
        (AuditAction.READ, cast.therapist.user_id),
        (AuditAction.CREATE, cast.client_a.user_id),
    ]
    assert entries[0].object_ids == [intake.pk]
    assert entries[1].object_id == intake.pk
    assert entries[2].object_id == created.json()["id"]


def test_a_refused_intake_read_leaves_no_audit_entry(cast):
    intake = factories.make_intake(cast.client_a)
    api = factories.api_as(cast.other_therapist.user)
    response = api.get(f"/api/v1/clients/{cast.client_a.pk}/intakes/{intake.pk}/")
    assert response.status_code == 404
    assert not AuditEntry.objects.filter(object_type="clients.intake").exists()


def test_reading_a_client_record_with_its_flags_is_audited(clinic):
    carl = factories.make_client()
    factories.make_intake(carl, takes_anticoagulants=True)
    admin = factories.make_admin("auditor")

    detail = factories.api_as(admin).get(f"/api/v1/clients/{carl.pk}/")
    factories.api_as(admin).get("/api/v1/clients/")

    assert detail.status_code == 200
    assert detail.json()["flags"][0]["code"] == "anticoagulants"
    entries = list(AuditEntry.objects.filter(object_type="clients.client").order_by("id"))
    assert [(e.action, e.user_id) for e in entries] == [("read", admin.pk), ("list", admin.pk)]
    assert entries[0].object_id == carl.pk
    assert entries[1].object_ids == [carl.pk]
