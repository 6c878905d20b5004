"""A realistic mix of requests against gunicorn on a throwaway database, for a fixed time.

Clients search availability, book (a lost race for a slot is a 409, counted apart), list and
cancel their bookings; therapists read their day, chart checked-in visits (write, edit, sign)
and read charts and trigger point progress (bench/locustfile.py). Locust runs headless in its
own venv (var/load-venv, bench/load-requirements.txt), so gevent never reaches the service's.
Prints requests/s and p50/p95/p99 per endpoint, the error count, and the number of overlapping
active bookings found with SQL afterwards.

    make load                                   # 2 minutes, 40 simulated people
    python -m devtools.embedded exec -- python bench/load.py --users 60 --seconds 120

Needs DATABASE_URL (the server it names gets a throwaway database `<name>_load`, dropped at
the end) and REDIS_URL.
"""

import argparse
import csv
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import datetime, timedelta
from datetime import time as wall
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
LOCUST = ROOT / "var" / "load-venv" / "bin" / "locust"
OUT = ROOT / "var" / "load"

SOURCE_URL = os.environ.get("DATABASE_URL", "")
if not SOURCE_URL:
    sys.exit("DATABASE_URL is not set (or run under `python -m devtools.embedded exec --`).")
_parsed = urlparse(SOURCE_URL)
THROWAWAY = f"{_parsed.path.lstrip('/') or 'kneadly'}_load"
THROWAWAY_URL = urlunparse(_parsed._replace(path=f"/{THROWAWAY}"))
SERVER_ENV = {
    "DATABASE_URL": THROWAWAY_URL,
    "SECRET_KEY": "kneadly-bench-only",
    "DEBUG": "0",
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "SECURE_SSL_REDIRECT": "0",
    "THROTTLE_BOOKING": "1000000/min",  # many people share one address here
    "THROTTLE_AUTH": "1000000/min",  # and sign in on the pages from it within a minute
    # The portal's visitors and the staff screens sign in with a session over plain HTTP.
    "SESSION_COOKIE_SECURE": "0",
    "CSRF_COOKIE_SECURE": "0",
    "LOG_LEVEL": "ERROR",
}
os.environ.update(SERVER_ENV)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

THERAPISTS, CLIENTS, VISITS_PER_THERAPIST, DAYS = 10, 300, 120, 14
OPEN, CLOSE = wall(8), wall(20)
DURATION, BUFFER = 60, 15


def admin_connection():
    return psycopg.connect(urlunparse(_parsed._replace(path="/postgres")), autocommit=True)


def recreate_database():
    with admin_connection() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{THROWAWAY}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{THROWAWAY}"')


def drop_database():
    with admin_connection() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{THROWAWAY}" WITH (FORCE)')


