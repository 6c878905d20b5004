"""The one screen of our own so far: the admin site's sign-in page, which asks staff for a
two-factor code when the clinic requires it. Driven in Chromium as a person would."""

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests import factories

PASSWORD = "a-long-passphrase-9"
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def front_desk(db):
    factories.make_clinic(require_staff_2fa=True)
    admin = factories.make_admin("desk")
    admin.set_password(PASSWORD)
    admin.save()
    device = TOTPDevice.objects.create(user=admin, name="Authenticator app", confirmed=True)
    return admin, device


def sign_in(page, live_server, *, code: str):
    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Username").fill("desk")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Two-factor code").fill(code)
    with page.expect_navigation():
        page.keyboard.press("Enter")  # a keyboard user submits the form the same way


def test_staff_sign_in_with_their_code_and_reach_the_site(page, live_server, front_desk):
    _, device = front_desk

    sign_in(page, live_server, code=f"{totp(device.bin_key):06d}")

    assert page.get_by_role("heading", name="Site administration").is_visible()


def test_a_wrong_code_keeps_them_out_and_says_why(page, live_server, front_desk):
    sign_in(page, live_server, code="000000")

    assert page.url.startswith(f"{live_server.url}/admin/login/")
    assert page.locator(".errornote").first.is_visible()
    assert not page.get_by_role("heading", name="Site administration").count()


def test_every_field_of_the_sign_in_form_has_a_label(page, live_server, front_desk):
    page.goto(f"{live_server.url}/admin/login/")

    for name in ("Username", "Password", "Two-factor code"):
        assert page.get_by_label(name).count() == 1, name
