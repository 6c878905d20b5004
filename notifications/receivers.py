"""What notifications do when a booking changes: the receiver of `bookings.signals.booking_changed`.

It runs inside the booking's transaction and only writes rows (and asks for the dispatcher
after commit), so a booking is taken even when the broker is down: the every-minute dispatcher
sends what is due once the broker is back.
"""

from bookings.signals import booking_changed, series_booked, series_cancelled
from clinic.statuses import ACTIVE_STATUSES, BookingStatus
from notifications import services
from notifications.models import NoticeKind, TherapistNoticeKind


def plan_messages(
    sender, *, booking, previous_status, previous_start=None, previous_therapist=None, **kwargs
) -> None:
    """After a booking is created (previous_status None), changes status or moves:

    - becomes active (created, or back from inactive) or moves while active: its reminders
      are planned for the current start, one per clinic offset and channel, replacing the
      ones that never went out; an offset already past is recorded as skipped, never sent;
    - stops being active (cancelled, no-show, completed): pending reminders are skipped;
    - just requested (a client's booking): "request received"; becomes confirmed: a
      confirmation; cancelled from active: a cancellation; moved while active: "rescheduled",
      whose calendar file replaces the old event (same UID, higher SEQUENCE). Each at most
      once per booking (a unique constraint), a "rescheduled" once per move (of time or of
      therapist);
    - the therapists concerned are emailed (unless they turned it off): a new booking, a
      move (both the therapist it left and the one it went to), a cancellation.

    The new reminders and notices are written in one statement (`services.write_rows`).
    """
    was_active = previous_status in ACTIVE_STATUSES
    moved = (previous_start is not None and previous_start != booking.start) or (
        previous_therapist is not None
    )
    rows = []  # written together, in one statement
    if booking.is_active and previous_status is None:
        rows += services.reminder_rows(booking)  # a new booking has no reminders to replace
    elif booking.is_active and (moved or not was_active):
        services.replace_reminders(booking)
    elif was_active and not booking.is_active:
        status = booking.get_status_display().lower()
        services.skip_pending_reminders(booking, f"The booking is {status}.")

    if previous_status is None and booking.status == BookingStatus.REQUESTED:
        rows += services.notice_rows(booking, NoticeKind.REQUEST_RECEIVED)
    if booking.status == BookingStatus.CONFIRMED and previous_status != BookingStatus.CONFIRMED:
        rows += services.notice_rows(booking, NoticeKind.CONFIRMATION)
    elif booking.status == BookingStatus.CANCELLED and was_active:
        rows += services.notice_rows(booking, NoticeKind.CANCELLATION)
    elif booking.is_active and was_active and moved:
        rows += services.notice_rows(booking, NoticeKind.RESCHEDULED)
    rows += therapist_rows(booking, previous_status, previous_start, previous_therapist, moved)
    services.write_rows(rows)


def therapist_rows(booking, previous_status, previous_start, previous_therapist, moved) -> list:
    """The emails to the therapists a change concerns (none for a therapist who turned them
    off): the booking's therapist of a new booking or a cancellation; on a move, the booking's
    therapist and, when the move changed therapist, the one it left."""
    was_active = previous_status in ACTIVE_STATUSES
    if previous_status is None and booking.is_active:
        return services.therapist_notice_rows(
            booking, booking.therapist, TherapistNoticeKind.BOOKED
        )
    if booking.status == BookingStatus.CANCELLED and was_active:
        return services.therapist_notice_rows(
            booking, booking.therapist, TherapistNoticeKind.CANCELLATION
        )
    rows = []
    if booking.is_active and was_active and moved:
        recipients = [booking.therapist]
        if previous_therapist is not None:
            recipients.append(previous_therapist)  # told that it left them
        for therapist in recipients:
            rows += services.therapist_notice_rows(
                booking,
                therapist,
                TherapistNoticeKind.RESCHEDULED,
                previous_start=previous_start,
                previous_therapist=previous_therapist,
            )
    return rows


def plan_series_booked(sender, *, series, bookings, **kwargs) -> None:
    """A series booked: one notice for its visits, not one per visit."""
    services.notify_series_booked(bookings)


def plan_series_cancelled(sender, *, series, bookings, **kwargs) -> None:
    """A series cancellation: one notice for its visits, not one per visit."""
    services.notify_series_cancelled(bookings)


def connect() -> None:
    booking_changed.connect(plan_messages, dispatch_uid="notifications-plan-messages")
    series_booked.connect(plan_series_booked, dispatch_uid="notifications-plan-series-booked")
    series_cancelled.connect(plan_series_cancelled, dispatch_uid="notifications-plan-series")
