"""Double booking through the real HTTP stack: gunicorn with several workers on a throwaway
database.

1. Race: N clients (default 50) POST the same slot at the same moment: exactly one 201, the
   rest 409, and no overlapping active bookings in the database afterwards.
2. Throughput: M bookings (default 500) on distinct slots from C concurrent clients
   (default 8): bookings per second and latency p50/p99.

    make bench
    python -m devtools.embedded exec -- python bench/booking_race.py --racers 50 --bookings 500

Needs DATABASE_URL (the server it names gets a throwaway database, dropped at the end) and
REDIS_URL.
"""

import argparse
import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta
from datetime import time as wall
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SOURCE_URL = os.environ.get("DATABASE_URL", "")
if not SOURCE_URL:
    sys.exit("DATABASE_URL is not set (or run under `python -m devtools.embedded exec --`).")
_parsed = urlparse(SOURCE_URL)
THROWAWAY = f"{_parsed.path.lstrip('/') or 'kneadly'}_race"
THROWAWAY_URL = urlunparse(_parsed._replace(path=f"/{THROWAWAY}"))
SERVER_ENV = {
    "DATABASE_URL": THROWAWAY_URL,
    "SECRET_KEY": "kneadly-bench-only",
    "DEBUG": "0",
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "SECURE_SSL_REDIRECT": "0",
    "THROTTLE_BOOKING": "1000000/min",  # the benchmark measures booking, not the throttle
    "LOG_LEVEL": "ERROR",
}
GUNICORN_LOG = ROOT / "var" / "bench-gunicorn.log"  # its 409 warnings are the point, not news
os.environ.update(SERVER_ENV)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

THERAPISTS = 10
OPEN, CLOSE = wall(8), wall(20)
DURATION, BUFFER = 60, 15


def admin_connection():
    """A connection to the server's maintenance database, for CREATE/DROP DATABASE."""
    return psycopg.connect(urlunparse(_parsed._replace(path="/postgres")), autocommit=True)


def recreate_database():
    with admin_connection() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{THROWAWAY}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{THROWAWAY}"')


def drop_database():
    with admin_connection() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{THROWAWAY}" WITH (FORCE)')


