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
    """
    was_active = previous_status in ACTIVE_STATUSES
    moved = (previous_start is not None and previous_start != booking.start) or (
        previous_therapist is not None
    )
    if booking.is_active and (moved or not was_active):
        services.replace_reminders(booking)
    elif was_active and not booking.is_active:
        status = booking.get_status_display().lower()
        services.skip_pending_reminders(booking, f"The booking is {status}.")

    if previous_status is None and booking.status == BookingStatus.REQUESTED:
        services.queue_notice(booking, NoticeKind.REQUEST_RECEIVED)
    if booking.status == BookingStatus.CONFIRMED and previous_status != BookingStatus.CONFIRMED:
        services.queue_notice(booking, NoticeKind.CONFIRMATION)
    elif booking.status == BookingStatus.CANCELLED and was_active:
        services.queue_notice(booking, NoticeKind.CANCELLATION)
    elif booking.is_active and was_active and moved:
        services.queue_notice(booking, NoticeKind.RESCHEDULED)
    tell_therapists(booking, previous_status, previous_start, previous_therapist, moved)


def tell_therapists(booking, previous_status, previous_start, previous_therapist, moved) -> None:
    """Queue the emails to the therapists a change concerns (each skipped for a therapist who
    turned them off): the booking's therapist of a new booking or a cancellation; on a move,
    the booking's therapist and, when the move changed therapist, the one it left."""
    was_active = previous_status in ACTIVE_STATUSES
    if previous_status is None and booking.is_active:
        services.queue_therapist_notice(booking, booking.therapist, TherapistNoticeKind.BOOKED)
    elif booking.status == BookingStatus.CANCELLED and was_active:
        services.queue_therapist_notice(
            booking, booking.therapist, TherapistNoticeKind.CANCELLATION
        )
    elif booking.is_active and was_active and moved:
        recipients = [booking.therapist]
        if previous_therapist is not None:
            recipients.append(previous_therapist)  # told that it left them
        for therapist in recipients:
            services.queue_therapist_notice(
                booking,
                therapist,
                TherapistNoticeKind.RESCHEDULED,
                previous_start=previous_start,
                previous_therapist=previous_therapist,
            )


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
