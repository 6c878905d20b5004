"""The Django admin: clients with their intakes inline and flags in view."""

import pytest

from clients.models import Client
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser(client, admin_user, clinic):
    client.force_login(admin_user)
    return client


def test_the_client_list_shows_each_clients_flags(browser, django_assert_max_num_queries):
    for n in range(10):
        factories.make_intake(factories.make_client(), takes_anticoagulants=n % 2 == 0)
    factories.make_intake(factories.make_client(first_name="Feverish"), fever_or_infection=True)

    with django_assert_max_num_queries(10):
        response = browser.get("/admin/clients/client/")

    page = response.content.decode()
    assert response.status_code == 200
    assert page.count("anticoagulants (high)") == 5
    assert "fever (critical)" in page


def test_the_client_page_shows_flags_and_intakes_inline(browser):
    client = factories.make_client(first_name="Dana")
    factories.make_consent_text("2025-06")
    factories.make_intake(client, consent_version="2025-06")
    factories.make_intake(client, consent_version="2026-01", takes_anticoagulants=True)

    response = browser.get(f"/admin/clients/client/{client.pk}/change/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "2025-06" in page
    assert "2026-01" in page
    assert "<strong>high</strong>: Anticoagulant medication: bruising risk" in page


def test_the_intake_page_shows_reported_trigger_points_inline(browser):
    intake = factories.make_intake(
        factories.make_client(),
        reported_trigger_points=[
            {"muscle": "levator_scapulae", "side": "left", "pain": 5, "refers_to": "neck"}
        ],
        osteoporosis=True,
    )

    response = browser.get(f"/admin/clients/intake/{intake.pk}/change/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "Levator scapulae" in page
    assert "osteoporosis (medium)" in page


def test_the_intake_list_shows_flags(browser):
    factories.make_intake(factories.make_client(), skin_condition=True)

    response = browser.get("/admin/clients/intake/")

    assert "skin_condition (low)" in response.content.decode()


def test_the_front_desk_edits_a_client_in_the_admin(browser):
    client = factories.make_client(with_login=False, first_name="Walk", last_name="In")

    response = browser.post(
        f"/admin/clients/client/{client.pk}/change/",
        {
            "first_name": "Walker",
            "last_name": "In",
            "email": "",
            "phone": "",
            "pronouns": "",
            "emergency_contact_name": "",
            "emergency_contact_phone": "",
            "staff_notes": "Came by on a Tuesday",
            "intakes-TOTAL_FORMS": "0",
            "intakes-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302
    client.refresh_from_db()
    assert (client.first_name, client.staff_notes) == ("Walker", "Came by on a Tuesday")


def test_client_records_are_not_deleted_in_the_admin(browser):
    client = factories.make_client()

    response = browser.post(f"/admin/clients/client/{client.pk}/delete/", {"post": "yes"})

    assert response.status_code == 403
    assert Client.objects.filter(pk=client.pk).exists()
