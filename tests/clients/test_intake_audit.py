"""Reading or writing an intake leaves an audit entry (who, what, action, address)."""

import pytest

from clinic.models import AuditEntry
from tests import factories

INTAKE = {
    "consent_given": True,
    "consent_version": "2026-01",
    "reported_trigger_points": [
        {"muscle": "upper_trapezius", "side": "right", "pain": 6, "refers_to": "headache"}
    ],
}


@pytest.fixture
def carl(clinic):
    return factories.make_client()


def test_creating_listing_and_reading_an_intake_are_audited(carl):
    api = factories.api_as(carl.user)
    url = f"/api/v1/clients/{carl.pk}/intakes/"

    created = api.post(url, INTAKE, REMOTE_ADDR="203.0.113.7")
    api.get(url)
    api.get(f"{url}{created.json()['id']}/")

    assert created.status_code == 201, created.json()
    entries = list(AuditEntry.objects.order_by("id"))
    assert [(e.action, e.object_type, e.user_id) for e in entries] == [
        ("create", "clients.intake", carl.user.pk),
        ("list", "clients.intake", carl.user.pk),
        ("read", "clients.intake", carl.user.pk),
    ]
    assert entries[0].remote_addr == "203.0.113.7"
    assert entries[1].object_ids == [created.json()["id"]]
    assert entries[2].object_id == created.json()["id"]


def test_a_refused_read_records_nothing(carl):
    stranger = factories.make_client()

    response = factories.api_as(stranger.user).get(f"/api/v1/clients/{carl.pk}/intakes/")

    assert response.status_code == 404
    assert not AuditEntry.objects.exists()
