"""Two-factor sign-in: enrolment, login with a code or a recovery code, the clinic's rule for
staff on the token endpoint and on the admin site."""

import base64
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
import time_machine
from django.utils import timezone
from django_otp.oath import totp

from clinic.models import Clinic
from tests import factories

STEP = timedelta(seconds=30)  # a TOTP code is used once: each step of a test takes a new one
THROTTLE = timedelta(seconds=5)


def code(secret: str) -> str:
    """The app's current code, computed here (RFC 6238, at the test's clock)."""
    return f"{totp(base64.b32decode(secret)):06d}"


def sign_in(username, **extra):
    return factories.api_as(None).post(
        "/api/v1/auth/token/", {"username": username, "password": factories.PASSWORD, **extra}
    )


def with_key(key):
    api = factories.api_as(None)
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return api


def require_2fa(on=True):
    Clinic.objects.filter(pk=1).update(require_staff_2fa=on)


@pytest.fixture
def frozen():
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        yield traveller


def enrol(api, frozen) -> tuple[str, list[str]]:
    started = api.post("/api/v1/auth/2fa/")
    assert started.status_code == 201, started.content
    secret = started.json()["secret"]
    confirmed = api.post("/api/v1/auth/2fa/confirm/", {"otp": code(secret)})
    assert confirmed.status_code == 200, confirmed.content
    frozen.shift(STEP)
    return secret, confirmed.json()["recovery_codes"]


@pytest.mark.django_db
class TestEnrolment:
    def test_start_gives_the_otpauth_uri_and_its_secret(self, clinic):
        api = factories.api_as(factories.make_user("tess"))

        body = api.post("/api/v1/auth/2fa/").json()

        uri = urlparse(body["otpauth_uri"])
        assert (uri.scheme, uri.netloc) == ("otpauth", "totp")
        assert parse_qs(uri.query)["secret"] == [body["secret"]]
        assert "Kneadly" in body["otpauth_uri"]
        assert api.get("/api/v1/auth/2fa/").json()["enabled"] is False

    def test_a_wrong_code_does_not_confirm(self, clinic):
        api = factories.api_as(factories.make_user("tess"))
        secret = api.post("/api/v1/auth/2fa/").json()["secret"]
        wrong = f"{(int(code(secret)) + 1) % 1_000_000:06d}"

        response = api.post("/api/v1/auth/2fa/confirm/", {"otp": wrong})

        assert response.status_code == 400
        assert "otp" in response.json()
        assert api.get("/api/v1/auth/2fa/").json()["enabled"] is False

    def test_confirming_shows_recovery_codes_once(self, clinic, frozen):
        api = factories.api_as(factories.make_user("tess"))

        _, codes = enrol(api, frozen)

        assert len(codes) == 10
        assert len(set(codes)) == 10
        status = api.get("/api/v1/auth/2fa/").json()
        assert status == {"enabled": True, "required": False, "recovery_codes_left": 10}
        assert api.post("/api/v1/auth/2fa/").status_code == 409  # already set up


@pytest.mark.django_db
class TestSignInWithACode:
    def test_once_enrolled_a_code_is_needed(self, clinic, frozen):
        user = factories.make_user("tess")
        secret, _ = enrol(factories.api_as(user), frozen)

        without = sign_in("tess")
        wrong = sign_in("tess", otp="000000" if code(secret) != "000000" else "111111")
        frozen.shift(THROTTLE)  # django-otp makes a device wait a little after a failure
        right = sign_in("tess", otp=code(secret))

        assert without.status_code == 401
        assert "two-factor code is required" in without.json()["detail"]
        assert wrong.status_code == 401
        assert right.status_code == 200
        assert with_key(right.json()["token"]).get("/api/v1/auth/me/").status_code == 200

    def test_a_code_works_once(self, clinic, frozen):
        user = factories.make_user("tess")
        secret, _ = enrol(factories.api_as(user), frozen)
        otp = code(secret)

        assert sign_in("tess", otp=otp).status_code == 200
        assert sign_in("tess", otp=otp).status_code == 401

    def test_a_recovery_code_works_once(self, clinic, frozen):
        user = factories.make_user("tess")
        _, codes = enrol(factories.api_as(user), frozen)

        assert sign_in("tess", otp=codes[0]).status_code == 200
        assert sign_in("tess", otp=codes[0]).status_code == 401
        frozen.shift(THROTTLE)
        assert sign_in("tess", otp=codes[1].upper()).status_code == 200

    def test_turning_it_off_needs_a_code(self, clinic, frozen):
        user = factories.make_user("tess")
        api = factories.api_as(user)
        secret, _ = enrol(api, frozen)

        assert api.delete("/api/v1/auth/2fa/", {"otp": "12"}).status_code == 400
        assert api.delete("/api/v1/auth/2fa/", {"otp": code(secret)}).status_code == 204
        assert sign_in("tess").status_code == 200


