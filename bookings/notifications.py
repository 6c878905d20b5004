"""The seam between the booking lifecycle and notifications (reminders, notices).

Every booking write path calls `booking_changed` inside its transaction, after saving. It only
writes rows (and asks for the dispatcher after commit), so a booking is taken even when the
broker is down: the every-minute dispatcher sends what is due once the broker is back.
"""

from bookings import reminders
from bookings.models import ACTIVE_STATUSES, BookingStatus, NoticeKind


def booking_changed(booking, *, previous_status: str | None, previous_start=None) -> None:
    """Called after a booking is created (previous_status None), changes status or moves.

    - becomes active (created, or back from inactive) or moves while active: its reminders
      are planned for the current start, one per clinic offset and channel, replacing the
      ones that never went out; an offset already past is recorded as skipped, never sent;
    - stops being active (cancelled, no-show, completed): pending reminders are skipped;
    - becomes confirmed: a confirmation notice; cancelled from active: a cancellation
      notice; each at most once per booking (a unique constraint);
    - frees its time (stops being active, or moves while active): a waitlist scan is asked
      for on commit, so waiting clients are offered the freed slot.
    """
    was_active = previous_status in ACTIVE_STATUSES
    moved = previous_start is not None and previous_start != booking.start
    if booking.is_active and (moved or not was_active):
        reminders.replace_reminders(booking)
    elif was_active and not booking.is_active:
        status = booking.get_status_display().lower()
        reminders.skip_pending_reminders(booking, f"The booking is {status}.")

    if booking.status == BookingStatus.CONFIRMED and previous_status != BookingStatus.CONFIRMED:
        reminders.queue_notice(booking, NoticeKind.CONFIRMATION)
    elif booking.status == BookingStatus.CANCELLED and was_active:
        reminders.queue_notice(booking, NoticeKind.CANCELLATION)

    if was_active and (moved or not booking.is_active):
        from bookings import waitlist  # waitlist books through services, which import this

        waitlist.request_scan()
