"""Settings for bench/reminders.py: the project's, with an email backend that counts sends."""

from config.settings import *  # noqa: F403

EMAIL_BACKEND = "bench.reminder_backends.CountingEmailBackend"