@pytest.mark.django_db
class TestTheClinicRequiresItOfStaff:
    def test_an_admin_turns_it_on_through_the_clinic_settings(self, clinic, admin_api, anon):
        assert admin_api.get("/api/v1/clinic/").json()["require_staff_2fa"] is False

        response = admin_api.patch("/api/v1/clinic/", {"require_staff_2fa": True})

        assert response.status_code == 200
        assert response.json()["require_staff_2fa"] is True
        assert "require_staff_2fa" not in anon.get("/api/v1/clinic/").json()
        client = factories.api_as(factories.make_client().user)
        assert "require_staff_2fa" not in client.get("/api/v1/clinic/").json()
        assert client.patch("/api/v1/clinic/", {"require_staff_2fa": False}).status_code == 403

    def test_turning_it_on_ends_staff_sign_ins_made_without_a_code(self, clinic, admin_api):
        therapist = factories.make_therapist()
        therapist_key = sign_in(therapist.user.username).json()["token"]
        client_key = sign_in(factories.make_client().user.username).json()["token"]

        admin_api.patch("/api/v1/clinic/", {"require_staff_2fa": True})

        assert with_key(therapist_key).get("/api/v1/auth/me/").status_code == 401
        assert with_key(client_key).get("/api/v1/auth/me/").status_code == 200

    @pytest.mark.parametrize("kind", ["admin", "therapist"])
    def test_unenrolled_staff_get_a_token_that_only_enrols(self, clinic, frozen, kind):
        user = factories.make_admin() if kind == "admin" else factories.make_therapist().user
        require_2fa()

        body = sign_in(user.username).json()
        api = with_key(body["token"])

        assert body["otp_enrolment_required"] is True
        refused = api.get("/api/v1/bookings/")
        assert refused.status_code == 403
        assert "two-factor" in refused.json()["detail"]
        assert api.get("/api/v1/auth/me/").status_code == 200
        secret, _ = enrol(api, frozen)
        # Enrolling verified this sign-in; the next one needs a code.
        assert api.get("/api/v1/bookings/").status_code == 200
        assert sign_in(user.username).status_code == 401
        assert sign_in(user.username, otp=code(secret)).status_code == 200

    def test_clients_are_not_asked(self, clinic):
        require_2fa()
        user = factories.make_client().user

        body = sign_in(user.username).json()

        assert "otp_enrolment_required" not in body
        assert with_key(body["token"]).get("/api/v1/bookings/").status_code == 200

    def test_staff_cannot_turn_it_off_while_required(self, clinic, frozen):
        user = factories.make_therapist().user
        api = factories.api_as(user)
        secret, _ = enrol(api, frozen)
        require_2fa()

        response = api.delete("/api/v1/auth/2fa/", {"otp": code(secret)})

        assert response.status_code == 409


def admin_login(browser, username, **extra):
    return browser.post(
        "/admin/login/?next=/admin/",
        {"username": username, "password": factories.PASSWORD, "next": "/admin/", **extra},
    )


@pytest.mark.django_db
class TestTheAdminSite:
    def test_without_the_rule_an_admin_logs_in_with_a_password(self, clinic, client):
        factories.make_admin("boss")

        response = admin_login(client, "boss")

        assert response.status_code == 302
        assert client.get("/admin/").status_code == 200

    def test_with_the_rule_an_unenrolled_admin_is_told_to_enrol(self, clinic, client):
        factories.make_admin("boss")
        require_2fa()

        response = admin_login(client, "boss")

        assert response.status_code == 200
        assert "enrol" in response.content.decode()
        assert client.get("/admin/").status_code == 302

    def test_an_enrolled_admin_needs_the_code(self, clinic, client, frozen):
        admin = factories.make_admin("boss")
        secret, _ = enrol(factories.api_as(admin), frozen)
        require_2fa()

        refused = admin_login(client, "boss")
        assert refused.status_code == 200
        assert "two-factor code" in refused.content.decode()
        assert client.get("/admin/").status_code == 302

        accepted = admin_login(client, "boss", otp_token=code(secret))
        assert accepted.status_code == 302
        assert client.get("/admin/").status_code == 200
