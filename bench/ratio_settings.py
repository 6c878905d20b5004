"""Settings for `make bench-ratios` (bench/ratios.py): the project's own, plus the bench-only
ceiling app (`bench.ceiling`) and its URL. Production never loads this module."""

import os

os.environ.setdefault("SECRET_KEY", "kneadly-bench-only")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
os.environ.setdefault("THROTTLE_BOOKING", "1000000/min")  # measure booking, not the throttle

from config.settings import *  # noqa: F403
from config.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "bench.ceiling"]
ROOT_URLCONF = "bench.ceiling.api"
EMAIL_BACKEND = "bench.reminder_backends.CountingEmailBackend"
# The bench's own queue: a `make run` worker on the same Redis neither takes nor sees its tasks.
CELERY_TASK_DEFAULT_QUEUE = "bench-ratios"
