"""Reminders and notices as delivery kinds (`notifications.kinds`): about a booking, locked
before the row (the lock order of the booking write paths), composed by
`notifications.channels`. Registered by `NotificationsConfig.ready()`."""

from __future__ import annotations

from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce

from bookings.models import Booking, BookingEvent
from clinic.statuses import BookingStatus
from notifications import channels, kinds
from notifications.models import Notice, NoticeKind, Reminder


def _bookings_for_messages():
    """Bookings as a message needs them, in one query: client, therapist, service, and how
    many history events each has (the .ics SEQUENCE), under a row lock."""
    events = (
        BookingEvent.objects.filter(booking=OuterRef("pk"))
        .order_by()
        .values("booking")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        Booking.objects.select_for_update(no_key=True, of=("self",))
        .select_related("client", "therapist", "service")
        .annotate(event_count=Coalesce(Subquery(events), 0))
    )


def lock_booking(booking_id: int) -> Booking | None:
    return _bookings_for_messages().filter(pk=booking_id).first()


def lock_bookings(booking_ids) -> dict[int, Booking]:
    """Many bookings locked at once, in id order (the order every batch takes them in, so two
    batches never deadlock)."""
    return {b.pk: b for b in _bookings_for_messages().filter(pk__in=booking_ids).order_by("pk")}


def _inactive(booking: Booking) -> str:
    return f"The booking is {booking.get_status_display().lower()}."


def reminder_reason(reminder: Reminder, booking: Booking, now) -> str:
    if not booking.is_active:
        return _inactive(booking)
    if reminder.appointment_start != booking.start:
        return "The booking was rescheduled."
    if booking.start <= now:
        return "The appointment had already started."
    return ""


def notice_reason(notice: Notice, booking: Booking, now) -> str:
    if notice.kind != NoticeKind.CANCELLATION and not booking.is_active:
        return _inactive(booking)
    if notice.kind == NoticeKind.REQUEST_RECEIVED and booking.status != BookingStatus.REQUESTED:
        return "The booking was confirmed before this went out (the confirmation says so)."
    if notice.kind == NoticeKind.RESCHEDULED and notice.booking_version != booking.updated_at:
        return "The booking changed again since (a later notice says so)."
    if notice.kind == NoticeKind.CANCELLATION and booking.status != BookingStatus.CANCELLED:
        return "The booking is no longer cancelled."
    return ""


NOTICE = kinds.DeliveryKind(
    model=Notice,
    task="notifications.tasks.send_notice",
    batch_task="notifications.tasks.send_notices",
    lock_subjects=lock_bookings,
    subject_field="booking",
    lock_subject=lock_booking,
    client_path="client",
    reason_not_to_send=notice_reason,
    email_message=channels.email_message,
    sms_text=channels.sms_text,
)

REMINDER = kinds.DeliveryKind(
    model=Reminder,
    task="notifications.tasks.send_reminder",
    batch_task="notifications.tasks.send_reminders",
    lock_subjects=lock_bookings,
    subject_field="booking",
    lock_subject=lock_booking,
    client_path="client",
    reason_not_to_send=reminder_reason,
    email_message=channels.email_message,
    sms_text=channels.sms_text,
)


def register() -> None:
    # Notices first: a confirmation due now goes before the reminders of the same run.
    kinds.register(NOTICE)
    kinds.register(REMINDER)
