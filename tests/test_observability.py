"""Operations: a request id on every answer and log line, Prometheus metrics for Prometheus
only, and Sentry reports without health data."""

import os
import re
import subprocess
import sys
from datetime import timedelta

import pytest
from django.utils import timezone

from clinic.tasks import heartbeat
from config.celery import app as celery_app
from config.sentry import FILTERED, scrub
from notifications.models import Notice
from tests import factories

pytestmark = pytest.mark.django_db

TOKEN = "metrics-secret-for-tests"


class TestRequestId:
    def test_a_sane_request_id_is_honoured_and_returned(self, anon):
        response = anon.get("/api/v1/health/live/", HTTP_X_REQUEST_ID="lb-7f3a.42_x")

        assert response["X-Request-ID"] == "lb-7f3a.42_x"

    @pytest.mark.parametrize("offered", [None, "", "bad id with spaces", "x" * 129, "a\u00e9b"])
    def test_otherwise_one_is_made(self, anon, offered):
        headers = {} if offered is None else {"HTTP_X_REQUEST_ID": offered}

        response = anon.get("/api/v1/no-such-thing/", **headers)

        assert response.status_code == 404
        assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])

    def test_every_answer_has_one_even_a_refused_host(self, anon):
        response = anon.get("/api/v1/health/live/", HTTP_HOST="evil.example")

        assert response.status_code == 400
        assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


@pytest.fixture
def bookings(clinic):
    service = factories.make_service()
    therapist = factories.make_therapist(services=[service])
    client = factories.make_client()
    start = timezone.now() + timedelta(days=2)
    made = [
        factories.make_booking(
            therapist=therapist,
            client=client,
            service=service,
            start=start + timedelta(hours=3 * i),
        )
        for i in range(3)
    ]
    made[2].status = "cancelled"
    made[2].save()
    Notice.objects.create(
        booking=made[0], kind="confirmation", due_at=start, status="sent", sent_at=start
    )
    Notice.objects.create(booking=made[1], kind="confirmation", due_at=start, status="pending")
    return made


class TestMetrics:
    def test_without_a_token_configured_there_is_no_endpoint(self, anon, settings):
        settings.METRICS_TOKEN = ""

        assert anon.get("/metrics").status_code == 404

    @pytest.mark.parametrize("authorization", [None, "Bearer wrong", f"Token {TOKEN}", TOKEN])
    def test_it_refuses_whoever_lacks_the_token(self, anon, settings, authorization):
        settings.METRICS_TOKEN = TOKEN
        headers = {} if authorization is None else {"HTTP_AUTHORIZATION": authorization}

        response = anon.get("/metrics", **headers)

        assert response.status_code == 401
        assert b"kneadly_" not in response.content

    def test_it_serves_requests_bookings_deliveries_and_queue_depth(self, anon, settings, bookings):
        settings.METRICS_TOKEN = TOKEN
        celery_app.control.purge()
        heartbeat.delay()  # no worker runs here: it waits in the broker
        anon.get("/api/v1/health/live/")

        response = anon.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
        text = response.content.decode()
        celery_app.control.purge()

        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/plain")
        assert re.search(r'kneadly_http_requests_total\{method="GET",status="200"\} [1-9]', text)
        assert "kneadly_http_request_duration_seconds_bucket" in text
        assert "kneadly_bookings_created_total 3.0" in text
        assert 'kneadly_bookings{status="cancelled"} 1.0' in text
        assert 'kneadly_bookings{status="confirmed"} 2.0' in text
        assert 'kneadly_deliveries_total{channel="email",kind="notice",status="sent"} 1.0' in text
        assert 'kneadly_deliveries_pending{kind="notice"} 1.0' in text
        assert 'kneadly_queue_depth{queue="celery"} 1.0' in text


class TestSentry:
    def test_reports_are_on_only_with_a_dsn_and_never_carry_personal_data(self):
        code = (
            "import os; os.environ['DJANGO_SETTINGS_MODULE']='config.settings'; "
            "import django; django.setup(); import sentry_sdk; "
            "client = sentry_sdk.get_client(); o = client.options; "
            "print(client.is_active(), o['send_default_pii'], o['include_local_variables'], "
            "o['max_request_body_size'], getattr(o['before_send'], '__name__', None))"
        )
        env = {**os.environ, "SECRET_KEY": "x" * 50}
        run = [sys.executable, "-c", code]
        without = subprocess.run(run, env=env, capture_output=True, text=True, check=True)
        with_dsn = subprocess.run(
            run,
            env={**env, "SENTRY_DSN": "http://public@127.0.0.1:1/1"},
            capture_output=True,
            text=True,
            check=True,
        )

        assert without.stdout.split()[0] == "False"
        assert with_dsn.stdout.split() == ["True", "False", "False", "never", "scrub"]

    def test_scrub_drops_bodies_secrets_and_health_fields(self):
        event = {
            "request": {
                "url": "https://clinic.example/api/v1/therapists/3/calendar.ics?token=s3cret",
                "query_string": "token=s3cret&x=1",
                "method": "POST",
                "data": {"conditions": "fibromyalgia", "medications": "warfarin"},
                "cookies": {"sessionid": "abc"},
                "headers": {"Authorization": "Token t0k", "Cookie": "a=b", "User-Agent": "ua"},
                "env": {"REMOTE_ADDR": "203.0.113.7"},
            },
            "extra": {"intake": {"allergies": "latex", "id": 4}, "subjective": "neck pain"},
            "contexts": {"note": {"plan": "weekly", "assessment": "tight traps"}},
            "breadcrumbs": {"values": [{"message": "x", "data": {"conditions": "migraine"}}]},
        }

        scrubbed = repr(scrub(event, {}))

        for secret in ("fibromyalgia", "warfarin", "abc", "t0k", "s3cret", "latex", "neck pain",
                       "weekly", "tight traps", "migraine", "203.0.113.7", "a=b"):  # fmt: skip
            assert secret not in scrubbed, secret
        assert event["request"]["headers"] == {"User-Agent": "ua"}
        assert event["extra"]["intake"] == {"allergies": FILTERED, "id": 4}
        assert event["request"]["query_string"] == "token=[redacted]&x=1"
