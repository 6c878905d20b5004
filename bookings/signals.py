"""`booking_changed`: how the booking core tells the rest of the clinic what happened.

Every write path in `bookings.services` sends it once per booking it changed, inside the
transaction and after saving, so receivers write their own rows (reminders, notices) in the
same transaction: all of it commits or none of it does. Receivers must only write rows and
publish tasks on commit; they must not call back into the booking services. The bookings app
imports none of its listeners (notifications, waitlist): they connect in their `ready()`.

Arguments: `booking` (the saved row), `previous_status` (None when it was just created),
`previous_start` (None when it was just created; otherwise the start before this change) and
`previous_therapist` (the therapist before this change; None unless a move changed it).

`series_booked` and `series_cancelled` follow the `booking_changed` of each visit a series
booked or cancelled, in the same transaction, with `series` and `bookings` (those visits, in
order), so listeners can say it once for the series rather than once per visit.
"""

from django.dispatch import Signal

booking_changed = Signal()
series_booked = Signal()
series_cancelled = Signal()


def announce(
    booking, *, previous_status: str | None, previous_start=None, previous_therapist=None
) -> None:
    """Send `booking_changed` for `booking` (errors in receivers propagate: they roll back)."""
    booking_changed.send(
        sender=type(booking),
        booking=booking,
        previous_status=previous_status,
        previous_start=previous_start,
        previous_therapist=previous_therapist,
    )


def announce_series_cancelled(series, bookings) -> None:
    """Send `series_cancelled` for the visits of `series` just cancelled (none: nothing sent)."""
    if bookings:
        series_cancelled.send(sender=type(series), series=series, bookings=list(bookings))


def announce_series_booked(series, bookings) -> None:
    """Send `series_booked` for the visits of `series` just booked (none: nothing sent)."""
    if bookings:
        series_booked.send(sender=type(series), series=series, bookings=list(bookings))
