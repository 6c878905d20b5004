"""Settings come from the environment: checked in a fresh interpreter per case."""

import os
import subprocess
import sys

import pytest

BASE_ENV = {
    "PATH": os.environ.get("PATH", ""),
    "DATABASE_URL": "postgres://kneadly:secret@db.example:5433/clinicdb",
    "REDIS_URL": "redis://cache.example:6380/2",
}


def settings_value(expression: str, **env) -> str:
    code = (
        "import os; os.environ['DJANGO_SETTINGS_MODULE']='config.settings'; "
        "import django; from django.conf import settings; django.setup(); "
        f"print({expression})"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**BASE_ENV, **env},
        capture_output=True,
        text=True,
        check=False,
    )
    return (result.stdout + result.stderr).strip()


def test_database_and_redis_come_from_their_urls():
    out = settings_value(
        "settings.DATABASES['default']['HOST'], settings.DATABASES['default']['PORT'], "
        "settings.DATABASES['default']['NAME'], settings.CELERY_BROKER_URL, "
        "settings.CACHES['default']['LOCATION']",
        SECRET_KEY="x" * 50,
    )

    assert out == (
        "db.example 5433 clinicdb redis://cache.example:6380/2 redis://cache.example:6380/2"
    )


def test_an_embedded_socket_url_is_understood_by_django_and_celery():
    out = settings_value(
        "settings.DATABASES['default']['HOST'], settings.CELERY_BROKER_URL",
        SECRET_KEY="x" * 50,
        DATABASE_URL="postgresql://postgres:@/kneadly?host=/tmp/pgsock",
        REDIS_URL="unix:///tmp/redis.socket",
    )

    assert out == "/tmp/pgsock redis+socket:///tmp/redis.socket?virtual_host=0"


def test_it_refuses_to_start_without_a_secret_key_when_debug_is_off():
    out = settings_value("settings.DEBUG", DEBUG="0")

    assert "SECRET_KEY must be set" in out


def test_it_refuses_to_start_without_a_database_url():
    env = {**BASE_ENV, "SECRET_KEY": "x" * 50}
    env.pop("DATABASE_URL")
    result = subprocess.run(
        [sys.executable, "-c", "import config.settings"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )

    assert "DATABASE_URL is not set" in result.stderr


def test_production_defaults_are_secure():
    out = settings_value(
        "settings.DEBUG, settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE, "
        "settings.SECURE_SSL_REDIRECT, settings.SECURE_HSTS_SECONDS, settings.ALLOWED_HOSTS",
        SECRET_KEY="x" * 50,
        ALLOWED_HOSTS="clinic.example",
    )

    assert out == "False True True True 31536000 ['clinic.example']"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://me:pw@mail.example:587?tls=1", "smtp.EmailBackend mail.example 587 True"),
        ("console://", "console.EmailBackend"),
        ("file:///tmp/mail", "filebased.EmailBackend /tmp/mail"),
    ],
)
def test_email_comes_from_email_url(url, expected):
    expression = {
        "smtp": "settings.EMAIL_BACKEND.rsplit('.', 2)[-2] + '.' + "
        "settings.EMAIL_BACKEND.rsplit('.', 1)[-1], settings.EMAIL_HOST, settings.EMAIL_PORT, "
        "settings.EMAIL_USE_TLS",
        "console": "settings.EMAIL_BACKEND.rsplit('.', 2)[-2] + '.' + "
        "settings.EMAIL_BACKEND.rsplit('.', 1)[-1]",
        "file": "settings.EMAIL_BACKEND.rsplit('.', 2)[-2] + '.' + "
        "settings.EMAIL_BACKEND.rsplit('.', 1)[-1], settings.EMAIL_FILE_PATH",
    }[url.split(":")[0]]

    out = settings_value(expression, SECRET_KEY="x" * 50, EMAIL_URL=url)

    assert out == expected


def test_check_deploy_is_clean_with_production_settings():
    env = {
        **BASE_ENV,
        "SECRET_KEY": "a-real-production-secret-" + "k" * 40,
        "DEBUG": "0",
        "ALLOWED_HOSTS": "clinic.example",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_trusted_proxies_are_addresses_or_networks():
    out = settings_value(
        "settings.TRUSTED_PROXIES", SECRET_KEY="x" * 50, TRUSTED_PROXIES="10.0.0.0/8, 192.0.2.7"
    )
    assert out == "['10.0.0.0/8', '192.0.2.7']"

    refused = settings_value(
        "settings.TRUSTED_PROXIES", SECRET_KEY="x" * 50, TRUSTED_PROXIES="proxy"
    )
    assert "TRUSTED_PROXIES" in refused and "ImproperlyConfigured" in refused
