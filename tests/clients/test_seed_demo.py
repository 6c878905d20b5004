"""The demo clinic has clients with intakes, and their flags show."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from clients.models import Client, Intake
from tests import factories

pytestmark = pytest.mark.django_db


def test_demo_clients_have_intakes_and_flags():
    call_command("seed_demo", stdout=StringIO())
    api = factories.api_as(get_user_model().objects.get(username="admin"))

    flags = {
        row["first_name"]: [flag["code"] for flag in row["flags"]]
        for row in api.get("/api/v1/clients/").json()["results"]
    }

    assert flags == {
        "Carl": [],
        "Dana": ["anticoagulants"],
        "Eli": [],
        "Fay": ["recent_surgery"],
    }
    fay = Client.objects.get(user__username="fay")
    detail = api.get(f"/api/v1/clients/{fay.pk}/").json()
    assert detail["latest_intake"]["reported_trigger_points"][0]["muscle"] == "infraspinatus"


def test_seeding_twice_adds_no_second_intake():
    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo", stdout=StringIO())

    assert Intake.objects.count() == 4


def test_the_demo_therapist_sees_their_demo_client():
    call_command("seed_demo", stdout=StringIO())
    tess = Client.objects.get(user__username="carl").bookings.first().therapist

    rows = factories.api_as(tess.user).get("/api/v1/clients/").json()["results"]

    assert [row["first_name"] for row in rows] == ["Carl"]


def test_the_demo_shows_a_flag_resolution():
    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo", stdout=StringIO())
    carl = Client.objects.get(user__username="carl")
    tess = carl.bookings.first().therapist

    history = (
        factories.api_as(tess.user)
        .get(f"/api/v1/clients/{carl.pk}/flag-resolutions/")
        .json()["results"]
    )
    intake = factories.api_as(carl.user).get(f"/api/v1/clients/{carl.pk}/intakes/").json()

    assert [(r["code"], r["standing"], r["resolved_by"]) for r in history] == [
        ("skin_condition", True, tess.user_id)
    ]
    assert "eczema" in history[0]["reason"]
    assert [f["code"] for f in intake["results"][0]["flags"]] == ["skin_condition"]
