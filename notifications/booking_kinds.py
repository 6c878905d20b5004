"""Reminders and notices as delivery kinds (`notifications.kinds`): about a booking, locked
before the row (the lock order of the booking write paths), composed by
`notifications.channels`. Registered by `NotificationsConfig.ready()`."""

from __future__ import annotations

from bookings.models import Booking
from clinic.statuses import BookingStatus
from notifications import channels, kinds
from notifications.models import Notice, NoticeKind, Reminder


def lock_booking(booking_id: int) -> Booking | None:
    return (
        Booking.objects.select_for_update(no_key=True, of=("self",))
        .select_related("client", "therapist", "service")
        .filter(pk=booking_id)
        .first()
    )


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
