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


def test_resolved_flags_leave_the_admin_and_their_resolution_shows(
    browser, admin_user, django_assert_max_num_queries
):
    from clients.services import resolve_flag

    dana = factories.make_client(first_name="Dana")
    factories.make_intake(dana, takes_anticoagulants=True, osteoporosis=True)
    resolve_flag(dana, code="anticoagulants", reason="Stopped warfarin", resolved_by=admin_user)
    for _ in range(5):
        factories.make_intake(factories.make_client(), takes_anticoagulants=True)

    with django_assert_max_num_queries(10):
        listing = browser.get("/admin/clients/client/").content.decode()
    page = browser.get(f"/admin/clients/client/{dana.pk}/change/").content.decode()

    assert listing.count("anticoagulants (high)") == 5  # not Dana's: resolved
    assert "osteoporosis (medium)" in listing
    assert "<strong>high</strong>: Anticoagulant" not in page
    assert "<strong>medium</strong>: " in page
    assert "Stopped warfarin" in page and "(standing)" in page


def consent_form(version, text="Consent v2.", published_at_0="", published_at_1=""):
    return {
        "version": version,
        "text": text,
        "published_at_0": published_at_0,
        "published_at_1": published_at_1,
    }


def test_the_admin_publishes_a_new_consent_version_through_the_service(browser):
    from clients.models import ConsentText

    added = browser.post("/admin/clients/consenttext/add/", {"version": "2026-09", "text": "v2"})
    again = browser.post("/admin/clients/consenttext/add/", {"version": "2026-09", "text": "v3"})
    blank = browser.post("/admin/clients/consenttext/add/", {"version": "2026-10", "text": " "})

    assert added.status_code == 302
    assert ConsentText.objects.get(version="2026-09").text == "v2"
    assert again.status_code == 200 and "publish a new version" in again.content.decode()
    assert blank.status_code == 200 and not ConsentText.objects.filter(version="2026-10").exists()
    assert browser.get("/admin/clients/consenttext/").status_code == 200


def test_a_signed_consent_version_is_read_only_and_never_a_500(browser):
    from clients.models import ConsentText

    signed = ConsentText.objects.get(version=factories.CONSENT_VERSION)
    factories.make_intake(factories.make_client(), consent_version=signed.version)
    unsigned = factories.make_consent_text("2027-01")
    url = f"/admin/clients/consenttext/{signed.pk}/"

    view = browser.get(f"{url}change/")
    edit = browser.post(f"{url}change/", {"version": signed.version, "text": "Rewritten"})
    delete = browser.post(f"{url}delete/", {"post": "yes"})
    bulk = browser.post(
        "/admin/clients/consenttext/",
        {"action": "delete_selected", "_selected_action": [signed.pk], "post": "yes"},
    )
    unsigned_delete = browser.post(
        f"/admin/clients/consenttext/{unsigned.pk}/delete/", {"post": "yes"}
    )

    assert view.status_code == 200 and signed.text.split("\n")[0] in view.content.decode()
    assert edit.status_code == 403
    assert delete.status_code == 403
    assert bulk.status_code in (200, 302)
    signed.refresh_from_db()
    assert signed.text != "Rewritten"
    assert unsigned_delete.status_code == 302
    assert not ConsentText.objects.filter(pk=unsigned.pk).exists()
