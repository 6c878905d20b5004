import shutil
import tempfile
from pathlib import Path

import pytest
from django.core.cache import cache

from clinic.models import forget_clinic_timezone
from tests import factories


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
