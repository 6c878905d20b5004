"""`manage.py backup` and `manage.py restore` on a scratch database (never the test database):
a clinic is backed up, wiped, restored, and every booking, note and audit entry is back."""

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.db import connection

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
# Every booking, note and audit entry, in full: the restored rows must be these, unchanged.
CONTENT = {
    "bookings": "SELECT md5(string_agg(b::text, '|' ORDER BY id)), count(*) "
    "FROM bookings_booking b",
    "notes": "SELECT md5(string_agg(n::text, '|' ORDER BY id)), count(*) "
    "FROM treatments_treatmentnote n",
    "audit": "SELECT md5(string_agg(a::text, '|' ORDER BY id)), count(*) FROM clinic_auditentry a",
}
AUDIT_SOME_READS = """
from django.test import RequestFactory
from clinic.audit import AuditAction, record
from treatments.models import TreatmentNote
request = RequestFactory().get("/api/v1/notes/", REMOTE_ADDR="198.51.100.4")
for note in TreatmentNote.objects.all():
    record(request, AuditAction.READ, note)
"""


def _connect(dbname: str) -> psycopg.Connection:
    db = connection.settings_dict
    return psycopg.connect(
        dbname=dbname,
        host=db["HOST"] or None,
        port=db["PORT"] or None,
        user=db["USER"] or None,
        password=db["PASSWORD"] or None,
        autocommit=True,
    )


def _url(dbname: str) -> str:
    db = connection.settings_dict
    if db["HOST"].startswith("/"):
        return f"postgresql://{db['USER']}:{db['PASSWORD'] or ''}@/{dbname}?host={db['HOST']}"
    return f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{dbname}"


@pytest.fixture
def scratch(db):
    """A database of its own, dropped afterwards."""
    name = f"{connection.settings_dict['NAME']}_backup_scratch"
    with _connect("postgres") as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    yield name
    with _connect("postgres") as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def manage(scratch: str, *args, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": _url(scratch), "SECRET_KEY": "backup-test"}
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, (args, result.stdout, result.stderr)
    return result


def content(scratch: str) -> dict:
    with _connect(scratch) as conn:
        return {name: conn.execute(query).fetchone() for name, query in CONTENT.items()}


def test_a_clinic_backed_up_wiped_and_restored_is_whole_again(scratch, tmp_path):
    manage(scratch, "migrate", "--noinput", "-v", "0")
    manage(scratch, "seed_demo")
    manage(scratch, "shell", "-c", AUDIT_SOME_READS)
    before = content(scratch)
    assert all(count > 0 for _, count in before.values()), before

    dump = tmp_path / "clinic.dump"
    manage(scratch, "backup", "--output", str(dump))
    assert dump.stat().st_size > 0
    with _connect(scratch) as conn:  # the disaster: everything gone
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")
    with _connect(scratch) as conn:
        assert conn.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname='public'"
        ).fetchone() == (0,)

    manage(scratch, "restore", str(dump), "--noinput")

    assert content(scratch) == before
    # The restored database is a working one: its audit log is still append-only.
    with _connect(scratch) as conn, pytest.raises(psycopg.Error):
        conn.execute("DELETE FROM clinic_auditentry")
    # And restoring over a live database replaces what changed since the backup.
    with _connect(scratch) as conn:
        conn.execute("UPDATE bookings_booking SET status = 'cancelled'")
    manage(scratch, "shell", "-c", AUDIT_SOME_READS)
    assert content(scratch)["audit"][1] == 2 * before["audit"][1]
    manage(scratch, "restore", str(dump), stdin="yes\n")
    assert content(scratch) == before


def test_restore_asks_first_and_refuses_a_missing_file(scratch, tmp_path):
    env = {**os.environ, "DATABASE_URL": _url(scratch), "SECRET_KEY": "backup-test"}
    refused = subprocess.run(
        [sys.executable, "manage.py", "restore", str(tmp_path / "none.dump")],
        cwd=ROOT,
        env=env,
        input="no\n",
        capture_output=True,
        text=True,
    )
    missing = subprocess.run(
        [sys.executable, "manage.py", "restore", str(tmp_path / "none.dump"), "--noinput"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )

    assert refused.returncode == 1 and "Restore cancelled" in refused.stderr
    assert missing.returncode == 1 and "No backup file" in missing.stderr
