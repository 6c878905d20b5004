import pytest
from django.core.cache import cache

from clinic.middleware import forget_clinic_timezone
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
    """PBKDF2 is slow on purpose; tests hash hundreds of passwords."""
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
