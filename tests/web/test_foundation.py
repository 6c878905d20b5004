"""The screens' foundation: session sign-in with the API's lockout and throttle, error pages
in HTML for people and JSON for the API, no-store for signed-in pages, and no inline script."""

import re
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.throttling import SimpleRateThrottle

from tests import factories
from web.colours import AA, contrast, palette

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
SIGN_IN = "/sign-in/"


@pytest.fixture
def browser_client():
    return Client(enforce_csrf_checks=False)


def sign_in(client, username, password=factories.PASSWORD, **extra):
    return client.post(SIGN_IN, {"username": username, "password": password, **extra})


def test_the_sign_in_page_labels_every_field_and_is_not_cached(browser_client, clinic):
    page = browser_client.get(SIGN_IN)

    assert page.status_code == 200
    html = page.content.decode()
    for name in ("id_username", "id_password", "id_otp_token"):
        assert f'<label for="{name}">' in html
    assert "no-store" in page["Cache-Control"]
    assert 'class="skip-link" href="#main"' in html
    assert clinic.name in html


def test_a_client_signs_in_lands_on_a_page_and_signs_out_with_a_post(browser_client, clinic):
    client = factories.make_client()

    answer = sign_in(browser_client, client.user.username)

    assert answer.status_code == 302
    assert "_auth_user_id" in browser_client.session
    home = browser_client.get("/")
    assert "no-store" in home["Cache-Control"]  # a signed-in user's page is never kept
    assert browser_client.get(reverse("web:sign-out")).status_code == 200  # GET only asks
    assert "_auth_user_id" in browser_client.session
    assert browser_client.post(reverse("web:sign-out")).status_code == 302
    assert "_auth_user_id" not in browser_client.session


def test_next_is_followed_only_to_this_site(browser_client, clinic):
    client = factories.make_client()

    inside = sign_in(browser_client, client.user.username, next="/somewhere/")
    browser_client.post(reverse("web:sign-out"))
    outside = sign_in(browser_client, client.user.username, next="https://evil.example/")

    assert inside["Location"] == "/somewhere/"
    assert "evil" not in outside["Location"]


def test_a_wrong_password_is_a_400_with_the_form_and_its_error(browser_client, clinic):
    client = factories.make_client()

    answer = sign_in(browser_client, client.user.username, password="wrong")

    assert answer.status_code == 400
    assert "error-summary" in answer.content.decode()
    assert "_auth_user_id" not in browser_client.session


def test_the_lockout_is_the_apis_a_locked_pair_cannot_sign_in_on_pages_or_the_api(
    browser_client, clinic, settings
):
    client = factories.make_client()
    username = client.user.username
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert sign_in(browser_client, username, password="wrong").status_code == 400

    last = sign_in(browser_client, username, password="wrong")
    right_password = sign_in(browser_client, username)
    api = factories.api_as(None).post(
        "/api/v1/auth/token/", {"username": username, "password": factories.PASSWORD}
    )

    assert last.status_code == 429
    assert "Too many failed sign-ins" in last.content.decode()
    assert right_password.status_code == 429
    assert "_auth_user_id" not in browser_client.session
    assert api.status_code == 429


def test_failures_through_the_api_lock_the_page_sign_in_too(browser_client, clinic, settings):
    client = factories.make_client()
    api = factories.api_as(None)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        api.post("/api/v1/auth/token/", {"username": client.user.username, "password": "no"})

    assert sign_in(browser_client, client.user.username).status_code == 429


def test_the_auth_throttle_counts_page_sign_ins_with_the_apis(browser_client, clinic, monkeypatch):
    rates = {**SimpleRateThrottle.THROTTLE_RATES, "auth": "3/min"}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
    factories.api_as(None).post("/api/v1/auth/token/", {"username": "x", "password": "y"})
    sign_in(browser_client, "nobody", password="nothing")
    sign_in(browser_client, "nobody", password="nothing")

    answer = sign_in(browser_client, "nobody", password="nothing")

    assert answer.status_code == 429
    assert "Too many attempts" in answer.content.decode()


def test_a_missing_page_is_an_html_404_and_a_missing_api_route_json(browser_client, clinic):
    page = browser_client.get("/no-such-page/")
    api = browser_client.get("/api/v1/no-such-route/")

    assert page.status_code == 404
    assert page["Content-Type"].startswith("text/html")
    assert "We could not find that page" in page.content.decode()
    assert api.status_code == 404
    assert api.json() == {"detail": "Not found."}


def test_the_error_handlers_answer_html_for_pages_and_json_for_the_api(rf, clinic):
    from django.core.exceptions import PermissionDenied

    from web import views

    page_403 = views.forbidden(rf.get("/account/"), PermissionDenied())
    api_403 = views.forbidden(rf.get("/api/v1/bookings/"), PermissionDenied())
    page_500 = views.server_error(rf.get("/book/"))
    api_500 = views.server_error(rf.get("/api/v1/bookings/"))

    assert page_403.status_code == 403 and b"You cannot open this page" in page_403.content
    assert api_403["Content-Type"] == "application/json"
    assert page_500.status_code == 500 and b"Something went wrong" in page_500.content
    assert api_500["Content-Type"] == "application/json"


def test_a_form_without_its_csrf_token_is_refused_with_our_page(clinic):
    strict = Client(enforce_csrf_checks=True)

    answer = strict.post(SIGN_IN, {"username": "a", "password": "b"})

    assert answer.status_code == 403
    assert "Please try again" in answer.content.decode()


def test_no_template_of_ours_has_an_inline_script():
    """The Content-Security-Policy allows scripts from this site only: an inline one would not
    run. Every <script> of ours has a src, or is data (application/ld+json)."""
    offenders = []
    for path in ROOT.glob("*/templates/**/*.html"):
        for tag in re.findall(r"<script\b[^>]*>", path.read_text()):
            if "src=" not in tag and "application/ld+json" not in tag:
                offenders.append(f"{path.relative_to(ROOT)}: {tag}")
    assert not offenders
    assert "'unsafe-inline'" not in _script_src()


def _script_src() -> str:
    from django.conf import settings

    return next(
        part for part in settings.CONTENT_SECURITY_POLICY.split(";") if "script-src" in part
    )


@pytest.mark.parametrize("brand", ["#2f5d62", "#ffff00", "#000000", "#88ccee", "#e07a5f"])
def test_any_clinic_colour_gives_legible_text_on_it_and_legible_links(brand):
    colours = palette(brand)

    assert contrast(colours["brand"], colours["on_brand"]) >= AA
    assert contrast(colours["brand_ink"], "#ffffff") >= AA


def test_the_page_wears_the_clinics_name_and_colour(browser_client, clinic):
    clinic.name, clinic.brand_colour = "Knots Undone", "#7a3e9d"
    clinic.save()

    html = browser_client.get(SIGN_IN).content.decode()

    assert "Knots Undone" in html
    assert "--brand:#7a3e9d" in html
