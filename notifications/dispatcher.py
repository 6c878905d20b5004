"""Every outgoing message is a row, sent once by the dispatcher.

The dispatcher serves every registered delivery kind (`notifications.kinds`): reminders and
notices (about a booking, `notifications.booking_kinds`) and the kinds of the apps above
notifications (the waitlist's offer messages), all the same way. Lifecycle of a row:

    pending --claim--> pending + claim_token --send task--> sent | skipped | failed
                                  \\-- claim expires (claimed_until) --> claimable again

* Writing (`notifications.services`): `replace_reminders` (built on `schedule_reminders`),
  `skip_pending_reminders` and `queue_notice` run inside the booking's transaction, called by
  the receiver of `bookings.signals.booking_changed` (`notifications.receivers`). Another
  kind writes its rows inside its own transaction (the waitlist scan).
* Dispatching: `dispatch_due` (the every-minute beat task) claims due rows of each kind in
  small batches with SELECT ... FOR UPDATE SKIP LOCKED, gives each batch a fresh claim token
  and a `claimed_until`, and publishes the kind's send task per row after the claim commits.
* Sending: `send` locks the row's subject (the booking, the offer), then the row, re-checks
  that the row is still pending with this claim and the subject still wants it, hands the
  message to its channel and marks it `sent`, all in one transaction.

The guarantee. Two dispatchers never claim the same row (SKIP LOCKED), and a send task acts
only while holding the row lock and the current claim token, and only on a pending row, so
duplicate beats, concurrent workers, a retried task or a redelivered message never send a
row twice. The one window left: the channel accepted the message but the process died (or
lost the database) before the `sent` mark committed. The row is then still pending with its
claim; when the claim expires (CLAIM_TTL) it is claimed and sent again. We chose this
"at least once" over "at most once" (marking before sending) for that window, because a
missed reminder costs the clinic a no-show while a duplicate costs a second email.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from clinic.models import Clinic
from clinic.tasks import publish
from notifications import channels, kinds
from notifications.channels import TRANSIENT_ERRORS
from notifications.models import Channel, DeliveryStatus

logger = logging.getLogger(__name__)

# A claim not completed in this time is taken again; longer than any send with its retries.
CLAIM_TTL = timedelta(minutes=10)
BATCH_SIZE = 50  # rows per claim transaction
MAX_PER_RUN = 1000  # rows claimed by one dispatcher run; the next run takes the rest


# --- Dispatching -----------------------------------------------------------------------------


def claim_due_batch(model, *, now=None, limit: int = BATCH_SIZE) -> tuple[uuid.UUID, list[int]]:
    """Claim up to `limit` due, unclaimed (or expired-claim) pending rows of `model` for this
    caller, in one short transaction; rows locked by another dispatcher are skipped."""
    now = now or timezone.now()
    token = uuid.uuid4()
    with transaction.atomic():
        ids = list(
            model.objects.filter(status=DeliveryStatus.PENDING, due_at__lte=now)
            .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lte=now))
            .order_by("due_at", "pk")
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)[:limit]
        )
        if ids:
            model.objects.filter(pk__in=ids).update(
                claim_token=token, claimed_at=now, claimed_until=now + CLAIM_TTL, updated_at=now
            )
    return token, ids


def dispatch_due(*, batch_size: int | None = None, max_per_run: int = MAX_PER_RUN) -> int:
    """Claim what is due, batch by batch, and publish one send task per claimed row after
    each batch's claim has committed. If the broker refuses a message, the rest of that
    batch is released at once and the run stops. Returns how many rows were handed over."""
    batch_size = batch_size or BATCH_SIZE
    handed = 0
    for kind in kinds.registered():
        model, task = kind.model, kind.task
        while handed < max_per_run:
            token, ids = claim_due_batch(model, limit=min(batch_size, max_per_run - handed))
            for index, pk in enumerate(ids):
                if not publish(task, pk, str(token)):
                    release_claims(model, token, ids[index:])
                    return handed
                handed += 1
            if len(ids) < batch_size:
                break
    return handed


def release_claims(model, token, ids) -> int:
    """Give back claims whose send task could not be published, so they need not expire."""
    return model.objects.filter(
        pk__in=ids, claim_token=token, status=DeliveryStatus.PENDING
    ).update(claim_token=None, claimed_until=None)


# --- Sending ---------------------------------------------------------------------------------


def reason_not_to_send(kind, delivery, subject, now) -> str:
    """Why this row must not go out now ('' when it should): the kind's reasons first, then
    the channel's. Re-checked under the locks."""
    reason = kind.reason_not_to_send(delivery, subject, now)
    if reason:
        return reason
    recipient = kind.recipient_of(delivery, subject)
    if delivery.channel == Channel.EMAIL and not recipient.email:
        return f"The {kind.recipient_label} has no email address."
    if delivery.channel == Channel.SMS:
        if not settings.SMS_ENABLED:
            return "SMS is turned off."
        if not getattr(recipient, "phone", ""):
            return f"The {kind.recipient_label} has no phone number."
    return ""


def send(model, pk: int, token: str, *, last_try: bool) -> str:
    """Send one claimed row of a registered kind's `model`, at most once: under the subject's
    and the row's locks, only if the row is still pending with this claim token. Returns what
    happened: `sent`, `skipped`, `failed`, `retry` (a transient error, raised again after the
    error is recorded), or `stale` (gone, done, or claimed by someone else: nothing to do)."""
    kind = kinds.for_model(model)
    subject_id = (
        model.objects.filter(pk=pk).values_list(f"{kind.subject_field}_id", flat=True).first()
    )
    if subject_id is None:
        return "stale"  # the row (or its subject, which cascades) is gone
    transient = None
    with transaction.atomic():
        # Lock order subject -> row, the same as the subject's write paths, so no deadlock.
        subject = kind.lock_subject(subject_id)
        delivery = model.objects.select_for_update().filter(pk=pk).first()
        if subject is None or delivery is None:
            return "stale"
        if delivery.status != DeliveryStatus.PENDING or str(delivery.claim_token) != str(token):
            return "stale"
        now = timezone.now()
        reason = reason_not_to_send(kind, delivery, subject, now)
        if reason:
            _finish(delivery, DeliveryStatus.SKIPPED, skip_reason=reason[:200])
            return "skipped"
        delivery.attempts += 1
        try:
            with transaction.atomic():  # a savepoint: a failing channel leaves the row writable
                channels.deliver(kind, delivery, subject, Clinic.get())
        except TRANSIENT_ERRORS as exc:
            delivery.error = _describe(exc)
            if last_try:
                _finish(delivery, DeliveryStatus.FAILED)
                return "failed"
            # Keep the claim through the retry's backoff so no dispatcher takes it meanwhile.
            delivery.claimed_until = timezone.now() + CLAIM_TTL
            delivery.save(update_fields=["attempts", "error", "claimed_until", "updated_at"])
            transient = exc
        except Exception as exc:  # a bug or a permanent refusal: retrying will not help
            logger.exception("Sending %s %s failed", model.__name__, pk)
            delivery.error = _describe(exc)
            _finish(delivery, DeliveryStatus.FAILED)
            return "failed"
        else:
            delivery.error = ""
            _finish(delivery, DeliveryStatus.SENT, sent_at=timezone.now())
            return "sent"
    raise transient  # committed the error; the task retries with backoff


def _finish(delivery, status: str, **fields) -> None:
    delivery.status = status
    delivery.claim_token = None
    delivery.claimed_until = None
    for name, value in fields.items():
        setattr(delivery, name, value)
    delivery.save()


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:2000]
