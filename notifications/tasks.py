"""Celery tasks for the dispatcher and for sending reminders and notices: thin wrappers around
`notifications.dispatcher` (the convention in `clinic.tasks`). Another delivery kind has its send
task in its own app (`waitlist.tasks.send_offer_message`).

No task is scheduled per appointment (no ETA/countdown): with Redis such messages sit in
worker memory and are redelivered after the visibility timeout. Rows plus the every-minute
`dispatch_due` (CELERY_BEAT_SCHEDULE) do the scheduling instead.
"""

from celery import shared_task

from notifications import dispatcher
from notifications.channels import TRANSIENT_ERRORS
from notifications.models import Notice, Reminder, TherapistNotice

# Backoff 5, 10, 20, 40, 80 s (jittered): well inside CLAIM_TTL, which the send keeps
# extending while it retries, and the broker's visibility timeout (1 h).
RETRY = {
    "autoretry_for": TRANSIENT_ERRORS,
    "retry_backoff": 5,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 5,
}


@shared_task(ignore_result=True)
def dispatch_due(batch_size: int | None = None) -> int:
    """Claim the due rows of every delivery kind (reminders, notices, waitlist offers) and
    publish a send task for each."""
    return dispatcher.dispatch_due(batch_size=batch_size)


@shared_task(bind=True, ignore_result=True, **RETRY)
def send_reminder(self, reminder_id: int, claim_token: str) -> str:
    last_try = self.request.retries >= self.max_retries
    return dispatcher.send(Reminder, reminder_id, claim_token, last_try=last_try)


@shared_task(bind=True, ignore_result=True, **RETRY)
def send_notice(self, notice_id: int, claim_token: str) -> str:
    last_try = self.request.retries >= self.max_retries
    return dispatcher.send(Notice, notice_id, claim_token, last_try=last_try)


@shared_task(bind=True, ignore_result=True, **RETRY)
def send_therapist_notice(self, notice_id: int, claim_token: str) -> str:
    last_try = self.request.retries >= self.max_retries
    return dispatcher.send(TherapistNotice, notice_id, claim_token, last_try=last_try)
