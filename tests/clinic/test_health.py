from django.test import override_settings


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
