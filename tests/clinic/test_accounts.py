"""Sign-ins that expire and can be revoked; password change and reset by email."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from tests import factories

NEW_PASSWORD = "knots-in-the-trapezius-42"


def sign_in(api, username, password=factories.PASSWORD, **extra):
    return api.post("/api/v1/auth/token/", {"username": username, "password": password, **extra})


def api_with(key):
    api = factories.api_as(None)
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return api


@pytest.fixture
def carl(db):
    return factories.make_user("carl", email="carl@example.com")


@pytest.mark.django_db
class TestTokens:
    def test_a_token_says_when_it_expires_and_stops_working_then(self, anon, carl, settings):
        settings.API_TOKEN_TTL_HOURS = 12
        body = sign_in(anon, carl.username).json()
        api = api_with(body["token"])
        assert api.get("/api/v1/auth/me/").status_code == 200

        with time_machine.travel(timezone.now() + timedelta(hours=11, minutes=59)):
            assert api.get("/api/v1/auth/me/").status_code == 200
        with time_machine.travel(timezone.now() + timedelta(hours=12, minutes=1)):
            response = api.get("/api/v1/auth/me/")

        assert response.status_code == 401
        assert "expired" in response.json()["detail"]
        assert response["WWW-Authenticate"] == "Token"
        assert body["expiry"].endswith(("-05:00", "-04:00"))  # in the clinic's time, as always

    def test_the_key_is_not_stored(self, anon, carl):
        key = sign_in(anon, carl.username).json()["token"]

        token = carl.api_tokens.get()
        assert key not in (token.digest, token.prefix)
        assert key.startswith(token.prefix)

    def test_log_out_ends_this_sign_in_only(self, anon, carl):
        first = api_with(sign_in(anon, carl.username).json()["token"])
        second = api_with(sign_in(anon, carl.username).json()["token"])

        assert first.post("/api/v1/auth/logout/").status_code == 204

        assert first.get("/api/v1/auth/me/").status_code == 401
        assert second.get("/api/v1/auth/me/").status_code == 200

    def test_log_out_everywhere_ends_every_sign_in(self, anon, carl):
        first = api_with(sign_in(anon, carl.username).json()["token"])
        second = api_with(sign_in(anon, carl.username).json()["token"])
        other = factories.api_as(factories.make_client().user)

        assert first.post("/api/v1/auth/logout-all/").status_code == 204

        assert first.get("/api/v1/auth/me/").status_code == 401
        assert second.get("/api/v1/auth/me/").status_code == 401
        assert other.get("/api/v1/auth/me/").status_code == 200

    def test_my_sessions_lists_my_sign_ins_and_ends_one(self, anon, carl):
        anon.credentials(HTTP_USER_AGENT="Phone")
        phone = api_with(sign_in(anon, carl.username).json()["token"])
        laptop = api_with(sign_in(factories.api_as(None), carl.username).json()["token"])
        factories.api_as(factories.make_client().user)  # someone else's session

        sessions = laptop.get("/api/v1/auth/sessions/").json()["results"]

        assert len(sessions) == 2
        assert [s["current"] for s in sessions] == [True, False]
        assert sessions[1]["user_agent"] == "Phone"
        assert set(sessions[0]) >= {"id", "prefix", "created", "last_used", "expires"}
        assert laptop.delete(f"/api/v1/auth/sessions/{sessions[1]['id']}/").status_code == 204
        assert phone.get("/api/v1/auth/me/").status_code == 401
        assert laptop.get("/api/v1/auth/me/").status_code == 200

    def test_someone_elses_session_is_a_404(self, carl):
        other = factories.make_client().user
        factories.api_as(other)
        theirs = other.api_tokens.get()

        response = factories.api_as(carl).delete(f"/api/v1/auth/sessions/{theirs.pk}/")

        assert response.status_code == 404
        assert other.api_tokens.exists()

    def test_a_deactivated_users_tokens_stop_working_at_once(self, carl):
        api = factories.api_as(carl)
        carl.is_active = False
        carl.save()

        assert api.get("/api/v1/auth/me/").status_code == 401

    def test_a_made_up_token_is_a_401(self, anon):
        anon.credentials(HTTP_AUTHORIZATION="Token " + "0" * 64)

        assert anon.get("/api/v1/auth/me/").status_code == 401


@pytest.mark.django_db
class TestPasswordChange:
    def test_it_needs_the_old_password(self, carl):
        api = factories.api_as(carl)

        response = api.post(
            "/api/v1/auth/password/change/",
            {"old_password": "wrong", "new_password": NEW_PASSWORD},
        )

        assert response.status_code == 400
        assert "old_password" in response.json()
        carl.refresh_from_db()
        assert carl.check_password(factories.PASSWORD)

    def test_the_new_password_passes_the_validators(self, carl):
        response = factories.api_as(carl).post(
            "/api/v1/auth/password/change/",
            {"old_password": factories.PASSWORD, "new_password": "123"},
        )

        assert response.status_code == 400
        assert "new_password" in response.json()

    def test_it_changes_it_and_ends_the_other_sign_ins(self, anon, carl):
        elsewhere = api_with(sign_in(anon, carl.username).json()["token"])
        here = factories.api_as(carl)

        response = here.post(
            "/api/v1/auth/password/change/",
            {"old_password": factories.PASSWORD, "new_password": NEW_PASSWORD},
        )

        assert response.status_code == 200
        assert here.get("/api/v1/auth/me/").status_code == 200
        assert elsewhere.get("/api/v1/auth/me/").status_code == 401
        assert sign_in(anon, carl.username).status_code == 400
        assert sign_in(anon, carl.username, NEW_PASSWORD).status_code == 200

    def test_anonymous_callers_cannot(self, anon):
        response = anon.post(
            "/api/v1/auth/password/change/", {"old_password": "x", "new_password": NEW_PASSWORD}
        )

        assert response.status_code == 401


def reset_codes(message) -> dict:
    return dict(re.findall(r"(uid|token)=([\w-]+)", message.body))


@pytest.mark.django_db
class TestPasswordReset:
    def test_it_mails_a_link_that_sets_a_new_password_once(
        self, anon, carl, django_capture_on_commit_callbacks
    ):
        signed_in = factories.api_as(carl)

        with django_capture_on_commit_callbacks(execute=True):
            response = anon.post("/api/v1/auth/password/reset/", {"email": "CARL@example.com"})

        assert response.status_code == 202
        [message] = mail.outbox
        assert message.to == ["carl@example.com"]
        codes = reset_codes(message)
        confirm = anon.post(
            "/api/v1/auth/password/reset/confirm/", {**codes, "new_password": NEW_PASSWORD}
        )
        assert confirm.status_code == 200
        assert signed_in.get("/api/v1/auth/me/").status_code == 401
        assert sign_in(anon, carl.username, NEW_PASSWORD).status_code == 200
        again = anon.post(
            "/api/v1/auth/password/reset/confirm/", {**codes, "new_password": "another-one-77x"}
        )
        assert again.status_code == 400
        assert "token" in again.json()

    def test_an_unknown_address_gets_the_same_answer_and_no_mail(
        self, anon, carl, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            known = anon.post("/api/v1/auth/password/reset/", {"email": "carl@example.com"})
        assert len(mail.outbox) == 1
        mail.outbox.clear()

        with django_capture_on_commit_callbacks(execute=True):
            unknown = anon.post("/api/v1/auth/password/reset/", {"email": "nobody@example.com"})

        assert (unknown.status_code, unknown.json()) == (known.status_code, known.json())
        assert mail.outbox == []

    @pytest.mark.parametrize(
        "codes",
        [{"uid": "MQ", "token": "nope"}, {"uid": "!!", "token": "x"}, {"uid": "", "token": ""}],
    )
    def test_a_bad_link_is_a_400(self, anon, carl, codes):
        response = anon.post(
            "/api/v1/auth/password/reset/confirm/", {**codes, "new_password": NEW_PASSWORD}
        )

        assert response.status_code == 400
