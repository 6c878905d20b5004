"""Registration: the login and the client record come together or not at all."""

import threading
import time
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import connections, transaction
from django.utils import timezone

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


@pytest.fixture
def outbox():
    return mail.outbox


@pytest.fixture
def register(django_capture_on_commit_callbacks):
    """Sign up, and send the mail that leaves after commit."""

    def register(api, data):
        with django_capture_on_commit_callbacks(execute=True):
            return api.post("/api/v1/auth/register/", data)

    return register


@pytest.mark.django_db
class TestRegistration:
    def test_it_answers_only_that_a_message_was_sent(self, anon, register, outbox):
        response = register(anon, SIGN_UP)

        assert response.status_code == 202
        assert set(response.json()) == {"detail"}
        [message] = outbox
        assert message.to == ["nora@example.com"]
        assert "/api/v1/auth/register/confirm/" in message.body
        assert User.objects.get(username="nora").is_active is False

    @pytest.mark.parametrize("with_login", [False, True])
    def test_a_taken_email_answers_as_a_new_one_and_tells_the_address(
        self, anon, register, outbox, with_login
    ):
        new = register(anon, {**SIGN_UP, "email": "fresh@example.com"})
        outbox.clear()
        factories.make_client(with_login=with_login, email="Nora@Example.com")

        response = register(anon, {**SIGN_UP, "username": "nora2"})

        assert (response.status_code, response.json()) == (new.status_code, new.json())
        assert not User.objects.filter(username="nora2").exists()
        [message] = outbox
        assert message.to == ["nora@example.com"]
        assert "tried to register" in message.subject

    def test_a_taken_username_answers_as_a_new_one_and_tells_the_address(
        self, anon, register, outbox
    ):
        factories.make_user("Nora")
        new = register(anon, {**SIGN_UP, "username": "nobody-has-it"})
        outbox.clear()

        response = register(anon, {**SIGN_UP, "email": "n2@example.com"})

        assert (response.status_code, response.json()) == (new.status_code, new.json())
        assert not Client.objects.filter(email="n2@example.com").exists()
        [message] = outbox
        assert message.to == ["n2@example.com"]
        assert "another username" in message.subject

    def test_an_unconfirmed_sign_up_holds_its_email_only_while_its_link_works(
        self, anon, register, outbox
    ):
        register(anon, SIGN_UP)
        squatter = User.objects.get(username="nora")
        outbox.clear()

        register(anon, {**SIGN_UP, "username": "the-real-nora"})  # the link still works
        assert not User.objects.filter(username="the-real-nora").exists()
        assert "tried to register" in outbox[-1].subject
        with time_machine.travel(timezone.now() + timedelta(hours=2)):
            response = register(anon, {**SIGN_UP, "username": "the-real-nora"})

        assert response.status_code == 202
        assert User.objects.filter(username="the-real-nora", is_active=False).exists()
        assert not User.objects.filter(pk=squatter.pk).exists()
        assert "/api/v1/auth/register/confirm/" in outbox[-1].body

    def test_a_confirmed_login_is_never_forgotten(self, anon, register, outbox):
        register(anon, SIGN_UP)
        User.objects.filter(username="nora").update(is_active=True)

        with time_machine.travel(timezone.now() + timedelta(days=30)):
            register(anon, {**SIGN_UP, "username": "nora2"})

        assert User.objects.filter(username="nora").exists()
        assert not User.objects.filter(username="nora2").exists()

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

    def test_every_problem_is_reported_at_once_but_not_a_taken_email(self, anon):
        factories.make_client(email="nora@example.com")

        response = anon.post(
            "/api/v1/auth/register/",
            {**SIGN_UP, "password": "123", "date_of_birth": "2999-01-01"},
        )

        assert response.status_code == 400
        assert set(response.json()) == {"password", "date_of_birth"}

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

    assert response.status_code == 202  # as for any sign-up: the address is told instead
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
