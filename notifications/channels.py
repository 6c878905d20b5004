"""How a message reaches a client: email through Django's mail framework, SMS through a small
backend interface (console by default; a provider plugs in by `SMS_BACKEND`).

Everything here composes and hands over; whether and when to send is decided in
`notifications.dispatcher`. The composition of reminders and notices is here; another kind of
message (`notifications.kinds`) composes its own with `render_email` and `subject_line`.
Exceptions from the transport (SMTPException, OSError, ...) propagate so the caller can retry
the transient ones (`TRANSIENT_ERRORS`).
"""

from __future__ import annotations

import logging
import sys
import threading
from dataclasses import dataclass
from datetime import UTC, timedelta
from smtplib import SMTPException
from urllib.parse import urlparse

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.module_loading import import_string
from icalendar import Calendar, Event

from bookings.models import Booking
from clinic import links
from clinic.models import Clinic
from clinic.statuses import BookingStatus
from notifications.models import Channel, Notice, NoticeKind, Reminder

logger = logging.getLogger(__name__)

# What a send retries with backoff; anything else fails the message at once.
TRANSIENT_ERRORS = (SMTPException, ConnectionError, OSError)


# --- SMS -------------------------------------------------------------------------------------


class SmsBackend:
    """The interface a provider implements: deliver one text or raise.

    Raise ConnectionError/OSError for a failure worth retrying; anything else fails the
    message at once.
    """

    def send(self, to: str, body: str) -> None:
        raise NotImplementedError


class ConsoleSmsBackend(SmsBackend):
    """Writes the text to standard output: the default, since no provider is reachable."""

    def send(self, to: str, body: str) -> None:
        sys.stdout.write(f"[sms] to {to}: {body}\n")
        sys.stdout.flush()


class LocmemSmsBackend(SmsBackend):
    """Keeps texts in `LocmemSmsBackend.outbox` (a list of (to, body)), for tests."""

    outbox: list[tuple[str, str]] = []
    _lock = threading.Lock()

    def send(self, to: str, body: str) -> None:
        with self._lock:
            LocmemSmsBackend.outbox.append((to, body))


def sms_backend() -> SmsBackend:
    return import_string(settings.SMS_BACKEND)()


# --- What a message says ---------------------------------------------------------------------


@dataclass(frozen=True)
class Content:
    subject: str
    template: str  # notifications/email/<template>.txt|.html
    ics_method: str | None  # PUBLISH, CANCEL, or None for no calendar attachment


def content_for(delivery: Reminder | Notice) -> Content:
    if isinstance(delivery, Reminder):
        return Content("Reminder: your appointment", "reminder", "PUBLISH")
    if delivery.kind == NoticeKind.REQUEST_RECEIVED:
        return Content("We have your booking request", "request_received", None)
    if delivery.kind == NoticeKind.CONFIRMATION:
        return Content("Your appointment is confirmed", "confirmation", "PUBLISH")
    if delivery.kind == NoticeKind.RESCHEDULED:
        return Content("Your appointment has moved", "rescheduled", "PUBLISH")
    return Content("Your appointment is cancelled", "cancellation", "CANCEL")


def cancel_url(booking: Booking) -> str:
    """Where a client cancels: the visit's cancel page on the portal, by a signed link that
    proves access to this one visit (clinic.links)."""
    return links.visit_cancel_url(booking)


def _context(delivery, booking: Booking, clinic: Clinic) -> dict:
    tz = clinic.tz
    return {
        "clinic": clinic,
        "booking": booking,
        "client": booking.client,
        "start": timezone.localtime(booking.start, tz),
        "end": timezone.localtime(booking.end, tz),
        "offset_hours": getattr(delivery, "offset_hours", None),
        "cancel_url": cancel_url(booking),
        "visit_url": links.visit_url(booking),
        "book_url": links.book_url(),
        "cancellation_window_hours": clinic.cancellation_window_hours,
    }


