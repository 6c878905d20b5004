"""Settings for bench/reminders.py: the project's, with an email backend that counts sends."""

from config.settings import *  # noqa: F403

EMAIL_BACKEND = "bench.reminder_backends.CountingEmailBackend"

# The bench's own queue: a `make run` worker on the same Redis neither takes nor sees its tasks.
CELERY_TASK_DEFAULT_QUEUE = "bench-reminders"
