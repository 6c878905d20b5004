"""Everyone who might knock on a client record's door."""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone

from tests import factories


@dataclass
class Cast:
    admin: object
    client_a: object  # Client records; .user is the login
    client_b: object
    therapist: object  # has a (past) booking with client A
    other_therapist: object  # no booking with anyone
    service: object


@pytest.fixture
def cast(clinic, admin_user):
    service = factories.make_service()
    client_a = factories.make_client(first_name="Alma", last_name="Ashby")
    client_b = factories.make_client(first_name="Bea", last_name="Brandt")
    therapist = factories.make_therapist(services=[service])
    factories.make_booking(
        therapist=therapist,
        client=client_a,
        service=service,
        start=timezone.now() - timedelta(days=7),
        status="completed",
    )
    return Cast(
        admin=admin_user,
        client_a=client_a,
        client_b=client_b,
        therapist=therapist,
        other_therapist=factories.make_therapist(services=[service]),
        service=service,
    )


def api_for(cast: Cast, who: str):
    """An API client for a role name used in parametrized tests."""
    users = {
        "anonymous": None,
        "admin": cast.admin,
        "client_a": cast.client_a.user,
        "client_b": cast.client_b.user,
        "therapist": cast.therapist.user,
        "other_therapist": cast.other_therapist.user,
    }
    return factories.api_as(users[who])
