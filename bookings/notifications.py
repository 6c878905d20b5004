"""The seam between the booking lifecycle and notifications (reminders, notices).

Every booking write path calls `booking_changed` inside its transaction, after saving. The
reminders issue fills this in (create/replace/skip reminder rows, queue notices on commit).
"""


def booking_changed(booking, *, previous_status: str | None, previous_start=None) -> None:
    """Called after a booking is created (previous_status None), changes status or moves."""