def seed(users_needed: int):
    """Migrate and load: a clinic, one service, therapists working every day, and one client
    (with an API token) per request we will send."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command

    from clients.models import Client
    from clinic.accounts import issue_token
    from clinic.models import Clinic, Modality, Service
    from therapists.models import Therapist, WorkingHours

    call_command("migrate", verbosity=0)
    User = get_user_model()
    clinic = Clinic.get()
    clinic.timezone = "America/Toronto"
    clinic.save()
    service = Service.objects.create(
        name="Deep tissue massage",
        modality=Modality.DEEP_TISSUE,
        duration_minutes=DURATION,
        buffer_minutes=BUFFER,
        price="120.00",
    )
    password = make_password("bench")
    rmt_users = User.objects.bulk_create(
        User(username=f"rmt{i}", password=password) for i in range(THERAPISTS)
    )
    therapists = Therapist.objects.bulk_create(
        Therapist(user=u, display_name=f"RMT {i}", modalities=[Modality.DEEP_TISSUE])
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
        User(username=f"client{i}", password=password) for i in range(users_needed)
    )
    Client.objects.bulk_create(
        Client(user=u, first_name=f"Client{i}", last_name="Bench") for i, u in enumerate(users)
    )
    keys = [issue_token(u)[1] for u in users]  # each an expiring API sign-in
    return clinic.tz, service.pk, [t.pk for t in therapists], keys


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(port: int, workers: int) -> subprocess.Popen:
    GUNICORN_LOG.parent.mkdir(exist_ok=True)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--backlog",
            "512",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env={**os.environ, **SERVER_ENV},
        start_new_session=True,
        stdout=GUNICORN_LOG.open("w"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            status, _ = request(port, "GET", "/api/v1/health/")
            if status in (200, 503):
                return process
        except OSError:
            time.sleep(0.2)
    stop(process)
    raise RuntimeError(f"gunicorn did not answer within 60 seconds; see {GUNICORN_LOG}")


def stop(process: subprocess.Popen):
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def request(port, method, path, body=None, token=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Token {token}"
    try:
        conn.request(method, path, body=json.dumps(body) if body else None, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


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


def race(port, racers, tokens, body):
    barrier = threading.Barrier(racers)
    statuses = [None] * racers

    def run(i):
        barrier.wait()
        statuses[i] = request(port, "POST", "/api/v1/bookings/", body, tokens[i])[0]

    threads = [threading.Thread(target=run, args=(i,)) for i in range(racers)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses, time.perf_counter() - started


def distinct_slots(tz, therapist_ids, count):
    """Back-to-back slots (service + buffer apart) from the day after tomorrow on."""
    first = datetime.now(tz).date() + timedelta(days=2)
    step = timedelta(minutes=DURATION + BUFFER)
    slots = []
    day = first
    while len(slots) < count:
        start = datetime.combine(day, OPEN, tzinfo=tz)
        close = datetime.combine(day, CLOSE, tzinfo=tz)
        while start + step <= close and len(slots) < count:
            slots.extend((t, start) for t in therapist_ids)
            start += step
        day += timedelta(days=1)
    return slots[:count]


def throughput(port, tokens, service, slots, concurrency):
    queue = list(enumerate(slots))
    lock = threading.Lock()
    latencies, statuses = [], []

    def worker():
        while True:
            with lock:
                if not queue:
                    return
                i, (therapist, start) = queue.pop()
            body = {"therapist": therapist, "service": service, "start": start.isoformat()}
            began = time.perf_counter()
            status, _ = request(port, "POST", "/api/v1/bookings/", body, tokens[i])
            elapsed = time.perf_counter() - began
            with lock:
                latencies.append(elapsed)
                statuses.append(status)

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, statuses, time.perf_counter() - started


def percentile(samples, p):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--racers", type=int, default=50)
    parser.add_argument("--bookings", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()

    recreate_database()
    process = None
    try:
        tz, service, therapist_ids, tokens = seed(args.racers + args.bookings)
        from django.db import connections

        connections.close_all()
        port = free_port()
        process = start_gunicorn(port, args.workers)

        slot = distinct_slots(tz, therapist_ids[:1], 1)[0][1]
        body = {"therapist": therapist_ids[0], "service": service, "start": slot.isoformat()}
        statuses, race_seconds = race(port, args.racers, tokens[: args.racers], body)
        counts = {code: statuses.count(code) for code in sorted(set(statuses))}
        race_overlaps = overlaps_in_database()
        print(f"Race: {args.racers} clients, one slot, gunicorn with {args.workers} workers")
        print(f"  answers: {counts}  in {race_seconds * 1000:.0f} ms")
        print(f"  overlapping active bookings in the database: {race_overlaps}")
        race_ok = counts == {201: 1, 409: args.racers - 1} and race_overlaps == 0
        print(f"  exactly one 201, the rest 409, no overlap: {'yes' if race_ok else 'NO'}")

        slots = distinct_slots(tz, therapist_ids, args.bookings + 1)[1:]  # skip the raced one
        latencies, statuses, seconds = throughput(
            port, tokens[args.racers :], service, slots, args.concurrency
        )
        created = statuses.count(201)
        print(
            f"Throughput: {args.bookings} bookings on distinct slots, {args.concurrency} "
            f"concurrent clients"
        )
        print(
            f"  {created / seconds:.1f} bookings/s; latency p50 "
            f"{statistics.median(latencies) * 1000:.0f} ms, p99 "
            f"{percentile(latencies, 99) * 1000:.0f} ms; answers "
            f"{ {code: statuses.count(code) for code in sorted(set(statuses))} }"
        )
        print(f"  overlapping active bookings in the database: {overlaps_in_database()}")
        if not race_ok or created != args.bookings:
            sys.exit(1)
    finally:
        if process is not None:
            stop(process)
        from django.db import connections

        connections.close_all()
        drop_database()


if __name__ == "__main__":
    main()
