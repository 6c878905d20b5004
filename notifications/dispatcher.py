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
  and a `claimed_until`, and publishes the kind's send task after the claim commits: one per
  batch (`send_batch`) for reminders and notices, one per row for a kind without a batch task.
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
from contextlib import nullcontext
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from clinic.models import Clinic
from clinic.tasks import publish
from notifications import channels, kinds
from notifications.channels import TRANSIENT_ERRORS
from notifications.models import Channel, DeliveryStatus

logger = logging.getLogger(__name__)

# A claim not completed in this time is taken again; longer than any send with its retries.
CLAIM_TTL = timedelta(minutes=10)
BATCH_SIZE = 50  # rows per claim transaction, and per send task of a kind that batches
SEND_CHUNK = 10  # rows per send transaction of a batch (their subjects stay locked meanwhile)
MAX_PER_RUN = 1000  # rows claimed by one dispatcher run; the next run takes the rest
CONTINUE_TASK = "notifications.tasks.dispatch_due"  # published by a run that hit MAX_PER_RUN


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
    """Claim what is due, batch by batch, and publish the sends after each batch's claim has
    committed: one task for the whole batch when the kind has a `batch_task`, else one per
    row. If the broker refuses a message, the rest of that batch is released at once and the
    run stops. A run that reached `max_per_run` publishes the next run at once, so a backlog
    drains without waiting for the beat. Returns how many rows were handed over."""
    batch_size = batch_size or BATCH_SIZE
    handed = 0
    for kind in kinds.registered():
        model = kind.model
        while handed < max_per_run:
            token, ids = claim_due_batch(model, limit=min(batch_size, max_per_run - handed))
            if ids and kind.batch_task:
                if not publish(kind.batch_task, ids, str(token)):
                    release_claims(model, token, ids)
                    return handed
                handed += len(ids)
            for index, pk in enumerate([] if kind.batch_task else ids):
                if not publish(kind.task, pk, str(token)):
                    release_claims(model, token, ids[index:])
                    return handed
                handed += 1
            if len(ids) < batch_size:
                break
    if handed >= max_per_run:
        publish(CONTINUE_TASK)
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
    return _send_one(kind, pk, subject_id, token, last_try=last_try, clinic=Clinic.get())


def send_batch(model, pks: list[int], token: str, *, last_try: bool) -> dict[str, int]:
    """Send a claimed batch of `model` rows (one task per batch), SEND_CHUNK rows per
    transaction: lock the chunk's subjects (in id order), then its rows (in id order: the
    lock order of `send`), re-check each row as `send` does (still pending with this claim,
    the subject still wants it), hand it to its channel and mark it, every mark in one
    UPDATE before the commit. So a row is sent at most once per claim, as with `send`, in a
    handful of statements per chunk instead of several per row; the window where a crash
    after the channel accepted means a later resend is the chunk instead of the row.

    A transient error is recorded on its row (the claim kept), the rest of the chunk left
    for later, what was done committed, and the error raised, so the task retries the batch
    with backoff (rows already done are then left alone); on the last try such a row is
    failed and the batch goes on. Returns how many rows ended each way. A kind without
    `lock_subjects` is sent row by row with `send`."""
    kind = kinds.for_model(model)
    outcomes: dict[str, int] = {}
    pks = sorted(set(pks))
    if kind.lock_subjects is None:
        for pk in pks:
            outcome = send(model, pk, token, last_try=last_try)
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
        return outcomes
    clinic = Clinic.get()
    for first in range(0, len(pks), SEND_CHUNK):
        transient = _send_chunk(
            kind, pks[first : first + SEND_CHUNK], token, last_try, clinic, outcomes
        )
        if transient is not None:
            raise transient
    return outcomes


SEND_FIELDS = [
    "status", "claim_token", "claimed_until", "attempts", "error", "sent_at", "skip_reason",
    "updated_at",
]  # fmt: skip


