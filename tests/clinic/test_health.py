import pytest
from django.test import override_settings

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