def appointment_ics(booking: Booking, clinic: Clinic, method: str) -> bytes:
    """The appointment as an iCalendar object; the same UID in every message, so calendars
    update (or, with METHOD:CANCEL, remove) the one event."""
    tz = clinic.tz
    start = timezone.localtime(booking.start, tz)
    cal = Calendar()
    cal.add("prodid", "-//Kneadly//Clinic bookings//EN")
    cal.add("version", "2.0")
    cal.add("method", method)
    event = Event()
    event.add("uid", f"booking-{booking.pk}@{urlparse(settings.SITE_URL).hostname or 'kneadly'}")
    event.add("dtstamp", timezone.now().astimezone(UTC))
    event.add("dtstart", start)
    event.add("dtend", timezone.localtime(booking.end, tz))
    # SEQUENCE must grow with each change of the event: every change of a booking records
    # one event in its history (a timestamp would not grow for two changes in one second).
    event.add("sequence", booking.events.count())
    event.add("summary", f"{booking.service.name} with {booking.therapist.display_name}")
    if clinic.address:
        event.add("location", clinic.address)
    event.add("description", f"{clinic.name}. To cancel: {cancel_url(booking)}")
    cancelled = method == "CANCEL" or booking.status == BookingStatus.CANCELLED
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    cal.add_component(event)
    cal.add_missing_timezones(
        first_date=start.date() - timedelta(days=366), last_date=start.date() + timedelta(days=366)
    )
    return cal.to_ical()


def subject_line(lead: str, start, clinic: Clinic) -> str:
    """The subject every message uses: what, when (in the clinic's zone) and who sends it."""
    return f"{lead} on {timezone.localtime(start, clinic.tz):%a %d %b, %H:%M} — {clinic.name}"


def render_email(
    delivery, *, template: str, subject: str, context: dict, to: str, clinic: Clinic
) -> EmailMultiAlternatives:
    """An email of any delivery kind: `template` names the pair `<template>.txt` (the body)
    and `<template>.html` (the HTML alternative), rendered with the clinic's zone as the
    current one, so template date filters speak the clinic's local time. The message carries
    its row (`X-Kneadly-Delivery: <model>:<pk>`) and replies go to the clinic."""
    with timezone.override(clinic.tz):
        text = render_to_string(f"{template}.txt", context)
        html = render_to_string(f"{template}.html", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        reply_to=[clinic.email] if clinic.email else None,
        headers={"X-Kneadly-Delivery": f"{type(delivery).__name__.lower()}:{delivery.pk}"},
    )
    message.attach_alternative(html, "text/html")
    return message


def email_message(delivery: Reminder | Notice, booking: Booking, clinic: Clinic):
    """The email for a reminder or notice: text and HTML, times in the clinic's zone, the
    client's name, the appointment as an .ics attachment and a link to cancel."""
    content = content_for(delivery)
    message = render_email(
        delivery,
        template=f"notifications/email/{content.template}",
        subject=subject_line(content.subject, booking.start, clinic),
        context=_context(delivery, booking, clinic),
        to=booking.client.email,
        clinic=clinic,
    )
    if content.ics_method:
        message.attach(
            "appointment.ics",
            appointment_ics(booking, clinic, content.ics_method),
            f"text/calendar; method={content.ics_method}",
        )
    return message


def sms_text(delivery: Reminder | Notice, booking: Booking, clinic: Clinic) -> str:
    start = timezone.localtime(booking.start, clinic.tz)
    when = f"{start:%a %d %b at %H:%M}"
    what = f"{booking.service.name} with {booking.therapist.display_name}"
    if isinstance(delivery, Reminder):
        lead = f"Reminder: {what} {when}."
        return f"{clinic.name}: {lead} To cancel: {cancel_url(booking)}"
    if delivery.kind == NoticeKind.REQUEST_RECEIVED:
        return f"{clinic.name}: we have your request for {what} {when}; we will confirm it soon."
    if delivery.kind == NoticeKind.CONFIRMATION:
        return f"{clinic.name}: confirmed, {what} {when}. To cancel: {cancel_url(booking)}"
    if delivery.kind == NoticeKind.RESCHEDULED:
        return f"{clinic.name}: your appointment has moved: {what} {when}."
    if booking.cancelled_by == "clinic":
        why = f" ({booking.cancel_reason})" if booking.cancel_reason else ""
        return f"{clinic.name}: sorry, the clinic has had to cancel your appointment {when}{why}."
    return f"{clinic.name}: your appointment {when} is cancelled."


def deliver(kind, delivery, subject, clinic: Clinic) -> None:
    """Hand a row of `kind` (`notifications.kinds.DeliveryKind`) about `subject` to its
    channel's transport; raises whatever the transport raises."""
    client = kind.client_of(subject)
    if delivery.channel == Channel.SMS:
        sms_backend().send(client.phone, kind.sms_text(delivery, subject, clinic))
    else:
        kind.email_message(delivery, subject, clinic).send(fail_silently=False)
