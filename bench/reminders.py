"""Dispatch 10,000 due reminders through real Celery workers and the real Redis broker.

    make bench
    python -m devtools.embedded exec -- python bench/reminders.py [--count 10000]

Needs DATABASE_URL (the server it names gets a throwaway database `<name>_reminders`, dropped
at the end) and REDIS_URL (the bench's workers use their own queue, `bench-reminders`, so a
running `make run` is not disturbed).

Round 1: one worker (prefork, 2 processes) and one beat; round 2: two workers and two beats
at once. Each round inserts the due reminders (pending, due a second ago, for bookings in the
next days), then times until every row is `sent`. Email goes to a backend that records each
send in Redis (bench/reminder_backends.py), so duplicates are counted from what the channel
received, not from the rows. The beats run the dispatcher every second here (the project's
default is every minute); everything else is the project's configuration.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import psycopg

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

SOURCE_URL = os.environ.get("DATABASE_URL", "")
if not SOURCE_URL:
    sys.exit("DATABASE_URL is not set (or run under `python -m devtools.embedded exec --`).")
_parsed = urlparse(SOURCE_URL)
THROWAWAY = f"{_parsed.path.lstrip('/') or 'kneadly'}_reminders"
os.environ.update(
    {
        "DATABASE_URL": urlunparse(_parsed._replace(path=f"/{THROWAWAY}")),
        "DJANGO_SETTINGS_MODULE": "bench.reminder_settings",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or "kneadly-bench-only",
        "LOG_LEVEL": "WARNING",
    }
)


def admin_connection():
    """A connection to the server's maintenance database, for CREATE/DROP DATABASE."""
    return psycopg.connect(urlunparse(_parsed._replace(path="/postgres")), autocommit=True)


with admin_connection() as _conn:
    _conn.execute(f'DROP DATABASE IF EXISTS "{THROWAWAY}" WITH (FORCE)')
    _conn.execute(f'CREATE DATABASE "{THROWAWAY}"')

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connections  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.reminder_backends import SENT_KEY, client  # noqa: E402
from bookings.models import Booking  # noqa: E402
from clients.models import Client  # noqa: E402
from clinic.models import Clinic, Modality, Service  # noqa: E402
from config.celery import app as celery_app  # noqa: E402
from notifications.models import Reminder  # noqa: E402
from therapists.models import Therapist  # noqa: E402

PREFIX = "bench-"
THERAPISTS = 100
User = get_user_model()


def drop_database() -> None:
    connections.close_all()
    with admin_connection() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{THROWAWAY}" WITH (FORCE)')


