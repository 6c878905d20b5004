import json
import os
import subprocess
import sys

import pytest
from celery.beat import Scheduler
from django.test import override_settings

from clinic.heartbeat import HeartbeatScheduler
from clinic.tasks import heartbeat
from config.celery import app
from tests import factories


def test_it_answers_ok_when_database_and_broker_are_up(db, anon):
    response = anon.get("/api/v1/health/")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}


def test_it_answers_503_when_the_broker_is_down(db, anon):
    # Nothing listens on port 1: a broker that is down, for real.
    with override_settings(REDIS_URL="redis://127.0.0.1:1/0"):
        response = anon.get("/api/v1/health/")

    assert response.status_code == 503
    assert response.json() == {"status": "down", "database": "ok", "broker": "down"}


def test_unknown_api_path_answers_json_404(db, anon):
    response = anon.get("/api/v1/no-such-thing/")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_schema_and_swagger_ui_are_served(db, anon):
    schema = anon.get("/api/schema/", HTTP_ACCEPT="application/json")
    docs = anon.get("/api/docs/")

    assert schema.status_code == 200
    assert "/api/v1/health/" in schema.json()["paths"]
    assert docs.status_code == 200


def test_liveness_answers_without_touching_the_database(db, anon, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = anon.get("/api/v1/health/live/")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readiness_names_a_worker_and_beat_that_never_beat(db, anon):
    response = anon.get("/api/v1/health/ready/")

    assert response.status_code == 503
    assert response.json() == {
        "status": "down",
        "database": "ok",
        "broker": "ok",
        "worker": "down",
        "beat": "down",
    }


def test_readiness_is_ok_once_the_worker_finished_a_task_and_beat_ticked(db, anon, tmp_path):
    heartbeat.apply()  # what a worker does with beat's heartbeat message
    scheduler = HeartbeatScheduler(app=app, schedule_filename=str(tmp_path / "beat"), lazy=True)
    scheduler.setup_schedule()
    assert isinstance(scheduler, Scheduler)
    scheduler.tick()

    response = anon.get("/api/v1/health/ready/")

    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "broker": "ok",
        "worker": "ok",
        "beat": "ok",
    }
    assert response.status_code == 200


DATABASE_DOWN = """
import os, json
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
import django
django.setup()
from django.test import Client
client = Client()
for path in ("/api/v1/health/", "/api/v1/health/live/", "/api/v1/health/ready/"):
    response = client.get(path)
    print(json.dumps([path, response.status_code, response["Content-Type"], response.json()]))
metrics = client.get("/metrics", HTTP_AUTHORIZATION="Bearer m")
print(json.dumps([metrics.status_code, metrics.content.decode()]))
"""


def test_health_answers_503_json_not_500_when_the_database_is_down():
    env = {
        **os.environ,
        "DATABASE_URL": "postgres://postgres@127.0.0.1:1/nothing",  # nothing listens on port 1
        "ALLOWED_HOSTS": "testserver",
        "SECURE_SSL_REDIRECT": "1",  # probes speak plain HTTP: they are exempt
        "METRICS_TOKEN": "m",
    }
    result = subprocess.run(
        [sys.executable, "-c", DATABASE_DOWN], env=env, capture_output=True, text=True, timeout=60
    )
    answers = [json.loads(line) for line in result.stdout.splitlines()]

    assert answers[0] == [
        "/api/v1/health/",
        503,
        "application/json",
        {"status": "down", "database": "down", "broker": "ok"},
    ], result.stderr
    assert answers[1] == ["/api/v1/health/live/", 200, "application/json", {"status": "ok"}]
    assert answers[2][1] == 503 and answers[2][3]["database"] == "down"
    # Metrics still answer, without the figures the database holds.
    status, metrics = answers[3]
    assert status == 200
    assert "kneadly_http_requests_total" in metrics and "kneadly_bookings" not in metrics


@pytest.fixture
def database_refusing():
    """The default connection pointed at a port where nothing listens, for real."""
    from django.db import connection

    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(HOST="127.0.0.1", PORT="1")
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)


@pytest.mark.django_db(transaction=True)
def test_health_answers_503_not_500_when_the_database_refuses_before_the_zone_was_read(
    database_refusing, anon
):
    # The clinic's zone was never read in this process (the conftest forgets it).
    response = anon.get("/api/v1/health/")

    assert response.status_code == 503
    assert response.json()["database"] == "down"


@pytest.mark.django_db(transaction=True)
def test_the_api_answers_503_with_retry_after_when_the_database_refuses(database_refusing):
    api = factories.api_as(None)
    api.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)

    response = api.get("/api/v1/bookings/")

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "try again" in response.json()["detail"]
