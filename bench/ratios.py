"""`make bench-ratios`: the project's speed as ratios against a ceiling measured in the same run.

The machine is shared, so absolute figures drift; each comparison interleaves rounds of the
project's work and of the framework's cheapest equivalent (the bench-only `bench.ceiling` app,
installed by `bench.ratio_settings` only), and divides the totals:

- booking_create: POST /api/v1/bookings/ against POST /api/v1/bench/memos/ (a plain DRF
  ModelViewSet create on a one-table model), same gunicorn (4 sync workers), database and
  token auth, 8 concurrent clients over real HTTP on 127.0.0.1. Higher is better (1 = ceiling).
- reminders: one Celery worker (prefork, 2 processes, as `make run`) sending N due reminders
  through the real broker against the same worker running N trivial tasks (one UPDATE each).
  Higher is better.
- availability_vs_sql_floor: a month of availability (20 therapists, 2,000 bookings) through
  `bookings.selectors.available_slots` against the same statements through a bare psycopg
  cursor (the floor). Project time / floor time: lower is better (1 = the floor).
- stack_pss_mb: the whole `make run` stack (supervisor, web, worker with beat, PostgreSQL, Redis)
  at rest with the demo clinic, proportional set size summed from /proc/<pid>/smaps_rollup.

    make bench-ratios
    python -m devtools.embedded exec -- python bench/ratios.py [--bookings 150 --reminders 10000]

Needs DATABASE_URL (its server gets a throwaway database `<name>_ratios`, dropped at the end)
and REDIS_URL. The last lines are `RATIO <name> <value>` and `RATE <name> <value>`.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta
from datetime import time as wall
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import psutil
import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SOURCE_URL = os.environ.get("DATABASE_URL", "")
if not SOURCE_URL:
    sys.exit("DATABASE_URL is not set (or run under `python -m devtools.embedded exec --`).")
_parsed = urlparse(SOURCE_URL)
THROWAWAY = f"{_parsed.path.lstrip('/') or 'kneadly'}_ratios"
THROWAWAY_URL = urlunparse(_parsed._replace(path=f"/{THROWAWAY}"))
os.environ.update(
    {
        "DATABASE_URL": THROWAWAY_URL,
        "DJANGO_SETTINGS_MODULE": "bench.ratio_settings",
        "SECRET_KEY": "kneadly-bench-only",
        "DEBUG": "0",
        "LOG_LEVEL": "ERROR",
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "SECURE_SSL_REDIRECT": "0",
    }
)
LOG_DIR = ROOT / "var"


def admin_connection():
    return psycopg.connect(urlunparse(_parsed._replace(path="/postgres")), autocommit=True)


def drop_database() -> None:
    with admin_connection() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{THROWAWAY}" WITH (FORCE)')


drop_database()
with admin_connection() as _conn:
    _conn.execute(f'CREATE DATABASE "{THROWAWAY}"')

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.ceiling.models import Memo  # noqa: E402
from bench.ceiling.tasks import touch  # noqa: E402
from bench.reminder_backends import SENT_KEY  # noqa: E402
from bench.reminder_backends import client as redis_client  # noqa: E402
from bookings.models import Booking  # noqa: E402
from bookings.selectors import available_slots  # noqa: E402
from clients.models import Client  # noqa: E402
from clinic.accounts import issue_token  # noqa: E402
from clinic.models import Clinic, Modality, Service  # noqa: E402
from config.celery import app as celery_app  # noqa: E402
from notifications.models import Notice, Reminder  # noqa: E402
from therapists.models import Therapist, TimeOff, WorkingHours  # noqa: E402

User = get_user_model()
PASSWORD = make_password("bench")


def percentile(samples, p):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def make_therapists(prefix: str, count: int, service: Service, days: range, hours) -> list:
    users = User.objects.bulk_create(
        User(username=f"{prefix}{i}", password=PASSWORD) for i in range(count)
    )
    therapists = Therapist.objects.bulk_create(
        Therapist(user=u, display_name=f"{prefix} {i}", calendar_token=f"{prefix}{i}")
        for i, u in enumerate(users)
    )
    Therapist.services.through.objects.bulk_create(
        Therapist.services.through(therapist=t, service=service) for t in therapists
    )
    WorkingHours.objects.bulk_create(
        WorkingHours(therapist=t, weekday=d, start_time=hours[0], end_time=hours[1])
        for t in therapists
        for d in days
    )
    return therapists


def make_clients(prefix: str, count: int, *, with_users: bool) -> list[Client]:
    users = (
        User.objects.bulk_create(
            User(username=f"{prefix}{i}", password=PASSWORD) for i in range(count)
        )
        if with_users
        else [None] * count
    )
    return Client.objects.bulk_create(
        Client(user=u, first_name=prefix, last_name=str(i), email=f"{prefix}{i}@example.com")
        for i, u in enumerate(users)
    )


def make_service(name: str, duration=60, buffer=15) -> Service:
    return Service.objects.create(
        name=name,
        modality=Modality.DEEP_TISSUE,
        duration_minutes=duration,
        buffer_minutes=buffer,
        price="100.00",
    )


# --- Availability against the bare-SQL floor -------------------------------------------------

AV_THERAPISTS, AV_BOOKINGS, AV_DAYS = 20, 2000, 31


def seed_availability(tz):
    rng = random.Random(5)
    service = make_service("Trigger point therapy")
    therapists = make_therapists("av", AV_THERAPISTS, service, range(5), (wall(8), wall(18)))
    first_day = timezone.localdate() + timedelta(days=3)
    days = [first_day + timedelta(days=i) for i in range(AV_DAYS)]
    workdays = [d for d in days if d.weekday() < 5]
    day_off = {t: rng.choice(workdays) for t in range(AV_THERAPISTS)}
    TimeOff.objects.bulk_create(
        TimeOff(
            therapist=therapists[t],
            start=datetime.combine(day, wall(0), tzinfo=tz),
            end=datetime.combine(day + timedelta(days=1), wall(0), tzinfo=tz),
            reason="Day off",
        )
        for t, day in day_off.items()
    )
    grid = [wall(h, m) for h in range(8, 17) for m in (0, 15, 30, 45) if h * 60 + m + 75 <= 1080]
    span = timedelta(minutes=75)
    taken: dict[int, list] = {t: [] for t in range(AV_THERAPISTS)}
    planned = []
    while len(planned) < AV_BOOKINGS:
        t, day = rng.randrange(AV_THERAPISTS), rng.choice(workdays)
        start = datetime.combine(day, rng.choice(grid), tzinfo=tz)
        if day == day_off[t] or any(s < start + span and start < s + span for s in taken[t]):
            continue
        taken[t].append(start)
        planned.append((t, start))
    clients = make_clients("avc", AV_BOOKINGS, with_users=False)
    rows = []
    for (t, start), client in zip(planned, clients, strict=True):
        booking = Booking(
            therapist=therapists[t], client=client, service=service, status="confirmed"
        )
        booking.set_times(start, service)
        rows.append(booking)
    Booking.objects.bulk_create(rows)
    window_start = datetime.combine(first_day, wall(0), tzinfo=tz)
    return service, window_start, window_start + timedelta(days=AV_DAYS)


def measure_availability(service, start, end, runs: int) -> dict:
    def ours():
        return available_slots(service=service, start=start, end=end)

    ours()
    with CaptureQueriesContext(connection) as captured:
        slots = ours()
    statements = [q["sql"] for q in captured.captured_queries]
    with psycopg.connect(THROWAWAY_URL, autocommit=True) as bare:

        def floor():
            with bare.cursor() as cursor:
                for sql in statements:
                    cursor.execute(sql)
                    if cursor.description is not None:
                        cursor.fetchall()

        floor()
        ours_times, floor_times = [], []
        for _ in range(runs):
            began = time.perf_counter()
            ours()
            ours_times.append(time.perf_counter() - began)
            began = time.perf_counter()
            floor()
            floor_times.append(time.perf_counter() - began)
    return {
        "slots": len(slots),
        "queries": len(statements),
        "ours_ms": statistics.median(ours_times) * 1000,
        "floor_ms": statistics.median(floor_times) * 1000,
        "ratio": statistics.median(ours_times) / statistics.median(floor_times),
    }


# --- Booking create against a trivial DRF create ---------------------------------------------

BK_THERAPISTS = 10
OPEN, CLOSE = wall(8), wall(20)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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


def start_gunicorn(port: int, workers: int) -> subprocess.Popen:
    LOG_DIR.mkdir(exist_ok=True)
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi", "--workers", str(workers),
         "--bind", f"127.0.0.1:{port}", "--backlog", "512", "--log-level", "warning"],
        cwd=ROOT,
        env=os.environ.copy(),
        start_new_session=True,
        stdout=(LOG_DIR / "bench-ratios-gunicorn.log").open("w"),
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if request(port, "GET", "/api/v1/health/")[0] in (200, 503):
                return process
        except OSError:
            time.sleep(0.2)
    stop_group(process)
    raise SystemExit("gunicorn did not answer within 90 s; see var/bench-ratios-gunicorn.log")


def stop_group(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def seed_booking(tz, per_round: int, rounds: int):
    service = make_service("Deep tissue massage")
    therapists = make_therapists("bk", BK_THERAPISTS, service, range(7), (OPEN, CLOSE))
    clients = make_clients("bkc", per_round * rounds, with_users=True)
    tokens = [issue_token(c.user)[1] for c in clients]
    step = timedelta(minutes=75)
    slots, day = [], timezone.localdate() + timedelta(days=2)
    while len(slots) < per_round * rounds:
        start = datetime.combine(day, OPEN, tzinfo=tz)
        while start + step <= datetime.combine(day, CLOSE, tzinfo=tz):
            slots.extend((t.pk, start) for t in therapists)
            start += step
        day += timedelta(days=1)
    random.Random(7).shuffle(slots)
    return service.pk, slots[: per_round * rounds], tokens


def fire(port, bodies_and_tokens, path, concurrency: int):
    """POST every (body, token) with `concurrency` clients; (count of 201, seconds, latencies,
    other statuses)."""
    queue = list(bodies_and_tokens)
    lock = threading.Lock()
    latencies, statuses = [], []

    def worker():
        while True:
            with lock:
                if not queue:
                    return
                body, token = queue.pop()
            began = time.perf_counter()
            status, _ = request(port, "POST", path, body, token)
            with lock:
                latencies.append(time.perf_counter() - began)
                statuses.append(status)

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - began
    return statuses.count(201), seconds, latencies, [s for s in statuses if s != 201]


def overlaps() -> int:
    with psycopg.connect(THROWAWAY_URL) as conn:
        return conn.execute(
            """SELECT count(*) FROM bookings_booking a JOIN bookings_booking b
                 ON a.id < b.id AND a.therapist_id = b.therapist_id
                AND tstzrange(a.start, a.blocks_until) && tstzrange(b.start, b.blocks_until)
              WHERE a.status IN ('requested', 'confirmed', 'checked_in')
                AND b.status IN ('requested', 'confirmed', 'checked_in')"""
        ).fetchone()[0]


def measure_booking(tz, per_round: int, rounds: int, concurrency: int, workers: int) -> dict:
    service, slots, tokens = seed_booking(tz, per_round, rounds)
    connections.close_all()
    port = free_port()
    process = start_gunicorn(port, workers)
    try:
        for token in tokens[:20]:  # warm every worker on both paths
            request(port, "POST", "/api/v1/bench/memos/", {"text": "warm"}, token)
        ours = {"count": 0, "seconds": 0.0, "latencies": [], "errors": []}
        ceiling = {"count": 0, "seconds": 0.0, "latencies": [], "errors": []}
        for n in range(rounds):
            part = slice(n * per_round, (n + 1) * per_round)
            memos = [({"text": f"memo {i}"}, tok) for i, tok in enumerate(tokens[part])]
            bookings = [
                ({"therapist": t, "service": service, "start": s.isoformat()}, tok)
                for (t, s), tok in zip(slots[part], tokens[part], strict=True)
            ]
            for result, path, work in (
                (ceiling, "/api/v1/bench/memos/", memos),
                (ours, "/api/v1/bookings/", bookings),
            ):
                count, seconds, latencies, errors = fire(port, work, path, concurrency)
                result["count"] += count
                result["seconds"] += seconds
                result["latencies"] += latencies
                result["errors"] += errors
    finally:
        stop_group(process)
    for result in (ours, ceiling):
        result["rate"] = result["count"] / result["seconds"]
        result["p50_ms"] = statistics.median(result["latencies"]) * 1000
    return {"ours": ours, "ceiling": ceiling, "overlaps": overlaps()}


# --- Reminder sends against a trivial task ---------------------------------------------------


def seed_reminders(tz, count: int) -> list[int]:
    service = make_service("Myofascial release")
    therapists = make_therapists("rm", 100, service, range(0), (OPEN, CLOSE))
    clients = make_clients("rmc", count, with_users=False)
    first = (timezone.now() + timedelta(hours=3)).replace(second=0, microsecond=0)
    rows = []
    for i, booking_client in enumerate(clients):
        booking = Booking(
            therapist=therapists[i % 100],
            client=booking_client,
            service=service,
            status="confirmed",
        )
        booking.set_times(first + timedelta(minutes=75 * (i // 100)), service)
        rows.append(booking)
    Booking.objects.bulk_create(rows, batch_size=2000)
    Memo.objects.bulk_create((Memo(text=f"memo {i}") for i in range(count)), batch_size=2000)
    return [b.pk for b in rows]


def start_worker(log: Path) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "-l", "warning", "-c", "2",
         "-n", "bench-ratios@%h", "--without-mingle", "--without-gossip"],
        cwd=ROOT,
        env={**os.environ, "BENCH_NODE": "worker0"},
        start_new_session=True,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        replies = celery_app.control.ping(timeout=1.0)
        if any(name.startswith("bench-ratios") for reply in replies for name in reply):
            return process
    stop_group(process)
    raise SystemExit(f"the worker did not come up in 90 s; see {log}")


def wait_until(done, total: int, timeout: float) -> tuple[int, float]:
    began = time.monotonic()
    finished = 0
    while time.monotonic() - began < timeout:
        finished = done()
        if finished >= total:
            break
        time.sleep(0.1)
    return finished, time.monotonic() - began


def reminder_round(booking_ids: list[int], timeout: float) -> tuple[int, float]:
    now = timezone.now()
    Reminder.objects.all().delete()
    redis_client().delete(SENT_KEY)
    Reminder.objects.bulk_create(
        (
            Reminder(
                booking_id=b.pk,
                offset_hours=2,
                channel="email",
                appointment_start=b.start,
                due_at=now - timedelta(seconds=1),
            )
            for b in Booking.objects.filter(pk__in=booking_ids).only("pk", "start")
        ),
        batch_size=2000,
    )
    began = time.monotonic()
    celery_app.send_task("notifications.tasks.dispatch_due")
    sent, _ = wait_until(
        lambda: Reminder.objects.filter(status="sent").count(), len(booking_ids), timeout
    )
    return sent, time.monotonic() - began


def ceiling_round(count: int, timeout: float) -> tuple[int, float]:
    Memo.objects.update(touched=0)
    ids = list(Memo.objects.order_by("pk").values_list("pk", flat=True)[:count])
    began = time.monotonic()
    with celery_app.producer_or_acquire() as producer:
        for pk in ids:
            touch.apply_async((pk,), producer=producer)
    done, _ = wait_until(lambda: Memo.objects.filter(touched__gt=0).count(), count, timeout)
    return done, time.monotonic() - began


def measure_reminders(tz, count: int, rounds: int, timeout: float) -> dict:
    booking_ids = seed_reminders(tz, count)
    Notice.objects.all().delete()  # the booking round's notices would be sent with these
    celery_app.control.purge()
    with tempfile.TemporaryDirectory(prefix="kneadly-ratios-") as tmp:
        log = Path(tmp) / "worker.log"
        process = start_worker(log)
        try:
            ours = {"count": 0, "seconds": 0.0}
            ceiling = {"count": 0, "seconds": 0.0}
            for _ in range(rounds):
                for result, run in ((ceiling, ceiling_round), (ours, reminder_round)):
                    done, seconds = run(booking_ids if run is reminder_round else count, timeout)
                    result["count"] += done
                    result["seconds"] += seconds
                    celery_app.control.purge()  # a round that timed out leaves no work behind
                time.sleep(1)
        finally:
            stop_group(process)
            tail = log.read_text()[-3000:]
    entries = [e.decode().split()[0] for e in redis_client().lrange(SENT_KEY, 0, -1)]
    for result in (ours, ceiling):
        result["rate"] = result["count"] / result["seconds"]
    return {
        "ours": ours,
        "ceiling": ceiling,
        "last_round_sends": len(entries),
        "last_round_duplicates": len(entries) - len(set(entries)),
        "log_tail": tail,
    }


# --- The `make run` stack at rest ------------------------------------------------------------


def pss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree(pid: int) -> set[int]:
    try:
        process = psutil.Process(pid)
        return {pid, *(child.pid for child in process.children(recursive=True))}
    except psutil.Error:
        return set()


def measure_stack(settle: float, timeout: float) -> dict:
    """Start `python -m devtools.embedded run` on its own var dir (its own embedded PostgreSQL
    and Redis), wait until healthy and at rest, then sum the PSS of every process of it."""
    port = free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "DEBUG", "LOG_LEVEL"}
    }
    with tempfile.TemporaryDirectory(prefix="kneadly-stack-") as var:
        env["KNEADLY_VAR_DIR"] = var
        log = Path(var) / "run.log"
        began = time.monotonic()
        process = subprocess.Popen(
            [sys.executable, "-m", "devtools.embedded", "run", "--port", str(port)],
            cwd=ROOT,
            env=env,
            start_new_session=True,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        try:
            healthy = None
            while time.monotonic() - began < timeout and process.poll() is None:
                try:
                    if request(port, "GET", "/api/v1/health/")[0] == 200:
                        healthy = time.monotonic() - began
                        break
                except OSError:
                    pass
                time.sleep(0.5)
            if healthy is None:
                return {"error": f"no healthy stack in {timeout:.0f} s: {log.read_text()[-1500:]}"}
            time.sleep(settle)
            pids = tree(process.pid)
            pidfile = Path(var) / "postgres" / "postmaster.pid"
            if pidfile.exists():
                pids |= tree(int(pidfile.read_text().split()[0]))
            # The embedded Redis daemonizes: find it by the socket its clients were given.
            sockets = set()
            for pid in pids:
                try:
                    url = psutil.Process(pid).environ().get("REDIS_URL", "")
                except psutil.Error:
                    continue
                if url.startswith("unix://"):
                    sockets.add(url.removeprefix("unix://"))
            for candidate in psutil.process_iter(["pid", "cmdline"]):
                cmdline = " ".join(candidate.info["cmdline"] or [])
                if var in cmdline or any(sock in cmdline for sock in sockets):
                    pids |= tree(candidate.info["pid"])
            total = sum(pss_kb(pid) for pid in pids)
            by_name: dict[str, int] = {}
            for pid in pids:
                try:
                    name = " ".join(psutil.Process(pid).cmdline()[:7])[-70:]
                except psutil.Error:
                    continue
                name = f"{name} [{pid}]" if "python" in name else name
                by_name[name] = by_name.get(name, 0) + pss_kb(pid)
            return {"pss_mb": total / 1024, "processes": len(pids), "healthy_s": healthy,
                    "by_name": by_name}  # fmt: skip
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def run_availability(tz, args) -> dict:
    service, start, end = seed_availability(tz)
    av = measure_availability(service, start, end, args.availability_runs)
    print(
        f"Availability, {AV_DAYS} days, {AV_THERAPISTS} therapists, {AV_BOOKINGS} bookings: "
        f"selector {av['ours_ms']:.1f} ms, the same {av['queries']} statements on a bare "
        f"psycopg cursor {av['floor_ms']:.1f} ms (p50 of {args.availability_runs}), "
        f"{av['slots']} slots",
        flush=True,
    )
    return av


def run_booking(tz, args) -> dict:
    bk = measure_booking(tz, args.bookings, args.booking_rounds, args.concurrency, args.workers)
    for label, side in (("booking create", bk["ours"]), ("trivial create", bk["ceiling"])):
        print(
            f"{label:>15}: {side['count']} in {side['seconds']:.1f} s = {side['rate']:.1f}/s, "
            f"p50 {side['p50_ms']:.0f} ms, p95 {percentile(side['latencies'], 95) * 1000:.0f}"
            f" ms; other answers {sorted(set(side['errors']))}",
            flush=True,
        )
    print(f"  overlapping active bookings: {bk['overlaps']}", flush=True)
    return bk


def run_reminders(tz, args) -> dict:
    rm = measure_reminders(tz, args.reminders, args.reminder_rounds, args.reminder_timeout)
    for label, side in (("reminder sends", rm["ours"]), ("trivial task", rm["ceiling"])):
        print(
            f"{label:>15}: {side['count']} in {side['seconds']:.1f} s = {side['rate']:.0f}/s",
            flush=True,
        )
    print(
        f"  last round: {rm['last_round_sends']} emails, {rm['last_round_duplicates']} duplicates",
        flush=True,
    )
    if rm["ours"]["count"] < args.reminders * args.reminder_rounds:
        print(f"  not all sent in time; worker log:\n{rm['log_tail']}", flush=True)
    return rm


def run_stack() -> dict:
    stack = measure_stack(settle=15, timeout=300)
    if "error" in stack:
        print(f"stack: {stack['error']}", flush=True)
        return {"pss_mb": float("nan")}
    print(
        f"make run stack at rest: {stack['pss_mb']:.0f} MB PSS in {stack['processes']} "
        f"processes (healthy after {stack['healthy_s']:.0f} s)",
        flush=True,
    )
    for name, kb in sorted(stack["by_name"].items(), key=lambda item: -item[1]):
        print(f"  {kb / 1024:7.1f} MB  {name}")
    return stack


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bookings", type=int, default=150, help="per round and side")
    parser.add_argument("--booking-rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--reminders", type=int, default=10_000)
    parser.add_argument("--reminder-rounds", type=int, default=1)
    parser.add_argument("--reminder-timeout", type=float, default=300)
    parser.add_argument("--availability-runs", type=int, default=30)
    parser.add_argument(
        "--parts", default="availability,booking,reminders,stack", help="comma-separated subset"
    )
    args = parser.parse_args()

    parts = set(args.parts.split(","))
    nan = {"rate": float("nan")}
    av = {"ratio": float("nan")}
    bk = {"ours": nan, "ceiling": nan}
    rm = {"ours": nan, "ceiling": nan}
    stack = {"pss_mb": float("nan")}
    ok = True
    try:
        call_command("migrate", verbosity=0)
        clinic = Clinic.get()
        clinic.timezone = "America/Toronto"
        clinic.save()
        tz = clinic.tz
        if "availability" in parts:
            av = run_availability(tz, args)
        if "booking" in parts:
            bk = run_booking(tz, args)
            ok &= bk["overlaps"] == 0 and not bk["ours"]["errors"]
        if "reminders" in parts:
            rm = run_reminders(tz, args)
            ok &= rm["last_round_duplicates"] == 0
    finally:
        connections.close_all()
        drop_database()
    if "stack" in parts:
        stack = run_stack()

    print(f"RATIO booking_create {bk['ours']['rate'] / bk['ceiling']['rate']:.3f}")
    print(f"RATIO reminders {rm['ours']['rate'] / rm['ceiling']['rate']:.3f}")
    print(f"RATIO availability_vs_sql_floor {av['ratio']:.2f}")
    print(f"RATE reminders_per_second {rm['ours']['rate']:.0f}")
    print(f"RATE stack_pss_mb {stack['pss_mb']:.0f}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
