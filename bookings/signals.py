"""`booking_changed`: how the booking core tells the rest of the clinic what happened.

Every write path in `bookings.services` sends it once per booking it changed, inside the
transaction and after saving, so receivers write their own rows (reminders, notices) in the
same transaction: all of it commits or none of it does. Receivers must only write rows and
publish tasks on commit; they must not call back into the booking services. The bookings app
imports none of its listeners (notifications, waitlist): they connect in their `ready()`.

Arguments: `booking` (the saved row), `previous_status` (None when it was just created) and
`previous_start` (None when it was just created; otherwise the start before this change).
"""

from django.dispatch import Signal

booking_changed = Signal()


def announce(booking, *, previous_status: str | None, previous_start=None) -> None:
    """Send `booking_changed` for `booking` (errors in receivers propagate: they roll back)."""
    booking_changed.send(
        sender=type(booking),
        booking=booking,
        previous_status=previous_status,
        previous_start=previous_start,
    )