def _send_chunk(kind, pks, token, last_try, clinic, outcomes) -> BaseException | None:
    model = kind.model
    transient = None
    with transaction.atomic():
        claimed = model.objects.filter(pk__in=pks, status=DeliveryStatus.PENDING, claim_token=token)
        subjects = kind.lock_subjects(claimed.values(f"{kind.subject_field}_id"))
        rows = list(model.objects.select_for_update().filter(pk__in=pks).order_by("pk"))
        if len(rows) < len(pks):  # gone (or their subject, which cascades)
            outcomes["stale"] = outcomes.get("stale", 0) + len(pks) - len(rows)
        done = []
        for delivery in rows:
            subject = subjects.get(getattr(delivery, f"{kind.subject_field}_id"))
            if (
                transient is not None
                or subject is None
                or delivery.status != DeliveryStatus.PENDING
                or str(delivery.claim_token) != str(token)
            ):
                outcome = "retry" if transient is not None and subject is not None else "stale"
            else:
                outcome = _deliver(kind, delivery, subject, clinic, last_try=last_try)
                if outcome == "retry":
                    transient = delivery.transient_error
                done.append(delivery)
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
        # The usual case, sent, in one UPDATE; anything else (skipped, failed, a retry) row by row.
        sent = [d.pk for d in done if d.status == DeliveryStatus.SENT]
        if sent:
            now = timezone.now()
            model.objects.filter(pk__in=sent).update(
                status=DeliveryStatus.SENT,
                claim_token=None,
                claimed_until=None,
                attempts=F("attempts") + 1,
                error="",
                sent_at=now,
                updated_at=now,
            )
        for delivery in done:
            if delivery.status != DeliveryStatus.SENT:
                delivery.save(update_fields=SEND_FIELDS)
    return transient


def _deliver(kind, delivery, subject, clinic, *, last_try: bool, savepoint=False) -> str:
    """Hand a locked, re-checked row to its channel and set what it ended as on the row (not
    saved): `sent`, `skipped`, `failed`, or `retry` (the transient error on
    `delivery.transient_error`, the claim kept through the backoff so no dispatcher takes it
    meanwhile). With `savepoint`, a channel that fails on the database leaves the row
    writable."""
    reason = reason_not_to_send(kind, delivery, subject, timezone.now())
    if reason:
        _set_finished(delivery, DeliveryStatus.SKIPPED, skip_reason=reason[:200])
        return "skipped"
    delivery.attempts += 1
    try:
        with transaction.atomic() if savepoint else nullcontext():
            channels.deliver(kind, delivery, subject, clinic)
    except TRANSIENT_ERRORS as exc:
        delivery.error = _describe(exc)
        if last_try:
            _set_finished(delivery, DeliveryStatus.FAILED)
            return "failed"
        delivery.claimed_until = timezone.now() + CLAIM_TTL
        delivery.transient_error = exc
        return "retry"
    except Exception as exc:  # a bug or a permanent refusal: retrying will not help
        logger.exception("Sending %s %s failed", type(delivery).__name__, delivery.pk)
        delivery.error = _describe(exc)
        _set_finished(delivery, DeliveryStatus.FAILED)
        return "failed"
    delivery.error = ""
    _set_finished(delivery, DeliveryStatus.SENT, sent_at=timezone.now())
    return "sent"


def _set_finished(delivery, status: str, **fields) -> None:
    delivery.status = status
    delivery.claim_token = None
    delivery.claimed_until = None
    for name, value in fields.items():
        setattr(delivery, name, value)


def _send_one(kind, pk: int, subject_id: int, token: str, *, last_try: bool, clinic) -> str:
    model = kind.model
    with transaction.atomic():
        # Lock order subject -> row, the same as the subject's write paths, so no deadlock.
        subject = kind.lock_subject(subject_id)
        delivery = model.objects.select_for_update().filter(pk=pk).first()
        if subject is None or delivery is None:
            return "stale"
        if delivery.status != DeliveryStatus.PENDING or str(delivery.claim_token) != str(token):
            return "stale"
        outcome = _deliver(kind, delivery, subject, clinic, last_try=last_try, savepoint=True)
        delivery.save(update_fields=SEND_FIELDS)
    if outcome == "retry":
        raise delivery.transient_error  # committed the error; the task retries with backoff
    return outcome


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:2000]
