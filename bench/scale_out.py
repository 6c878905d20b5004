"""Scale-out rehearsal: two web processes, two Celery workers and two beats on one PostgreSQL
and one Redis, under the load benchmark's mix plus a batch of due reminders.

    make scale-out                                   # about 2 minutes
    python -m devtools.embedded exec -- python bench/scale_out.py --seconds 90 --reminders 1000

Needs DATABASE_URL (the server it names gets a throwaway database `<name>_scale`, dropped at
the end) and REDIS_URL (the bench's workers use their own queue, so a running `make run` is not
disturbed). Locust comes from var/load-venv (`make scale-out` installs it, as `make load` does).

The shape, as on several machines: two gunicorns (each its own port: two web machines; the
simulated people are spread over them, as a load balancer would), two workers and two beats
started independently (nothing tells one about the other), one database and one broker.
While the load runs, `--reminders` reminders fall due at once (for bookings of therapists the
load does not use); the beats schedule the dispatcher every second. Email goes to a backend
that records every message it is handed in Redis (bench/reminder_backends.py), so duplicate
deliveries are counted from what the channel received, not from the rows.

Prints the requests and errors per endpoint (locust), the overlapping active bookings (SQL
over the whole table afterwards), the reminders sent and the duplicate deliveries; exits 1
unless errors, overlaps and duplicates are all zero and every reminder was sent.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

if not os.environ.get("DATABASE_URL"):
    sys.exit("DATABASE_URL is not set (or run under `python -m devtools.embedded exec --`).")
# Every process (web, workers, beats) uses the project's settings with the counting email
# backend and the bench's own queue.
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.reminder_settings"
_source = urlparse(os.environ["DATABASE_URL"])

from bench import load  # noqa: E402  (reads DATABASE_URL; its database name is replaced below)

load.THROWAWAY = f"{_source.path.lstrip('/') or 'kneadly'}_scale"
load.THROWAWAY_URL = urlunparse(_source._replace(path=f"/{load.THROWAWAY}"))
load.SERVER_ENV["DATABASE_URL"] = os.environ["DATABASE_URL"] = load.THROWAWAY_URL
load.OUT = ROOT / "var" / "scale-out"

WEB, WORKERS, BEATS = 2, 2, 2
EXTRA_THERAPISTS = 50  # the reminders' bookings: therapists the load's people never book


def due_reminders(count: int) -> list[int]:
    """`count` confirmed bookings from 3 hours ahead, each with an email reminder due now."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from bookings.models import Booking
    from clients.models import Client
    from clinic.models import Modality, Service
    from notifications.models import Reminder
    from therapists.models import Therapist

    user_model = get_user_model()
    service = Service.objects.create(
        name="Scale-out reminders",
        modality=Modality.DEEP_TISSUE,
        duration_minutes=60,
        buffer_minutes=15,
        price=Decimal("95.00"),
    )
    users = user_model.objects.bulk_create(
        user_model(username=f"scale-t{i}") for i in range(EXTRA_THERAPISTS)
    )
    therapists = Therapist.objects.bulk_create(
        Therapist(user=u, display_name=f"Scale RMT {i}", calendar_token=f"scale{i}")
        for i, u in enumerate(users)
    )
    clients = Client.objects.bulk_create(
        Client(first_name="Scale", last_name=str(i), email=f"scale{i}@example.com")
        for i in range(count)
    )
    first = (timezone.now() + timedelta(hours=3)).replace(second=0, microsecond=0)
    bookings = []
    for i, client in enumerate(clients):
        booking = Booking(
            therapist=therapists[i % EXTRA_THERAPISTS],
            client=client,
            service=service,
            status="confirmed",
        )
        booking.set_times(first + timedelta(minutes=75 * (i // EXTRA_THERAPISTS)), service)
        bookings.append(booking)
    Booking.objects.bulk_create(bookings, batch_size=2000)
    now = timezone.now()
    reminders = Reminder.objects.bulk_create(
        (
            Reminder(
                booking=b,
                offset_hours=2,
                channel="email",
                appointment_start=b.start,
                due_at=now + timedelta(seconds=20),  # once every process is up
            )
            for b in bookings
        ),
        batch_size=2000,
    )
    return [r.pk for r in reminders]


def celery(argv: list[str], log: Path, **env) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", *argv],
        cwd=ROOT,
        env={**os.environ, **load.SERVER_ENV, **env},
        start_new_session=True,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )


def reminders_sent(ids: list[int]) -> int:
    from notifications.models import Reminder

    return Reminder.objects.filter(pk__in=ids, status="sent").count()


def seconds_to_send(ids: list[int]) -> float:
    """From the moment the reminders fell due to the last one sent."""
    from django.db.models import Max, Min

    from notifications.models import Reminder

    span = Reminder.objects.filter(pk__in=ids).aggregate(due=Min("due_at"), last=Max("sent_at"))
    return (span["last"] - span["due"]).total_seconds() if span["last"] else float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=40, help="simulated people at once")
    parser.add_argument("--seconds", type=int, default=90, help="how long the load runs")
    parser.add_argument("--reminders", type=int, default=1000, help="reminders due at once")
    parser.add_argument("--web-workers", type=int, default=2, help="gunicorn workers per web")
    parser.add_argument("--concurrency", type=int, default=2, help="processes per worker")
    args = parser.parse_args()
    if not load.LOCUST.exists():
        sys.exit(f"{load.LOCUST} is missing: run `make scale-out` (it installs locust there).")
    load.OUT.mkdir(parents=True, exist_ok=True)
    for old in load.OUT.glob("*.log"):
        old.unlink()

    load.recreate_database()
    processes: list[subprocess.Popen] = []
    try:
        world = load.seed()
        (load.OUT / "world.json").write_text(json.dumps(world))
        from django.db import connections

        from bench.reminder_backends import SENT_KEY, client
        from config.celery import app as celery_app

        reminder_ids = due_reminders(args.reminders)
        celery_app.control.purge()
        client().delete(SENT_KEY)
        connections.close_all()

        ports = [load.free_port() for _ in range(WEB)]
        for port in ports:
            processes.append(load.start_gunicorn(port, args.web_workers, 1))
        for n in range(WORKERS):
            log = load.OUT / f"worker{n}.log"
            processes.append(
                celery(
                    ["worker", "-l", "warning", "-c", str(args.concurrency), "-n", f"scale{n}@%h"],
                    log,
                    BENCH_NODE=f"worker{n}",
                )
            )
        for n in range(BEATS):
            schedule = load.OUT / f"beat{n}-schedule"
            processes.append(
                celery(
                    ["beat", "-l", "warning", "-s", str(schedule)],
                    load.OUT / f"beat{n}.log",
                    REMINDER_DISPATCH_EVERY="1",
                )
            )
        print(
            f"{WEB} web processes ({args.web_workers} gunicorn workers each, ports "
            f"{', '.join(map(str, ports))}), {WORKERS} Celery workers x {args.concurrency} "
            f"processes, {BEATS} beats; one PostgreSQL, one Redis. {args.users} simulated people "
            f"for {args.seconds} s, {args.reminders} reminders due at once.",
            flush=True,
        )
        subprocess.run(
            [
                str(load.LOCUST),
                "-f",
                str(ROOT / "bench" / "locustfile.py"),
                "--headless",
                "--users",
                str(args.users),
                "--spawn-rate",
                "10",
                "--run-time",
                f"{args.seconds}s",
                "--host",
                f"http://127.0.0.1:{ports[0]}",
                "--csv",
                str(load.OUT / "locust"),
                "--only-summary",
                "--loglevel",
                "WARNING",
            ],
            env={
                **os.environ,
                "LOAD_WORLD": str(load.OUT / "world.json"),
                "LOAD_OUTCOMES": str(load.OUT / "outcomes.json"),
                "LOAD_HOSTS": ",".join(f"http://127.0.0.1:{port}" for port in ports),
            },
            stdout=(load.OUT / "locust.log").open("w"),
            stderr=subprocess.STDOUT,
            check=False,
        )
        deadline = time.monotonic() + 120  # the reminders the load left unsent
        while reminders_sent(reminder_ids) < len(reminder_ids) and time.monotonic() < deadline:
            time.sleep(1)
        time.sleep(5)  # anything still in flight would show up as a duplicate
        sent, took = reminders_sent(reminder_ids), seconds_to_send(reminder_ids)
        for process in processes:
            load.stop(process)
        processes.clear()

        outcomes = json.loads((load.OUT / "outcomes.json").read_text())
        errors = load.report(load.OUT / "locust_stats.csv", outcomes, args.seconds)
        with (load.OUT / "locust_stats.csv").open() as stats:
            rows = csv.DictReader(stats)
            requests = sum(int(r["Request Count"]) for r in rows if r["Name"] == "Aggregated")
        overlaps = load.overlaps_in_database()
        entries = [e.decode() for e in client().lrange(SENT_KEY, 0, -1)]
        # Every message the channel was handed: the due reminders, and the notices (booking
        # confirmations, cancellations) the load's own bookings queued.
        deliveries = Counter(entry.split()[0] for entry in entries)
        duplicates = sum(n - 1 for n in deliveries.values() if n > 1)
        reminder_entries = [e for e in entries if e.startswith("reminder:")]
        mine = {f"reminder:{pk}" for pk in reminder_ids}
        per_worker = Counter(e.split()[1] for e in reminder_entries if e.split()[0] in mine)
        print(f"requests: {requests}; errors: {errors}")
        print(f"overlapping active bookings in the database: {overlaps}")
        print(
            f"reminders due: {len(reminder_ids)}; sent: {sent} in {took:.0f} s (per worker "
            f"{dict(sorted(per_worker.items()))}); messages the channel received: {len(entries)} "
            f"({len(reminder_entries)} reminders, {len(entries) - len(reminder_entries)} notices); "
            f"duplicate deliveries: {duplicates}"
        )
        ok = not errors and not overlaps and not duplicates and sent == len(reminder_ids)
        return 0 if ok else 1
    finally:
        for process in processes:
            load.stop(process)
        from django.db import connections

        connections.close_all()
        load.drop_database()


if __name__ == "__main__":
    sys.exit(main())
