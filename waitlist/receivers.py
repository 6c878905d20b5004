"""When time frees up, the waitlist looks for someone to offer it to.

- `booking_changed` (bookings): a booking that stops being active, or moves while active (to
  another time or another therapist), frees its old time;
- working hours and time off saved or deleted (therapists): a schedule change may free time.

Each asks for a scan once the transaction commits; the bookings and therapists apps import
nothing from here. The waitlist's open offers also hold their slots (`selectors.held_slots`,
registered as a hold source of `bookings.selectors`), and the messages telling clients of their
offers are a delivery kind of the notifications dispatcher (`messages.OFFER`, registered with
`notifications.kinds`).
"""

from django.db.models.signals import post_delete, post_save

from bookings import selectors as booking_selectors
from bookings.signals import booking_changed
from clinic.statuses import ACTIVE_STATUSES
from notifications import kinds as notification_kinds
from therapists.models import TimeOff, WorkingHours
from waitlist import messages, selectors, services


def booking_freed_time(
    sender, *, booking, previous_status, previous_start=None, previous_therapist=None, **kwargs
):
    was_active = previous_status in ACTIVE_STATUSES
    # A move frees the old time, also one to another therapist at the same start.
    moved = (previous_start is not None and previous_start != booking.start) or (
        previous_therapist is not None
    )
    if was_active and (moved or not booking.is_active):
        services.request_scan()


def schedule_changed(sender, **kwargs) -> None:
    services.request_scan()


def connect() -> None:
    booking_changed.connect(booking_freed_time, dispatch_uid="waitlist-booking-freed-time")
    for model in (WorkingHours, TimeOff):
        post_save.connect(schedule_changed, sender=model, dispatch_uid=f"waitlist-{model}-save")
        post_delete.connect(schedule_changed, sender=model, dispatch_uid=f"waitlist-{model}-delete")
    booking_selectors.register_hold_source(selectors.held_slots)
    notification_kinds.register(messages.OFFER)
