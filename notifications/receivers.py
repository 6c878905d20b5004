"""What notifications do when a booking changes: the receiver of `bookings.signals.booking_changed`.

It runs inside the booking's transaction and only writes rows (and asks for the dispatcher
after commit), so a booking is taken even when the broker is down: the every-minute dispatcher
sends what is due once the broker is back.
"""

from bookings.signals import booking_changed
from clinic.statuses import ACTIVE_STATUSES, BookingStatus
from notifications import services
from notifications.models import NoticeKind


def plan_messages(sender, *, booking, previous_status, previous_start=None, **kwargs) -> None:
    """After a booking is created (previous_status None), changes status or moves:

    - becomes active (created, or back from inactive) or moves while active: its reminders
      are planned for the current start, one per clinic offset and channel, replacing the
      ones that never went out; an offset already past is recorded as skipped, never sent;
    - stops being active (cancelled, no-show, completed): pending reminders are skipped;
    - just requested (a client's booking): "request received"; becomes confirmed: a
      confirmation; cancelled from active: a cancellation; moved while active: "rescheduled",
      whose calendar file replaces the old event (same UID, higher SEQUENCE). Each at most
      once per booking (a unique constraint), a "rescheduled" once per move.
    """
    was_active = previous_status in ACTIVE_STATUSES
    moved = previous_start is not None and previous_start != booking.start
    if booking.is_active and previous_status is None:
        services.schedule_reminders(booking)  # a new booking has no reminders to replace
    elif booking.is_active and (moved or not was_active):
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


def connect() -> None:
    booking_changed.connect(plan_messages, dispatch_uid="notifications-plan-messages")
