"""Writing reminder and notice rows, inside the transaction of the booking they are about.

Nothing is sent from here: the rows are the schedule, and `notifications.dispatcher` sends
what is due. A booking is therefore taken even while the broker is down.
"""

from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone

from bookings.models import Booking
from clinic.models import Clinic
from clinic.rows import insert_statement, saved
from clinic.tasks import publish_on_commit
from notifications import kinds
from notifications.models import (
    Channel,
    DeliveryStatus,
    Notice,
    NoticeKind,
    Reminder,
    TherapistNotice,
    TherapistNoticeKind,
)

UNSENT = (DeliveryStatus.PENDING, DeliveryStatus.SKIPPED)


def channels_for(client) -> list[str]:
    """Email always (skipped at send time if there is no address); SMS when it is turned on
    and the client has a phone number."""
    wanted = [Channel.EMAIL]
    if settings.SMS_ENABLED and client.phone:
        wanted.append(Channel.SMS)
    return wanted


def reminder_rows(booking: Booking, *, now=None) -> list[Reminder]:
    """The reminders (unsaved) of the booking's current start: one per clinic offset and
    channel; an offset whose time has already passed is `skipped` with the reason (never sent
    late)."""
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
    return rows


def schedule_reminders(booking: Booking, *, now=None) -> list[Reminder]:
    """One reminder per clinic offset and channel for the booking's current start
    (`reminder_rows`). Rows that already exist for this appointment time are kept (ON CONFLICT
    DO NOTHING), so calling it twice creates nothing twice.
    """
    return Reminder.objects.bulk_create(reminder_rows(booking, now=now), ignore_conflicts=True)


def write_rows(rows) -> None:
    """Write new reminder and notice rows of any models in one statement, each kept once (ON
    CONFLICT DO NOTHING on their unique constraints, as `bulk_create(ignore_conflicts=True)`);
    when a notice is among them, ask for the dispatcher after commit."""
    by_model: dict = {}
    for row in rows:
        by_model.setdefault(type(row), []).append(row)
    if not by_model:
        return
    statements = [insert_statement(group, ignore_conflicts=True) for group in by_model.values()]
    *first, (last_sql, last_params) = statements
    with_clause = ", ".join(f"w{i} AS ({sql})" for i, (sql, _) in enumerate(first))
    params = [p for _, group_params in first for p in group_params] + last_params
    with connection.cursor() as cursor:
        cursor.execute(f"WITH {with_clause} {last_sql}" if first else last_sql, params)
    for row in rows:
        saved(row)
    if any(model is not Reminder for model in by_model):
        publish_on_commit("notifications.tasks.dispatch_due")


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


def notice_rows(booking: Booking, kind: str, *, now=None, visits=()) -> list[Notice]:
    """The client's notice of `kind` (unsaved), one per channel; a `rescheduled` one is keyed
    by the booking's version (once per move). `visits`: the bookings a series notice lists."""
    now = now or timezone.now()
    version = booking.updated_at if kind == NoticeKind.RESCHEDULED else None
    return [
        Notice(
            booking=booking,
            kind=kind,
            channel=channel,
            due_at=now,
            booking_version=version,
            visits=[visit.pk for visit in visits],
        )
        for channel in channels_for(booking.client)
    ]


def queue_notice(booking: Booking, kind: str, *, now=None, visits=()) -> None:
    """Queue a notice to the client (`notice_rows`), once per booking, kind and channel, a
    second call being a no-op (ON CONFLICT DO NOTHING on the unique constraint), and ask the
    dispatcher to run once the booking's transaction has committed."""
    write_rows(notice_rows(booking, kind, now=now, visits=visits))


def queue_therapist_notice(
    booking: Booking,
    therapist,
    kind: str,
    *,
    previous_start=None,
    previous_therapist=None,
    visits=(),
    now=None,
) -> bool:
    """Queue an email to `therapist` about `booking`, unless they turned booking emails off
    (`Therapist.email_booking_notices`; re-checked when it is sent). Once per booking,
    therapist and kind (a `rescheduled` one once per move), like the client's notices.
    Returns whether a row was asked for."""
    rows = therapist_notice_rows(
        booking,
        therapist,
        kind,
        previous_start=previous_start,
        previous_therapist=previous_therapist,
        visits=visits,
        now=now,
    )
    write_rows(rows)
    return bool(rows)


def therapist_notice_rows(
    booking: Booking,
    therapist,
    kind: str,
    *,
    previous_start=None,
    previous_therapist=None,
    visits=(),
    now=None,
) -> list[TherapistNotice]:
    """The email to `therapist` about `booking` (unsaved; none when they turned booking emails
    off); a `rescheduled` one is keyed by the booking's version (once per move)."""
    if not therapist.email_booking_notices:
        return []
    version = booking.updated_at if kind == TherapistNoticeKind.RESCHEDULED else None
    return [
        TherapistNotice(
            booking=booking,
            therapist=therapist,
            kind=kind,
            channel=Channel.EMAIL,
            due_at=now or timezone.now(),
            booking_version=version,
            previous_start=previous_start,
            previous_therapist=previous_therapist,
            visits=[visit.pk for visit in visits],
        )
    ]


LISTED_IN_SERIES = "Listed in the series' notice."


def _one_notice_for_series(bookings, *, client_kinds, therapist_kinds) -> None:
    """Visits of a series booked or cancelled together (in this transaction) are told once:
    their own notices of `client_kinds[0]` / `therapist_kinds[0]` (the client's and the
    therapist's) are skipped, and one notice of `client_kinds[1]` listing them goes to the
    client and one of `therapist_kinds[1]` to each therapist concerned, on the first visit."""
    bookings = sorted(bookings, key=lambda b: (b.start, b.pk))
    if not bookings:
        return
    per_visit, for_series = client_kinds
    therapist_per_visit, therapist_for_series = therapist_kinds
    skipped = {
        "status": DeliveryStatus.SKIPPED,
        "skip_reason": LISTED_IN_SERIES,
        "claim_token": None,
        "claimed_until": None,
        "updated_at": timezone.now(),
    }
    pending = {"booking_id__in": [b.pk for b in bookings], "status": DeliveryStatus.PENDING}
    Notice.objects.filter(**pending, kind=per_visit).update(**skipped)
    TherapistNotice.objects.filter(**pending, kind=therapist_per_visit).update(**skipped)
    queue_notice(bookings[0], for_series, visits=bookings)
    by_therapist: dict[int, list[Booking]] = {}
    for booking in bookings:
        by_therapist.setdefault(booking.therapist_id, []).append(booking)
    for visits in by_therapist.values():
        queue_therapist_notice(visits[0], visits[0].therapist, therapist_for_series, visits=visits)


def notify_series_booked(bookings) -> None:
    """A series just booked: one "request received" listing its visits for the client, one
    "new series" for the therapist, instead of one each per visit."""
    _one_notice_for_series(
        bookings,
        client_kinds=(NoticeKind.REQUEST_RECEIVED, NoticeKind.SERIES_REQUEST_RECEIVED),
        therapist_kinds=(TherapistNoticeKind.BOOKED, TherapistNoticeKind.SERIES_BOOKED),
    )


def notify_series_cancelled(bookings) -> None:
    """A series just cancelled: one notice listing the cancelled visits for the client and one
    for each therapist concerned, instead of one each per visit."""
    _one_notice_for_series(
        bookings,
        client_kinds=(NoticeKind.CANCELLATION, NoticeKind.SERIES_CANCELLATION),
        therapist_kinds=(TherapistNoticeKind.CANCELLATION, TherapistNoticeKind.SERIES_CANCELLATION),
    )


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
