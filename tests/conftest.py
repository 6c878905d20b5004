import shutil
import tempfile
from pathlib import Path

import pytest
from django.core.cache import cache

from clinic.models import forget_clinic_timezone
from tests import factories
from tests.browser import said as browser_tests_said


def pytest_report_header(config):
    return browser_tests_said()


def pytest_terminal_summary(terminalreporter):
    terminalreporter.write_line(browser_tests_said())  # at the end too, where -q still shows it


def _run_order(item) -> int:
    """pytest-django runs the tests that use the database in a transaction first, then those
    that commit (their teardown empties every table), then those without a database; this
    keeps that order and, within it, puts the tests that run real processes (`slow`) first, so
    that under pytest-xdist no worker is left with a long one at the end while the others
    idle. Those that use no database at all can go first of all."""
    slow = item.get_closest_marker("slow") is not None
    marker = item.get_closest_marker("django_db")
    fixtures = set(getattr(item, "fixturenames", ()))
    transactional = bool(
        marker
        and (
            marker.kwargs.get("transaction")
            or marker.kwargs.get("reset_sequences")
            or (marker.args and marker.args[0])
        )
    ) or bool(fixtures & {"transactional_db", "live_server"})
    uses_db = bool(marker) or transactional or "db" in fixtures
    if not uses_db:
        return 0 if slow else 5
    if transactional:
        return 3 if slow else 4
    return 1 if slow else 2


@pytest.hookimpl(trylast=True)  # after pytest-django's own ordering
def pytest_collection_modifyitems(items):
    items.sort(key=_run_order)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttle counters live in Redis, the clinic's zone in process: start every test afresh."""
    cache.clear()
    forget_clinic_timezone()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """PBKDF2 costs ~0.5 s a login on this machine; tests make many logins and test no hashing."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def clinic(db):
    return factories.make_clinic(timezone="America/Toronto")


@pytest.fixture
def admin_user(db):
    return factories.make_admin("boss")


@pytest.fixture
def anon():
    return factories.api_as(None)


@pytest.fixture
def admin_api(admin_user):
    return factories.api_as(admin_user)


@pytest.fixture
def cast(db, clinic):
    """One of each kind of caller, with an API client each: `cast.api[role]`.

    Roles: anonymous, client, therapist (Tess, whose records are under test), other_therapist
    (Omar), admin.
    """
    from types import SimpleNamespace

    from clinic.models import Modality

    tess = factories.make_therapist(display_name="Tess", modalities=[Modality.TRIGGER_POINT])
    omar = factories.make_therapist(display_name="Omar", modalities=[Modality.DEEP_TISSUE])
    client = factories.make_client()
    admin = factories.make_admin()
    return SimpleNamespace(
        tess=tess,
        omar=omar,
        client=client,
        admin=admin,
        api={
            "anonymous": factories.api_as(None),
            "client": factories.api_as(client.user),
            "therapist": factories.api_as(tess.user),
            "other_therapist": factories.api_as(omar.user),
            "admin": factories.api_as(admin),
        },
    )


@pytest.fixture
def server_tmp_path():
    """A folder for a server that runs as another user (the embedded PostgreSQL does, under
    root): outside pytest's own, which every pytest session on the machine resets to 0700."""
    path = Path(tempfile.mkdtemp(prefix="kneadly-test-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)
