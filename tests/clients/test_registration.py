"""Registration: the login and the client record come together or not at all."""

import threading
import time

import pytest
from django.contrib.auth import get_user_model
from django.db import connections, transaction

from clients.models import Client
from tests import factories

User = get_user_model()

SIGN_UP = {
    "username": "nora",
    "password": "trigger-points-hurt-9",
    "email": "nora@example.com",
    "first_name": "Nora",
    "last_name": "Quinn",
}


@pytest.mark.django_db
class TestRegistration:
    def test_it_answers_the_client_record_without_staff_notes(self, anon):
        response = anon.post("/api/v1/auth/register/", SIGN_UP)

        assert response.status_code == 201
        body = response.json()
        assert body["has_login"] is True
        assert body["flags"] == []
        assert body["latest_intake"] is None
        assert "staff_notes" not in body

    def test_an_email_already_on_a_front_desk_record_is_refused(self, anon):
        factories.make_client(with_login=False, email="Nora@Example.com")

        response = anon.post("/api/v1/auth/register/", SIGN_UP)

        assert response.status_code == 400
        assert "email" in response.json()
        assert not User.objects.filter(username="nora").exists()

    @pytest.mark.parametrize(
        ("password", "why"),
        [
            ("short1", "too short"),
            ("123456789012", "entirely numeric"),
            ("password123", "too common"),
            ("nora@example.com", "too similar"),
        ],
    )
    def test_a_weak_password_is_refused_by_djangos_validators(self, anon, password, why):
        response = anon.post("/api/v1/auth/register/", {**SIGN_UP, "password": password})

        assert response.status_code == 400
        assert any(why in message for message in response.json()["password"])
        assert not User.objects.exists()
        assert not Client.objects.exists()

    def test_a_username_with_spaces_is_refused(self, anon):
        response = anon.post("/api/v1/auth/register/", {**SIGN_UP, "username": "nora quinn"})

        assert response.status_code == 400
        assert "username" in response.json()

    def test_every_problem_is_reported_at_once(self, anon):
        factories.make_client(email="nora@example.com")

        response = anon.post(
            "/api/v1/auth/register/",
            {**SIGN_UP, "password": "123", "date_of_birth": "2999-01-01"},
        )

        assert response.status_code == 400
        assert {"email", "password", "date_of_birth"} <= set(response.json())

    def test_a_missing_field_is_a_400(self, anon):
        response = anon.post("/api/v1/auth/register/", {"username": "nora"})

        assert response.status_code == 400
        assert {"password", "email", "first_name", "last_name"} <= set(response.json())


@pytest.mark.django_db(transaction=True)
def test_a_sign_up_losing_a_race_for_its_email_leaves_no_login_behind(anon):
    """The checks pass for both; the database refuses the second client record. The login
    created just before it must go too (no user without a client), and the answer is a 400."""
    inserted, release = threading.Event(), threading.Event()

    def front_desk_adds_the_same_email():
        try:
            with transaction.atomic():
                Client.objects.create(first_name="N", last_name="Q", email="NORA@example.com")
                inserted.set()
                release.wait(10)
        finally:
            connections.close_all()

    rival = threading.Thread(target=front_desk_adds_the_same_email)
    rival.start()
    assert inserted.wait(10)

    def commit_when_sign_up_waits():
        # The sign-up's INSERT waits on the uncommitted row's unique index entry.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if _someone_waits_on_a_lock():
                break
            time.sleep(0.05)
        release.set()

    releaser = threading.Thread(target=commit_when_sign_up_waits)
    releaser.start()
    response = anon.post("/api/v1/auth/register/", SIGN_UP)
    releaser.join(10)
    rival.join(10)

    assert response.status_code == 400
    assert "email" in response.json()
    assert not User.objects.filter(username="nora").exists()
    assert Client.objects.count() == 1


def _someone_waits_on_a_lock() -> bool:
    conn = connections.create_connection("default")
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
            return cursor.fetchone()[0] > 0
    finally:
        conn.close()
