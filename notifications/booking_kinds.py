"""Reminders and notices as delivery kinds (`notifications.kinds`): about a booking, locked
before the row (the lock order of the booking write paths), composed by
`notifications.channels`. Registered by `NotificationsConfig.ready()`."""

from __future__ import annotations

from bookings.models import Booking
from clinic.statuses import BookingStatus
from notifications import channels, kinds
from notifications.models import (
    Notice,
    NoticeKind,
    Reminder,
    TherapistNotice,
    TherapistNoticeKind,
)

CANCELLATIONS = (NoticeKind.CANCELLATION, NoticeKind.SERIES_CANCELLATION)


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


def _series_reason(visit_ids, *, therapist_id=None) -> str:
    """Why a notice about a series just booked must not go out: none of its visits is still
    booked (with this therapist, for theirs)."""
    visits = Booking.objects.active().filter(pk__in=visit_ids)
    if therapist_id is not None:
        visits = visits.filter(therapist_id=therapist_id)
    if not visits.exists():
        return "No visit of the series is still booked (a later notice says so)."
    return ""


def notice_reason(notice: Notice, booking: Booking, now) -> str:
    if notice.kind == NoticeKind.SERIES_REQUEST_RECEIVED:
        return _series_reason(notice.visits)
    if notice.kind not in CANCELLATIONS and not booking.is_active:
        return _inactive(booking)
    if notice.kind == NoticeKind.REQUEST_RECEIVED and booking.status != BookingStatus.REQUESTED:
        return "The booking was confirmed before this went out (the confirmation says so)."
    if notice.kind == NoticeKind.RESCHEDULED and notice.booking_version != booking.updated_at:
        return "The booking changed again since (a later notice says so)."
    if notice.kind in CANCELLATIONS and booking.status != BookingStatus.CANCELLED:
        return "The booking is no longer cancelled."
    return ""


def therapist_notice_reason(notice: TherapistNotice, booking: Booking, now) -> str:
    """Why a therapist's notice must not go out: they turned booking emails off, or the
    booking changed so that a later notice (or none) is the right one."""
    therapist = notice.therapist
    if not therapist.email_booking_notices:
        return f"{therapist.display_name} turned booking emails off."
    kind = notice.kind
    if kind == TherapistNoticeKind.SERIES_BOOKED:
        return _series_reason(notice.visits, therapist_id=notice.therapist_id)
    if kind in (TherapistNoticeKind.CANCELLATION, TherapistNoticeKind.SERIES_CANCELLATION):
        if booking.status != BookingStatus.CANCELLED:
            return "The booking is no longer cancelled."
        return ""
    # A notice that the booking moved away from its recipient (the therapist it left).
    away = (
        kind == TherapistNoticeKind.RESCHEDULED
        and notice.previous_therapist_id == notice.therapist_id
    )
    if away:
        # Told that the booking left them: true whatever happened to it since, unless it came
        # back to them (the later notice says so).
        if booking.therapist_id == notice.therapist_id:
            return "The booking came back to this therapist (a later notice says so)."
        return ""
    if booking.therapist_id != notice.therapist_id:
        return "The booking moved to another therapist since (a later notice says so)."
    if not booking.is_active:
        return _inactive(booking)
    if kind == TherapistNoticeKind.RESCHEDULED and notice.booking_version != booking.updated_at:
        return "The booking changed again since (a later notice says so)."
    return ""


def therapist_of_notice(notice: TherapistNotice, booking: Booking):
    """A therapist's notice goes to their login's email."""
    return notice.therapist.user


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


THERAPIST_NOTICE = kinds.DeliveryKind(
    model=TherapistNotice,
    task="notifications.tasks.send_therapist_notice",
    subject_field="booking",
    lock_subject=lock_booking,
    # What stops when the client is anonymised: notices about their bookings too.
    client_path="client",
    reason_not_to_send=therapist_notice_reason,
    email_message=channels.therapist_email_message,
    sms_text=channels.therapist_sms_text,
    recipient=therapist_of_notice,
    recipient_label="therapist",
)


def register() -> None:
    # Notices first: a confirmation due now goes before the reminders of the same run.
    kinds.register(NOTICE)
    kinds.register(THERAPIST_NOTICE)
    kinds.register(REMINDER)