def seed() -> dict:
    """A clinic with 10 therapists (08:00-20:00 every day), 300 clients with an intake each,
    and per therapist 120 past checked-in visits waiting to be charted."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command

    from bookings.models import Booking
    from clients.models import Client, Intake
    from clinic.accounts import issue_token
    from clinic.models import Clinic, Modality, Service
    from therapists.models import Therapist, WorkingHours

    call_command("migrate", verbosity=0)
    User = get_user_model()
    clinic = Clinic.get()
    clinic.timezone = "America/Toronto"
    clinic.booking_horizon_days = max(clinic.booking_horizon_days, DAYS + 7)
    clinic.save()
    tz = clinic.tz
    service = Service.objects.create(
        name="Trigger point therapy",
        modality=Modality.TRIGGER_POINT,
        duration_minutes=DURATION,
        buffer_minutes=BUFFER,
        price="95.00",
    )
    password = make_password("bench")
    rmt_users = User.objects.bulk_create(
        User(username=f"rmt{i}", password=password) for i in range(THERAPISTS)
    )
    therapists = Therapist.objects.bulk_create(
        Therapist(user=u, display_name=f"RMT {i}", modalities=[Modality.TRIGGER_POINT])
        for i, u in enumerate(rmt_users)
    )
    for therapist in therapists:
        therapist.services.add(service)
    WorkingHours.objects.bulk_create(
        WorkingHours(therapist=t, weekday=d, start_time=OPEN, end_time=CLOSE)
        for t in therapists
        for d in range(7)
    )
    users = User.objects.bulk_create(
        User(username=f"client{i}", password=password) for i in range(CLIENTS)
    )
    clients = Client.objects.bulk_create(
        Client(user=u, first_name=f"Client{i}", last_name="Load") for i, u in enumerate(users)
    )
    now = datetime.now(tz)
    Intake.objects.bulk_create(
        Intake(
            client=c,
            conditions="Tension headaches",
            takes_anticoagulants=i % 7 == 0,
            consent_given=True,
            consent_version="2026-01",
            consent_signed_at=now,
        )
        for i, c in enumerate(clients)
    )
    client_keys = [issue_token(u)[1] for u in users]  # each an expiring API sign-in
    rmt_keys = [issue_token(u)[1] for u in rmt_users]
    # Past visits, back to back, each therapist with their own 30 clients.
    visits = []
    step = timedelta(minutes=DURATION + BUFFER)
    for n, therapist in enumerate(therapists):
        mine = clients[n * 30 : (n + 1) * 30]
        day, start = now.date() - timedelta(days=1), None
        for k in range(VISITS_PER_THERAPIST):
            if start is None or start + step > datetime.combine(day, CLOSE, tzinfo=tz):
                day -= timedelta(days=1)
                start = datetime.combine(day, OPEN, tzinfo=tz)
            booking = Booking(
                therapist=therapist, client=mine[k % 30], service=service, status="checked_in"
            )
            booking.set_times(start, service)
            visits.append(booking)
            start += step
    Booking.objects.bulk_create(visits)
    logins = []
    for n, (therapist, key) in enumerate(zip(therapists, rmt_keys, strict=True)):
        logins.append(
            {
                "token": key,
                "visits": [b.pk for b in visits if b.therapist_id == therapist.pk],
                "clients": [c.pk for c in clients[n * 30 : (n + 1) * 30]],
            }
        )
    return {
        "today": now.date().isoformat(),
        "days": DAYS,
        "service": service.pk,
        "therapists": [t.pk for t in therapists],
        "clients": client_keys,
        "client_usernames": [u.username for u in users],
        "password": "bench",
        "therapist_logins": logins,
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(port: int, workers: int, threads: int) -> subprocess.Popen:
    log = OUT / "gunicorn.log"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--bind",
            f"127.0.0.1:{port}",
            "--backlog",
            "1024",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env={**os.environ, **SERVER_ENV},
        start_new_session=True,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health/", timeout=5):
                return process
        except OSError:
            time.sleep(0.3)
    stop(process)
    raise RuntimeError(f"gunicorn did not answer within 60 seconds; see {log}")


def stop(process: subprocess.Popen):
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def overlaps_in_database() -> int:
    with psycopg.connect(THROWAWAY_URL) as conn:
        return conn.execute(
            """
            SELECT count(*) FROM bookings_booking a JOIN bookings_booking b
              ON a.id < b.id AND a.therapist_id = b.therapist_id
             AND tstzrange(a.start, a.blocks_until) && tstzrange(b.start, b.blocks_until)
            WHERE a.status IN ('requested', 'confirmed', 'checked_in')
              AND b.status IN ('requested', 'confirmed', 'checked_in')
            """
        ).fetchone()[0]


def report(stats_csv: Path, outcomes: dict, seconds: int) -> int:
    rows = list(csv.DictReader(stats_csv.open()))
    print(f"{'endpoint':<34}{'requests':>9}{'req/s':>8}{'p50':>7}{'p95':>7}{'p99':>7}{'errors':>8}")
    errors = 0
    for row in rows:
        name = "all" if row["Name"] == "Aggregated" else f"{row['Type']} {row['Name']}"
        name = name.replace("GET GET ", "GET ").replace("POST POST ", "POST ")
        name = name.replace("PATCH PATCH ", "PATCH ")
        print(
            f"{name[:33]:<34}{row['Request Count']:>9}{float(row['Requests/s']):>8.1f}"
            f"{row['50%']:>7}{row['95%']:>7}{row['99%']:>7}{row['Failure Count']:>8}"
        )
        if row["Name"] == "Aggregated":
            errors = int(row["Failure Count"])
    print("(latencies in ms)")
    print(
        f"bookings made {outcomes['booked']}, lost races (409) {outcomes['conflicts']}, "
        f"cancelled {outcomes['cancelled']}, notes written {outcomes['notes']}, "
        f"signed {outcomes['signed']}; on the staff screens: drafts saved "
        f"{outcomes.get('page_drafts', 0)}, signed {outcomes.get('page_signed', 0)}"
    )
    return errors


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=40, help="simulated people at once")
    parser.add_argument("--spawn-rate", type=float, default=10)
    parser.add_argument("--seconds", type=int, default=120)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    if not LOCUST.exists():
        sys.exit(f"{LOCUST} is missing: run `make load` (it installs locust there).")
    OUT.mkdir(parents=True, exist_ok=True)

    recreate_database()
    process = None
    try:
        world = seed()
        (OUT / "world.json").write_text(json.dumps(world))
        from django.db import connections

        connections.close_all()
        port = free_port()
        process = start_gunicorn(port, args.workers, args.threads)
        print(
            f"{args.users} simulated people (4 clients : 1 therapist, 1-3 s between actions) for "
            f"{args.seconds} s against gunicorn ({args.workers} workers x {args.threads} threads)"
        )
        subprocess.run(
            [
                str(LOCUST),
                "-f",
                str(ROOT / "bench" / "locustfile.py"),
                "--headless",
                "--users",
                str(args.users),
                "--spawn-rate",
                str(args.spawn_rate),
                "--run-time",
                f"{args.seconds}s",
                "--host",
                f"http://127.0.0.1:{port}",
                "--csv",
                str(OUT / "locust"),
                "--only-summary",
                "--loglevel",
                "WARNING",
            ],
            env={
                **os.environ,
                "LOAD_WORLD": str(OUT / "world.json"),
                "LOAD_OUTCOMES": str(OUT / "outcomes.json"),
            },
            stdout=(OUT / "locust.log").open("w"),
            stderr=subprocess.STDOUT,
            check=False,
        )
        outcomes = json.loads((OUT / "outcomes.json").read_text())
        errors = report(OUT / "locust_stats.csv", outcomes, args.seconds)
        overlaps = overlaps_in_database()
        print(f"errors: {errors}; overlapping active bookings in the database: {overlaps}")
        if errors or overlaps:
            sys.exit(1)
    finally:
        if process is not None:
            stop(process)
        from django.db import connections

        connections.close_all()
        drop_database()


if __name__ == "__main__":
    main()
