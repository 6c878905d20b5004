"""The consent text a client agrees to is stored and shown by version: the API shows the current
text to anyone, and each intake shows the text of the version it signed."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from clients.models import ConsentText
from clients.services import publish_consent_text
from tests import factories
from tests.clients.conftest import api_for

pytestmark = pytest.mark.django_db

CURRENT = "/api/v1/consent-texts/current/"


def test_the_migration_stores_the_current_consent_text(anon, clinic):
    body = anon.get(CURRENT).json()

    assert body["version"] == "2026-01"
    assert body["text"].startswith("Consent to massage therapy")
    assert body["published_at"].startswith("2025-12-31T19:00:00-05:00")


def test_a_newly_published_version_becomes_current_and_the_old_one_stays_listed(anon, clinic):
    publish_consent_text(version="2026-12", text="Consent, revised: now with cupping.")

    current = anon.get(CURRENT).json()
    listed = anon.get("/api/v1/consent-texts/").json()

    assert current["version"] == "2026-12"
    assert [row["version"] for row in listed["results"]] == ["2026-12", "2026-01"]
    assert anon.get(f"/api/v1/consent-texts/{listed['results'][1]['id']}/").json()["version"] == (
        "2026-01"
    )


def test_a_version_published_later_is_not_shown_or_signable_yet(cast):
    future = publish_consent_text(
        version="2027-01",
        text="Next year's text.",
        published_at=timezone.now() + timedelta(days=30),
    )

    response = api_for(cast, "client_a").post(
        f"/api/v1/clients/{cast.client_a.pk}/intakes/",
        {"consent_given": True, "consent_version": "2027-01"},
        format="json",
    )

    assert factories.api_as(None).get(CURRENT).json()["version"] == "2026-01"
    assert factories.api_as(None).get(f"/api/v1/consent-texts/{future.pk}/").status_code == 404
    assert response.status_code == 400
    assert "2026-01" in response.json()["consent_version"][0]


def test_an_unknown_consent_version_is_a_400_that_names_the_current_one(cast):
    response = api_for(cast, "client_a").post(
        f"/api/v1/clients/{cast.client_a.pk}/intakes/",
        {"consent_given": True, "consent_version": "v7"},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["consent_version"] == [
        "No consent text of version 'v7' was published then. The current version is '2026-01'."
    ]


def test_each_intake_shows_the_text_of_the_version_it_signed(cast):
    old = factories.make_intake(cast.client_a)
    publish_consent_text(version="2026-12", text="Consent, revised.")
    new = factories.make_intake(cast.client_a, consent_version="2026-12")
    base = f"/api/v1/clients/{cast.client_a.pk}/intakes/"

    for who in ("client_a", "therapist", "admin"):
        api = api_for(cast, who)
        assert api.get(f"{base}{old.pk}/consent/").json()["version"] == "2026-01"
        assert api.get(f"{base}{new.pk}/consent/").json()["text"] == "Consent, revised."
    assert api_for(cast, "client_b").get(f"{base}{old.pk}/consent/").status_code == 404
    assert api_for(cast, "other_therapist").get(f"{base}{old.pk}/consent/").status_code == 404


def test_the_database_refuses_to_rewrite_or_delete_a_signed_version(cast):
    factories.make_intake(cast.client_a)
    signed = ConsentText.objects.get(version="2026-01")

    with pytest.raises(IntegrityError, match="has been signed"), transaction.atomic():
        ConsentText.objects.filter(pk=signed.pk).update(text="Something else entirely.")
    with pytest.raises(IntegrityError, match="intake_consent_version_stored"), transaction.atomic():
        ConsentText.objects.filter(pk=signed.pk).delete()


def test_an_unsigned_version_may_still_be_corrected(clinic):
    draft = publish_consent_text(version="2026-12", text="Consent, with a tpyo.")

    ConsentText.objects.filter(pk=draft.pk).update(text="Consent, without a typo.")

    assert ConsentText.objects.get(pk=draft.pk).text == "Consent, without a typo."


def test_a_version_is_published_once(clinic):
    with pytest.raises(ValidationError, match="publish a new version"):
        publish_consent_text(version="2026-01", text="Again")
