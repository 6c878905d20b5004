"""A therapist's bookings as an iCalendar feed (RFC 5545), built with `icalendar`."""

from datetime import UTC

from django.utils import timezone
from icalendar import Calendar, Event

from bookings.models import BookingStatus

ICS_STATUS = {
    BookingStatus.REQUESTED: "TENTATIVE",
    BookingStatus.CONFIRMED: "CONFIRMED",
    BookingStatus.CHECKED_IN: "CONFIRMED",
    BookingStatus.COMPLETED: "CONFIRMED",
}


def client_label(client) -> str:
    """First name and last initial: enough for the therapist's day, little for a calendar
    provider to keep."""
    initial = f" {client.last_name[:1]}." if client.last_name else ""
    return f"{client.first_name}{initial}"


def therapist_feed(therapist, bookings, *, clinic_name: str, host: str) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//Kneadly//Therapist calendar//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"{therapist.display_name} at {clinic_name}")
    stamp = timezone.now().astimezone(UTC)
    for booking in bookings:
        event = Event()
        event.add("uid", f"booking-{booking.pk}@{host}")
        event.add("dtstamp", stamp)
        event.add("dtstart", booking.start.astimezone(UTC))
        event.add("dtend", booking.end.astimezone(UTC))
        event.add("summary", f"{booking.service.name} - {client_label(booking.client)}")
        event.add("status", ICS_STATUS.get(booking.status, "CONFIRMED"))
        event.add("description", f"Status: {booking.get_status_display()}")
        calendar.add_component(event)
    return calendar.to_ical()