def make_bookings(count: int) -> list[int]:
    """`count` confirmed bookings in the next days: 100 therapists, a client each."""
    Clinic.get()
    service = Service.objects.create(
        name=f"{PREFIX}service",
        modality=Modality.TRIGGER_POINT,
        duration_minutes=60,
        buffer_minutes=15,
        price=Decimal("95.00"),
    )
    users = User.objects.bulk_create(
        User(username=f"{PREFIX}t{i}", email=f"{PREFIX}t{i}@example.com") for i in range(THERAPISTS)
    )
    therapists = Therapist.objects.bulk_create(
        Therapist(user=user, display_name=f"Bench Therapist {i}", calendar_token=f"bench{i}")
        for i, user in enumerate(users)
    )
    clients = Client.objects.bulk_create(
        Client(first_name="Bench", last_name=str(i), email=f"{PREFIX}{i}@example.com")
        for i in range(count)
    )
    first = (timezone.now() + timedelta(hours=3)).replace(second=0, microsecond=0)
    bookings = []
    for i, booking_client in enumerate(clients):
        booking = Booking(
            therapist=therapists[i % THERAPISTS],
            client=booking_client,
            service=service,
            status="confirmed",
        )
        booking.set_times(first + timedelta(minutes=75 * (i // THERAPISTS)), service)
        bookings.append(booking)
    return [b.pk for b in Booking.objects.bulk_create(bookings, batch_size=2000)]


def insert_due_reminders(booking_ids: list[int]) -> None:
    now = timezone.now()
    bookings = Booking.objects.filter(pk__in=booking_ids).only("pk", "start")
    Reminder.objects.bulk_create(
        (
            Reminder(
                booking_id=b.pk,
                offset_hours=2,
                channel="email",
                appointment_start=b.start,
                due_at=now - timedelta(seconds=1),
            )
            for b in bookings
        ),
        batch_size=2000,
    )


def start(processes: list, argv: list[str], log: Path, **env) -> None:
    processes.append(
        subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", *argv],
            cwd=BASE_DIR,
            env={**os.environ, **env},
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
        )
    )


def stop(processes: list) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def wait_for_workers(count: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        replies = celery_app.control.ping(timeout=1.0)
        if sum(1 for reply in replies for name in reply if name.startswith("bench")) >= count:
            return
    raise SystemExit(f"{count} worker(s) did not come up in {timeout:.0f} s")


def run_round(booking_ids, *, workers: int, beats: int, concurrency: int, tmp: Path) -> dict:
    Reminder.objects.filter(booking_id__in=booking_ids).delete()
    celery_app.control.purge()
    client().delete(SENT_KEY)
    processes: list = []
    log = tmp / f"round-{workers}w{beats}b.log"
    try:
        for n in range(workers):
            start(
                processes,
                ["worker", "-l", "warning", "-c", str(concurrency), "-n", f"bench{n}@%h"],
                log,
                BENCH_NODE=f"worker{n}",
            )
        wait_for_workers(workers)
        for n in range(beats):
            schedule = tmp / f"beat{n}-{workers}w"
            start(
                processes,
                ["beat", "-l", "warning", "-s", str(schedule)],
                log,
                REMINDER_DISPATCH_EVERY="1",
            )
        insert_due_reminders(booking_ids)
        started = time.monotonic()
        total = len(booking_ids)
        while True:
            sent = Reminder.objects.filter(booking_id__in=booking_ids, status="sent").count()
            if sent >= total or time.monotonic() - started > 900:
                break
            time.sleep(0.25)
        elapsed = time.monotonic() - started
        time.sleep(3)  # anything still in flight would show up as a duplicate
    finally:
        stop(processes)
    entries = [e.decode() for e in client().lrange(SENT_KEY, 0, -1)]
    deliveries = Counter(entry.split()[0] for entry in entries)
    statuses = Counter(
        Reminder.objects.filter(booking_id__in=booking_ids).values_list("status", flat=True)
    )
    return {
        "workers": workers,
        "beats": beats,
        "reminders": total,
        "seconds": elapsed,
        "per_second": sent / elapsed,
        "sends": len(entries),
        "duplicates": sum(n - 1 for n in deliveries.values() if n > 1),
        "statuses": dict(statuses),
        "per_worker": dict(Counter(entry.split()[1] for entry in entries)),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=2, help="processes per worker")
    args = parser.parse_args()

    results = []
    try:
        call_command("migrate", verbosity=0)
        booking_ids = make_bookings(args.count)
        with tempfile.TemporaryDirectory(prefix="kneadly-bench-") as tmp:
            for workers, beats in ((1, 1), (2, 2)):
                result = run_round(
                    booking_ids,
                    workers=workers,
                    beats=beats,
                    concurrency=args.concurrency,
                    tmp=Path(tmp),
                )
                results.append(result)
                print(
                    f"{workers} worker(s) x {args.concurrency} processes, {beats} beat(s): "
                    f"{result['reminders']} reminders in {result['seconds']:.1f} s = "
                    f"{result['per_second']:.0f}/s; sends {result['sends']}, "
                    f"duplicates {result['duplicates']}; rows {result['statuses']}; "
                    f"sends per worker {result['per_worker']}",
                    flush=True,
                )
    finally:
        drop_database()
    ok = all(r["duplicates"] == 0 and r["sends"] == r["reminders"] for r in results)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
