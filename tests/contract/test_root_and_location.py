"""`/api/v1/` lists the resources; every 201 says where the new thing lives (`Location`)."""

import pytest

from tests import factories

pytestmark = pytest.mark.django_db


def test_the_api_root_lists_the_resources(anon, clinic):
    response = anon.get("/api/v1/")

    assert response.status_code == 200
    body = response.json()
    assert body["bookings"] == "http://testserver/api/v1/bookings/"
    assert body["treatment_notes"] == "http://testserver/api/v1/treatment-notes/"
    assert body["schema"] == "http://testserver/api/schema/"
    assert body["consent_texts"] == "http://testserver/api/v1/consent-texts/"
    for url in body.values():
        assert anon.get(url).status_code in (200, 400, 401, 405), url  # routed, not 404


def test_a_create_answers_location_of_what_it_made(admin_api, clinic, anon):
    service = admin_api.post(
        "/api/v1/services/",
        {
            "name": "Deep tissue, 60",
            "modality": "deep_tissue",
            "duration_minutes": 60,
            "price": "90",
        },
    )
    assert service.status_code == 201, service.json()
    assert service["Location"] == f"http://testserver/api/v1/services/{service.json()['id']}/"
    assert admin_api.get(service["Location"]).json() == service.json()

    # Self sign-up answers 202 whatever the address (no account enumeration): nothing to
    # point at yet. The front desk's create is a 201 with its Location.
    signed_up = anon.post(
        "/api/v1/auth/register/",
        {
            "username": "nia",
            "password": "a-long-passphrase-9",
            "email": "nia@example.com",
            "first_name": "Nia",
            "last_name": "Long",
        },
    )
    assert signed_up.status_code == 202, signed_up.json()
    assert not signed_up.has_header("Location")
    registered = admin_api.post(
        "/api/v1/clients/",
        {"first_name": "Nia", "last_name": "Long", "email": "nia.long@example.com"},
    )
    assert registered.status_code == 201, registered.json()
    client_id = registered.json()["id"]
    assert registered["Location"] == f"http://testserver/api/v1/clients/{client_id}/"

    intake = admin_api.post(
        f"/api/v1/clients/{client_id}/intakes/",
        {"consent_given": True, "consent_version": "2026-01"},
    )
    assert intake.status_code == 201, intake.json()
    assert intake["Location"].endswith(
        f"/api/v1/clients/{client_id}/intakes/{intake.json()['id']}/"
    )

    therapist = factories.make_therapist()
    hours = admin_api.post(
        f"/api/v1/therapists/{therapist.pk}/working-hours/",
        {"weekday": 6, "start_time": "09:00", "end_time": "12:00"},
    )
    assert hours.status_code == 201, hours.json()
    assert hours["Location"].endswith(
        f"/api/v1/therapists/{therapist.pk}/working-hours/{hours.json()['id']}/"
    )
