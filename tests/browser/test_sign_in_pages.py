"""The foundation's own pages in Chromium: sign in with a session, sign out, the 404 page;
keyboard only, and axe-core finds nothing serious."""

import pytest

from tests import factories
from tests.browser.conftest import assert_accessible

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_client_signs_in_and_out_with_the_keyboard_only(page, site):
    factories.make_clinic(name="Quiet Hands Clinic")
    client = factories.make_client()
    site.open(page, "/sign-in/")
    assert_accessible(page)

    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to main content"
    page.get_by_label("Username").focus()
    page.keyboard.type(client.user.username)
    page.keyboard.press("Tab")
    page.keyboard.type(factories.PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")

    assert page.get_by_role("button", name="Sign out").is_visible()
    assert page.get_by_role("link", name="Quiet Hands Clinic").is_visible()
    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").press("Enter")
    assert page.get_by_role("link", name="Sign in").is_visible()


def test_a_wrong_password_says_so_where_focus_lands(page, site):
    factories.make_clinic()
    site.open(page, "/sign-in/")
    page.get_by_label("Username").fill("someone")
    page.get_by_label("Password").fill("not it")
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()

    summary = page.get_by_role("alert")
    assert summary.is_visible()
    assert page.evaluate("document.activeElement.hasAttribute('data-error-summary')")
    assert_accessible(page)


def test_the_missing_page_is_ours_and_accessible_on_a_phone(phone, site):
    factories.make_clinic()
    site.open(phone, "/no-such-page/")

    assert phone.get_by_role("heading", name="We could not find that page").is_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    assert_accessible(phone)


def test_the_axe_check_fails_a_page_with_a_serious_violation(page):
    page.set_content("<html lang='en'><body><main><img src='x.png'></main></body></html>")

    with pytest.raises(AssertionError, match="image-alt"):
        assert_accessible(page)
