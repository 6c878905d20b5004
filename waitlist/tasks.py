"""Celery tasks for the waitlist: thin wrappers around `waitlist.services` (the convention in
`clinic.tasks`). A lost scan message is made up by the every-minute beat scan."""

from celery import shared_task

from notifications.tasks import RETRY
from waitlist import services


@shared_task(ignore_result=True)
def scan_waitlist() -> int:
    """Expire passed waitlist holds and offer freed slots (see `waitlist.services`)."""
    return services.scan()


@shared_task(bind=True, ignore_result=True, **RETRY)
def send_waitlist_offer(self, offer_id: int) -> str:
    return services.send_offer_email(offer_id)
