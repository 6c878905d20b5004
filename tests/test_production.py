"""The production shape, run for real: gunicorn with its config file, a Celery worker and beat,
and the container health checks of docker-compose.yml run as written against them."""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import yaml
from django.db import connection

from tests import factories

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parent.parent
HOST = "clinic.example"  # the documented configuration: ALLOWED_HOSTS is the public name only
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_url() -> str:
    """The test database, for the processes started here."""
    db = connection.settings_dict
    if db["HOST"].startswith("/"):
        return f"postgresql://{db['USER']}:{db['PASSWORD'] or ''}@/{db['NAME']}?host={db['HOST']}"
    return f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def server_env(port: int, **extra) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DEBUG": "0",
        "SECRET_KEY": "production-shape-test-" + "x" * 40,
        "ALLOWED_HOSTS": HOST,
        "SECURE_SSL_REDIRECT": "1",
        "PORT": str(port),
        "WEB_CONCURRENCY": "2",
        "HEARTBEAT_EVERY": "1",
        "HEARTBEAT_MAX_AGE": "5",
        **extra,
    }


def start(command: list[str], env: dict, log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def get(port: int, path: str, **headers) -> tuple[int, bytes]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", headers={"Host": HOST, **headers}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def wait_for(condition, timeout=60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.3)
    return False


def answers(port: int, path: str) -> bool:
    try:
        return get(port, path)[0] == 200
    except OSError:
        return False


def gunicorn(port: int, env: dict, log: Path) -> subprocess.Popen:
    process = start(
        [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py", "config.wsgi"], env, log
    )
    if not wait_for(lambda: answers(port, "/api/v1/health/live/")):
        stop(process)
        pytest.fail(f"gunicorn did not start:\n{log.read_text()}")
    return process


def healthcheck(service: str, env: dict) -> subprocess.CompletedProcess:
    """Run the service's health check command from docker-compose.yml, as the container would."""
    test = COMPOSE["services"][service]["healthcheck"]["test"]
    assert test[0] == "CMD", test
    command = [sys.executable if part == "python" else part for part in test[1:]]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


def test_every_health_check_passes_on_the_running_stack_and_beat_stopping_shows(tmp_path):
    port = free_port()
    env = server_env(port)
    assert healthcheck("beat", env).returncode == 1  # nothing has beaten yet

    web = gunicorn(port, env, tmp_path / "web.log")
    worker = start(
        # The default node name, celery@<hostname>, as in the container.
        [sys.executable, "-m", "celery", "-A", "config", "worker", "-P", "solo"],
        env,
        tmp_path / "worker.log",
    )
    beat = start(
        [sys.executable, "-m", "celery", "-A", "config", "beat", "-s", str(tmp_path / "beat")],
        env,
        tmp_path / "beat.log",
    )
    try:
        ready = wait_for(lambda: answers(port, "/api/v1/health/ready/"), timeout=90)
        logs = {name: (tmp_path / f"{name}.log").read_text() for name in ("worker", "beat")}
        assert ready, (get(port, "/api/v1/health/ready/"), logs)

        for service in ("web", "worker", "beat"):
            result = healthcheck(service, env)
            assert result.returncode == 0, (service, result.stdout, result.stderr)

        stop(beat)
        time.sleep(6)  # longer than HEARTBEAT_MAX_AGE

        assert healthcheck("beat", env).returncode == 1
        status, body = get(port, "/api/v1/health/ready/")
        assert status == 503
        assert json.loads(body)["beat"] == "down"
        assert json.loads(body)["worker"] == "ok"
    finally:
        for process in (beat, worker, web):
            stop(process)


def test_logs_are_json_with_the_request_id_and_never_a_calendar_token(tmp_path):
    therapist = factories.make_therapist(display_name="Tess")
    secret = therapist.calendar_token
    port = free_port()
    log = tmp_path / "web.log"
    env = server_env(port, SECURE_SSL_REDIRECT="0", METRICS_TOKEN="scrape-me")
    web = gunicorn(port, env, log)
    try:
        path = f"/api/v1/therapists/{therapist.pk}/calendar.ics?token={secret}"
        status, body = get(port, path, Referer=f"https://{HOST}{path}")
        assert status == 200, body
        assert b"BEGIN:VCALENDAR" in body
        get(port, f"/api/v1/health/live/?api_key={secret}&page=2")
        assert get(port, "/api/v1/no-such-thing/", **{"X-Request-ID": "req-test-42"})[0] == 404
        for _ in range(6):  # spread over both workers
            get(port, "/api/v1/health/live/")
        status, metrics = get(port, "/metrics", Authorization="Bearer scrape-me")
    finally:
        stop(web)

    text = log.read_text()
    lines = [json.loads(line) for line in text.splitlines() if '"gunicorn.access"' in line]
    calendar = [line for line in lines if line["path"].endswith("calendar.ics")]
    assert len(calendar) == 1, text
    assert calendar[0]["query"] == "token=[redacted]"
    assert calendar[0]["status"] == "200"
    assert any(line["query"] == "api_key=[redacted]&page=2" for line in lines), text
    assert secret not in text
    # Every line is JSON; the request's own log lines and its access line share its id.
    records = [json.loads(line) for line in text.splitlines() if line.strip()]
    tagged = [r for r in records if r.get("request_id") == "req-test-42"]
    assert {r["logger"] for r in tagged} == {"django.request", "gunicorn.access"}, text
    # Request metrics add up over gunicorn's workers (at least the 8 probes above).
    assert status == 200
    counted = re.search(rb'kneadly_http_requests_total\{method="GET",status="200"\} (\S+)', metrics)
    assert counted and float(counted.group(1)) >= 8, metrics
