"""`make run`'s supervisor under faults, with real processes: the embedded PostgreSQL and Redis
in a folder of this test's own, gunicorn and a Celery worker with beat in a thread of it.

- kill -9 the worker: it is restarted (and said so), the rest keep running, and a reminder that
  falls due afterwards is sent exactly once (beat came back with it);
- kill -9 gunicorn's master: its worker goes with it (it held the port) and web is restarted;
- kill -9 the supervisor: its children live on; the next `run` says so with their pids and the
  port, stops them and starts one stack (never two);
- a `run` while one is running refuses, naming the running supervisor;
- SIGTERM stops everything, the PostgreSQL it reused from the killed run included."""

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent

# Run inside the stack (`devtools.embedded exec` reuses its servers): a booking 2.5 hours ahead
# with its reminders planned, each pending one moved to fall due now. Prints the reminder ids.
DUE_REMINDER = """
from datetime import timedelta
from django.contrib.auth import get_user_model
from django.utils import timezone
from bookings.models import Booking
from bookings.signals import announce
from clients.models import Client
from clinic.models import Service
from notifications.models import Reminder
from therapists.models import Therapist

service = Service.objects.filter(active=True).first()
user = get_user_model().objects.create_user("fault-test-rmt")
therapist = Therapist.objects.create(
    user=user, display_name="Fault Test", modalities=[service.modality]
)
client = Client.objects.create(first_name="Fault", last_name="Test", email="fault@example.com")
booking = Booking(therapist=therapist, client=client, service=service, status="confirmed")
booking.set_times(timezone.now() + timedelta(hours=2, minutes=30), service)
booking.save()
announce(booking, previous_status=None)
due = Reminder.objects.filter(booking=booking, status="pending")
due.update(due_at=timezone.now() - timedelta(seconds=1))
print("REMINDERS", *due.values_list("pk", flat=True))
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def healthy(port) -> bool:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.request("GET", "/api/v1/health/")
        return conn.getresponse().status == 200
    except OSError:
        return False


def wait_for(condition, timeout=240.0, every=0.5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return False


class Stack:
    def __init__(self, var_dir: Path, port: int):
        self.var_dir, self.port = var_dir, port
        self.env = {
            k: v
            for k, v in os.environ.items()
            if k not in {"DATABASE_URL", "REDIS_URL", "KNEADLY_MAIL_DIR", "DEBUG"}
        }
        self.env.update(KNEADLY_VAR_DIR=str(var_dir), REMINDER_DISPATCH_EVERY="2")
        self.runs = []

    def command(self, *args):
        return [sys.executable, "-m", "devtools.embedded", *args]

    def start(self) -> subprocess.Popen:
        log = (self.var_dir.parent / f"run{len(self.runs)}.log").open("w")
        process = subprocess.Popen(
            self.command("run", "--port", str(self.port)),
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        self.runs.append((process, Path(log.name)))
        return process

    def log(self, index=-1) -> str:
        return self.runs[index][1].read_text()

    def run_file(self) -> dict:
        return json.loads((self.var_dir / "run.json").read_text())

    def pid(self, name: str) -> int:
        return self.run_file()["children"][name]["pid"]

    def exec(self, *argv) -> str:
        result = subprocess.run(
            self.command("exec", "--", *argv),
            cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=120, check=True,
        )  # fmt: skip
        return result.stdout

    def deliveries(self, key: str) -> int:
        mail = self.var_dir / "mail"
        if not mail.exists():
            return 0
        header = f"X-Kneadly-Delivery: {key}\n"
        return sum(path.read_text(errors="replace").count(header) for path in mail.iterdir())

    def postgres_processes(self):
        found = []
        for process in psutil.process_iter(["cmdline"]):
            with_data = " ".join(process.info["cmdline"] or ())
            if process.pid != os.getpid() and str(self.var_dir / "postgres") in with_data:
                found.append(process)
        return found

    def cleanup(self):
        for process, _ in self.runs:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=60)


@pytest.fixture
def stack(server_tmp_path):
    stack = Stack(server_tmp_path / "var", free_port())
    yield stack
    stack.cleanup()


def alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_the_supervisor_restarts_what_dies_runs_one_stack_and_stops_everything(stack):
    first = stack.start()
    assert wait_for(lambda: healthy(stack.port)), stack.log()[-3000:]
    web, worker = (stack.pid(name) for name in ("web", "worker"))

    # kill -9 the worker: restarted, and nothing else stopped.
    os.kill(worker, signal.SIGKILL)
    assert wait_for(lambda: stack.pid("worker") != worker, timeout=60), stack.log()[-3000:]
    assert f"worker (pid {worker}) was killed by signal 9" in stack.log()
    assert first.poll() is None and alive(web)
    assert healthy(stack.port)

    # kill -9 gunicorn's master: its worker, which holds the port, is stopped too, and the
    # restarted web answers.
    web_workers = [child.pid for child in psutil.Process(web).children()]
    assert web_workers
    os.kill(web, signal.SIGKILL)
    assert wait_for(lambda: stack.pid("web") != web, timeout=60), stack.log()[-3000:]
    assert not any(alive(pid) for pid in web_workers)
    assert wait_for(lambda: healthy(stack.port), timeout=90), stack.log()[-3000:]
    assert "Connection in use" not in stack.log()

    # A reminder falling due now is sent once, by the restarted worker (beat every 2 s).
    reminders = stack.exec(sys.executable, "manage.py", "shell", "-c", DUE_REMINDER)
    keys = [f"reminder:{pk}" for pk in re.search(r"REMINDERS (.*)", reminders)[1].split()]
    assert keys, reminders
    assert wait_for(lambda: all(stack.deliveries(k) for k in keys), timeout=90), stack.log()[-3000:]
    time.sleep(8)  # several more beats: nothing is sent again
    assert [stack.deliveries(k) for k in keys] == [1] * len(keys)

    # kill -9 the supervisor: its children live on, holding the port.
    orphans = [stack.pid(name) for name in ("web", "worker")]
    os.kill(first.pid, signal.SIGKILL)
    first.wait()
    assert all(alive(pid) for pid in orphans)

    # The next run says so, stops them and starts a single stack.
    second = stack.start()
    assert wait_for(
        lambda: healthy(stack.port) and stack.run_file()["supervisor"]["pid"] == second.pid
    )
    said = stack.log()
    assert f"supervisor pid {first.pid}, port {stack.port}" in said
    assert all(f"pid {pid}" in said for pid in orphans)
    assert not any(alive(pid) for pid in orphans)
    assert "Connection in use" not in said

    # A third while the second runs: refused, naming the running one; the second runs on.
    third = subprocess.run(
        stack.command("run", "--port", str(stack.port)),
        cwd=ROOT, env=stack.env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert third.returncode != 0
    assert "already running" in third.stderr and f"supervisor pid {second.pid}" in third.stderr
    assert healthy(stack.port)

    # SIGTERM: everything stops, the PostgreSQL reused from the killed run included.
    children = [stack.pid(name) for name in ("web", "worker")]
    assert stack.postgres_processes()
    second.send_signal(signal.SIGTERM)
    assert second.wait(timeout=90) == 0
    assert not any(alive(pid) for pid in children)
    assert wait_for(lambda: not stack.postgres_processes(), timeout=30)
    assert not (stack.var_dir / "run.json").exists()
