"""The booking statuses, defined once for every app.

They are the clinic's shared vocabulary, like the muscles in `clinic.vocabulary`: the bookings
app owns the state machine that moves a booking between them, and the apps below it (clients'
"has an upcoming booking") and above it (reports, treatments) read them from here rather than
copying the strings.
"""

from django.db import models


class BookingStatus(models.TextChoices):
    REQUESTED = "requested", "Requested"
    CONFIRMED = "confirmed", "Confirmed"
    CHECKED_IN = "checked_in", "Checked in"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"
    NO_SHOW = "no_show", "No-show"


# A booking in one of these holds its slot (the exclusion constraints count only these).
ACTIVE_STATUSES = (BookingStatus.REQUESTED, BookingStatus.CONFIRMED, BookingStatus.CHECKED_IN)
