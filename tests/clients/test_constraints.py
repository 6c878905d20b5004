"""The database itself refuses what the services refuse, whoever writes."""

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from clients.models import Client, Intake, ReportedTriggerPoint
from tests import factories

pytestmark = pytest.mark.django_db


def consented(**fields):
    return {
        "consent_given": True,
        "consent_version": "2026-01",
        "consent_signed_at": timezone.now(),
        **fields,
    }


def refused(constraint: str, make):
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        make()


@pytest.mark.parametrize(
    "missing",
    [
        {"consent_given": False},
        {"consent_version": ""},
        {"consent_signed_at": None},
    ],
)
def test_an_intake_without_consent_is_refused(missing):
    client = factories.make_client()

    refused(
        "intake_requires_consent",
        lambda: Intake.objects.create(client=client, **consented(**missing)),
    )


@pytest.mark.parametrize("detail", [{"pregnancy_weeks": 10}, {"high_risk_pregnancy": True}])
def test_pregnancy_details_need_a_pregnancy(detail):
    client = factories.make_client()

    refused(
        "intake_pregnancy_details_only_when_pregnant",
        lambda: Intake.objects.create(client=client, **consented(**detail)),
    )


def test_pregnancy_weeks_stop_at_45():
    client = factories.make_client()

    refused(
        "intake_pregnancy_weeks_range",
        lambda: Intake.objects.create(
            client=client, **consented(pregnant=True, pregnancy_weeks=46)
        ),
    )


@pytest.mark.parametrize("pain", [11, 200])
def test_reported_pain_stays_on_the_0_to_10_scale(pain):
    intake = factories.make_intake(factories.make_client())

    refused(
        "reported_tp_pain_range",
        lambda: ReportedTriggerPoint.objects.create(
            intake=intake, muscle="scalenes", side="left", pain=pain, refers_to="arm"
        ),
    )


def test_two_client_records_cannot_share_an_email_in_any_case():
    factories.make_client(email="same@example.com")

    refused(
        "client_email_unique_ci",
        lambda: Client.objects.create(first_name="A", last_name="B", email="SAME@example.com"),
    )


def test_any_number_of_client_records_may_have_no_email():
    factories.make_client(with_login=False, email="")
    factories.make_client(with_login=False, email="")

    assert Client.objects.filter(email="").count() == 2
