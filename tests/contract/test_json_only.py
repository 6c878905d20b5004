"""Every API operation takes JSON bodies only: a form or multipart body is a 415 and writes
nothing (a form-posted intake once answered 201 with its nested trigger points dropped)."""

from urllib.parse import urlencode

import pytest
from django.contrib.auth import get_user_model

from bookings.models import Booking
from clients.models import Client, Intake
from clinic.models import Service
from tests import factories

pytestmark = pytest.mark.django_db

FLAT = {"username": "newbie", "password": "a-long-passphrase-9", "first_name": "Nia"}


@pytest.fixture
def world(clinic):
    service = factories.make_service()
    therapist = factories.make_therapist(services=[service])
    client = factories.make_client()
    return {"service": service, "therapist": therapist, "client": client}


@pytest.mark.parametrize("format", ["multipart", "form"])
def test_a_form_or_multipart_body_is_refused_with_415_and_nothing_is_written(
    world, admin_user, format
):
    client, admin = world["client"], factories.api_as(admin_user)
    client_api = factories.api_as(client.user)
    counts = (Intake.objects.count(), Booking.objects.count(), Service.objects.count())
    users, clients = get_user_model().objects.count(), Client.objects.count()
    content_type = {
        "multipart": "multipart/form-data; boundary=BoUnDaRy",
        "form": "application/x-www-form-urlencoded",
    }[format]
    attempts = [
        (client_api, f"/api/v1/clients/{client.pk}/intakes/", {"consent_given": "true"}),
        (
            client_api,
            "/api/v1/bookings/",
            {"therapist": world["therapist"].pk, "service": world["service"].pk},
        ),
        (admin, "/api/v1/services/", {"name": "Form", "duration_minutes": "60", "price": "1"}),
        (factories.api_as(None), "/api/v1/auth/register/", FLAT),
        (factories.api_as(None), "/api/v1/auth/token/", {"username": "x", "password": "y"}),
    ]
    for api, url, data in attempts:
        if format == "form":
            response = api.generic("POST", url, urlencode(data), content_type=content_type)
        else:
            response = api.post(url, data, format="multipart")

        assert response.status_code == 415, (url, response.status_code, response.content)
        assert "detail" in response.json()
    assert (Intake.objects.count(), Booking.objects.count(), Service.objects.count()) == counts
    assert (get_user_model().objects.count(), Client.objects.count()) == (users, clients)


def test_the_schema_declares_json_request_bodies_only(anon):
    schema = anon.get("/api/schema/?format=json").json()

    media_types = {
        media
        for path in schema["paths"].values()
        for operation in path.values()
        for media in operation.get("requestBody", {}).get("content", {})
    }

    assert media_types == {"application/json"}


@pytest.mark.parametrize("body", [[], ["admin"], "text", 7])
def test_a_json_body_that_is_not_an_object_is_a_400(anon, clinic, body):
    response = anon.post("/api/v1/auth/token/", body, format="json")

    assert response.status_code == 400
    assert "non_field_errors" in response.json()


def test_a_nul_byte_in_the_username_is_a_400_not_a_500(anon, clinic):
    response = anon.post(
        "/api/v1/auth/token/", {"username": "a\x00b", "password": "x"}, format="json"
    )

    assert response.status_code == 400
    assert "username" in response.json()
