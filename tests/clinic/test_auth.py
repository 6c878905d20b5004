import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from clients.models import Client
from tests import factories

User = get_user_model()

REGISTRATION = {
    "username": "newclient",
    "password": "trigger-points-hurt-9",
    "email": "new@example.com",
    "first_name": "Nora",
    "last_name": "Quinn",
}


@pytest.mark.django_db
class TestToken:
    def test_it_gives_a_token_for_good_credentials(self, anon):
        factories.make_user("tess")

        response = anon.post(
            "/api/v1/auth/token/", {"username": "tess", "password": factories.PASSWORD}
        )

        assert response.status_code == 200
        assert len(response.json()["token"]) == 64

    def test_it_refuses_bad_credentials_with_400(self, anon):
        factories.make_user("tess")

        response = anon.post("/api/v1/auth/token/", {"username": "tess", "password": "nope"})

        assert response.status_code == 400
        assert "non_field_errors" in response.json()

    def test_token_endpoint_is_throttled(self, anon):
        statuses = [
            anon.post("/api/v1/auth/token/", {"username": f"x{i}", "password": "y"}).status_code
            for i in range(25)
        ]

        assert statuses[0] == 400
        assert statuses[-1] == 429


@pytest.mark.django_db
class TestRegister:
    def test_it_creates_a_login_and_client_record_together(self, anon):
        response = anon.post("/api/v1/auth/register/", {**REGISTRATION, "phone": "555-0101"})

        assert response.status_code == 202
        assert "password" not in response.json()
        client = Client.objects.get(user__username="newclient")
        assert (client.first_name, client.phone) == ("Nora", "555-0101")
        assert client.user.check_password(REGISTRATION["password"])

    def test_the_new_client_confirms_then_logs_in_and_sees_who_they_are(
        self, anon, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            anon.post("/api/v1/auth/register/", REGISTRATION)
        login = {"username": "newclient", "password": REGISTRATION["password"]}
        assert anon.post("/api/v1/auth/token/", login).status_code == 400  # not confirmed yet
        [message] = mail.outbox
        link = dict(re.findall(r"(uid|token)=([\w-]+)", message.body))
        assert anon.post("/api/v1/auth/register/confirm/", link).status_code == 200
        assert anon.post("/api/v1/auth/register/confirm/", link).status_code == 400  # once
        token = anon.post("/api/v1/auth/token/", login).json()["token"]
        anon.credentials(HTTP_AUTHORIZATION=f"Token {token}")

        me = anon.get("/api/v1/auth/me/").json()

        assert me["role"] == "client"
        assert me["client"] == Client.objects.get(user__username="newclient").pk
        assert me["therapist"] is None

    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"password": "123"}, "password"),
            ({"password": "password"}, "password"),
            ({"email": "not-an-email"}, "email"),
            ({"date_of_birth": "2999-01-01"}, "date_of_birth"),
            ({"date_of_birth": "yesterday"}, "date_of_birth"),
            ({"first_name": ""}, "first_name"),
        ],
    )
    def test_bad_input_is_a_400_with_field_errors_and_creates_nothing(self, anon, change, field):
        response = anon.post("/api/v1/auth/register/", {**REGISTRATION, **change})

        assert response.status_code == 400
        assert field in response.json()
        assert not User.objects.filter(username="newclient").exists()
        assert not Client.objects.exists()

    def test_a_taken_username_or_email_answers_as_a_new_one_and_makes_nothing(self, anon):
        first = anon.post("/api/v1/auth/register/", REGISTRATION)

        response = anon.post(
            "/api/v1/auth/register/",
            {**REGISTRATION, "username": "NEWCLIENT", "email": "NEW@example.com"},
        )

        assert (response.status_code, response.json()) == (first.status_code, first.json())
        assert Client.objects.count() == 1


@pytest.mark.django_db
class TestMe:
    def test_it_needs_credentials(self, anon):
        assert anon.get("/api/v1/auth/me/").status_code == 401

    def test_it_says_admin_for_staff(self, admin_api, admin_user):
        me = admin_api.get("/api/v1/auth/me/").json()

        assert me == {
            "id": admin_user.pk,
            "username": "boss",
            "role": "admin",
            "client": None,
            "therapist": None,
        }

    def test_it_says_therapist_with_the_profile_id(self):
        therapist = factories.make_therapist()

        me = factories.api_as(therapist.user).get("/api/v1/auth/me/").json()

        assert me["role"] == "therapist"
        assert me["therapist"] == therapist.pk


@pytest.mark.django_db
class TestLockout:
    def test_repeated_failures_lock_the_account_from_that_address(self, anon):
        factories.make_user("tess")
        bad = {"username": "tess", "password": "wrong"}

        failures = [anon.post("/api/v1/auth/token/", bad).status_code for _ in range(5)]
        locked = anon.post(
            "/api/v1/auth/token/", {"username": "tess", "password": factories.PASSWORD}
        )

        assert failures == [400] * 5
        assert locked.status_code == 429
        assert "Too many failed login attempts" in locked.json()["detail"]

    def test_the_lock_does_not_reach_another_address(self, anon):
        factories.make_user("tess")
        for _ in range(5):
            anon.post("/api/v1/auth/token/", {"username": "tess", "password": "wrong"})

        elsewhere = anon.post(
            "/api/v1/auth/token/",
            {"username": "tess", "password": factories.PASSWORD},
            REMOTE_ADDR="10.9.8.7",
        )

        assert elsewhere.status_code == 200

    def test_a_success_before_the_limit_resets_the_count(self, anon):
        factories.make_user("tess")
        good = {"username": "tess", "password": factories.PASSWORD}
        for _ in range(4):
            anon.post("/api/v1/auth/token/", {"username": "tess", "password": "wrong"})
        anon.post("/api/v1/auth/token/", good)
        for _ in range(4):
            anon.post("/api/v1/auth/token/", {"username": "tess", "password": "wrong"})

        assert anon.post("/api/v1/auth/token/", good).status_code == 200
