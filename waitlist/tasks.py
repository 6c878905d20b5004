"""Celery tasks for the waitlist: thin wrappers around its services (the convention in
`clinic.tasks`). A lost scan message is made up by the every-minute beat scan, a lost send
message by the every-minute dispatcher (`notifications.tasks.dispatch_due`), which claims the
offer message again once its claim expires."""

from celery import shared_task

from notifications import dispatcher
from notifications.tasks import RETRY
from waitlist import services
from waitlist.models import OfferMessage


@shared_task(ignore_result=True)
def scan_waitlist() -> int:
    """Expire passed waitlist holds and offer freed slots (see `waitlist.services`)."""
    return services.scan()


@shared_task(bind=True, ignore_result=True, **RETRY)
def send_offer_message(self, message_id: int, claim_token: str) -> str:
    """Send one claimed offer message (published by the notifications dispatcher)."""
    last_try = self.request.retries >= self.max_retries
    return dispatcher.send(OfferMessage, message_id, claim_token, last_try=last_try)
