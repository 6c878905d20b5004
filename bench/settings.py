"""Settings for the benchmarks: the service's own, plus django-appointment when installed.

The benchmarks run with DEBUG off (as in production) on a throwaway database.
"""

import importlib.util
import os

os.environ.setdefault("SECRET_KEY", "kneadly-bench-only")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")

from config.settings import *  # noqa: F403
from config.settings import DATABASES, INSTALLED_APPS

HAS_DJANGO_APPOINTMENT = importlib.util.find_spec("appointment") is not None
if HAS_DJANGO_APPOINTMENT:
    INSTALLED_APPS = [*INSTALLED_APPS, "phonenumber_field", "appointment"]

# The throwaway database, created and dropped by the benchmark.
DATABASES["default"]["TEST"] = {"NAME": f"{DATABASES['default']['NAME']}_bench"}

if HAS_DJANGO_APPOINTMENT:
    # django-appointment ships no migrations; the benchmark writes them here (var/ is ignored).
    import sys

    from config.settings import BASE_DIR

    BENCH_MIGRATIONS = BASE_DIR / "var" / "bench-migrations"
    (BENCH_MIGRATIONS / "appointment_bench_migrations").mkdir(parents=True, exist_ok=True)
    (BENCH_MIGRATIONS / "appointment_bench_migrations" / "__init__.py").touch()
    sys.path.insert(0, str(BENCH_MIGRATIONS))
    MIGRATION_MODULES = {"appointment": "appointment_bench_migrations"}
