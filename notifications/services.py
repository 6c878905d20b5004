"""Writing reminder and notice rows, inside the transaction of the booking they are about.

Nothing is sent from here: the rows are the schedule, and `notifications.dispatcher` sends
what is due. A booking is therefore taken even while the broker is down.
"""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from bookings.models import Booking
from clinic.models import Clinic
from clinic.tasks import publish_on_commit
from notifications import kinds
from notifications.models import Channel, DeliveryStatus, Notice, NoticeKind, Reminder

UNSENT = (DeliveryStatus.PENDING, DeliveryStatus.SKIPPED)


def channels_for(client) -> list[str]:
    """Email always (skipped at send time if there is no address); SMS when it is turned on
    and the client has a phone number."""
    wanted = [Channel.EMAIL]
    if settings.SMS_ENABLED and client.phone:
        wanted.append(Channel.SMS)
    return wanted


def schedule_reminders(booking: Booking, *, now=None) -> list[Reminder]:
    """One reminder per clinic offset and channel for the booking's current start.

    An offset whose time has already passed when this runs is recorded as `skipped` with the
    reason (never sent late). Rows that already exist for this appointment time are kept
    (ON CONFLICT DO NOTHING), so calling it twice creates nothing twice.
    """
    now = now or timezone.now()
    offsets = sorted({h for h in Clinic.get().reminder_offsets_hours if h > 0}, reverse=True)
    rows = []
    for offset in offsets:
        due_at = booking.start - timedelta(hours=offset)
        late = due_at <= now
        for channel in channels_for(booking.client):
            rows.append(
                Reminder(
                    booking=booking,
                    offset_hours=offset,
                    channel=channel,
                    appointment_start=booking.start,
                    due_at=due_at,
                    status=DeliveryStatus.SKIPPED if late else DeliveryStatus.PENDING,
                    skip_reason=(
                        f"Booked less than {offset} h before the appointment." if late else ""
                    ),
                )
            )
    return Reminder.objects.bulk_create(rows, ignore_conflicts=True)


def replace_reminders(booking: Booking, *, now=None) -> list[Reminder]:
    """Plan the reminders of a booking that became active or moved: the ones that never went
    out (pending or skipped) are removed and fresh ones made for its current start; sent and
    failed ones stay as history (and are not made again for the same start)."""
    Reminder.objects.filter(booking=booking, status__in=UNSENT).delete()
    return schedule_reminders(booking, now=now)


def skip_pending_reminders(booking: Booking, reason: str) -> int:
    """The booking stopped being active: its pending reminders become `skipped` (a claimed
    one too; its send task will find it no longer pending)."""
    return Reminder.objects.filter(booking=booking, status=DeliveryStatus.PENDING).update(
        status=DeliveryStatus.SKIPPED,
        skip_reason=reason[:200],
        claim_token=None,
        claimed_until=None,
        updated_at=timezone.now(),
    )


def queue_notice(booking: Booking, kind: str, *, now=None) -> None:
    """Queue a notice to the client, once per booking, kind and channel (a `rescheduled` one
    once per move: keyed by the booking's version), a second call being a no-op (ON CONFLICT
    DO NOTHING on the unique constraint), and ask the dispatcher to run once the booking's
    transaction has committed."""
    now = now or timezone.now()
    version = booking.updated_at if kind == NoticeKind.RESCHEDULED else None
    Notice.objects.bulk_create(
        [
            Notice(booking=booking, kind=kind, channel=channel, due_at=now, booking_version=version)
            for channel in channels_for(booking.client)
        ],
        ignore_conflicts=True,
    )
    publish_on_commit("notifications.tasks.dispatch_due")


def retry_failed(queryset) -> int:
    """An admin asks to send failed rows again: back to pending with no claim, so the next
    dispatcher run takes them (their due time has passed; one whose appointment has started
    by then is skipped, not sent)."""
    return queryset.filter(status=DeliveryStatus.FAILED).update(
        status=DeliveryStatus.PENDING,
        claim_token=None,
        claimed_until=None,
        updated_at=timezone.now(),
    )


def skip_pending_for_client(client, reason: str) -> int:
    """Nothing more goes out to this client: every pending row of every delivery kind
    (reminders and notices of any of their bookings, and the kinds of the apps above, such as
    waitlist offers) becomes `skipped` with `reason`. Returns how many rows were skipped."""
    skipped = 0
    for kind in kinds.registered():
        skipped += kind.model.objects.filter(
            **{kind.client_lookup: client}, status=DeliveryStatus.PENDING
        ).update(
            status=DeliveryStatus.SKIPPED,
            skip_reason=reason[:200],
            claim_token=None,
            claimed_until=None,
            updated_at=timezone.now(),
        )
    return skipped
