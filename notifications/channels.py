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
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from smtplib import SMTPException
from urllib.parse import urlparse

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.module_loading import import_string
from icalendar import Calendar, Event, Timezone

from bookings.models import Booking
from clinic import links
from clinic.models import Clinic
from clinic.statuses import BookingStatus
from notifications.models import (
    Channel,
    Notice,
    NoticeKind,
    Reminder,
    TherapistNotice,
    TherapistNoticeKind,
)

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
    if delivery.kind == NoticeKind.SERIES_REQUEST_RECEIVED:
        return Content("We have your request for a series", "series_request_received", None)
    if delivery.kind == NoticeKind.CONFIRMATION:
        return Content("Your appointment is confirmed", "confirmation", "PUBLISH")
    if delivery.kind == NoticeKind.RESCHEDULED:
        return Content("Your appointment has moved", "rescheduled", "PUBLISH")
    if delivery.kind == NoticeKind.SERIES_CANCELLATION:
        return Content("Your series of appointments is cancelled", "series_cancellation", "CANCEL")
    return Content("Your appointment is cancelled", "cancellation", "CANCEL")


def cancel_url(booking: Booking) -> str:
    """Where a client cancels: the visit's cancel page on the portal, by a signed link that
    proves access to this one visit (clinic.links)."""
    return links.visit_cancel_url(booking)


@dataclass(frozen=True)
class Visit:
    """One visit listed in a message about several (a series cancellation)."""

    booking: Booking
    start: datetime
    end: datetime

    @property
    def url(self) -> str:
        """The visit's page on the portal (a signed link to this one visit)."""
        return links.visit_url(self.booking)


def visits_of(delivery, clinic: Clinic) -> list[Visit]:
    """The visits a row lists (`visits`: booking ids), soonest first, in the clinic's time."""
    ids = getattr(delivery, "visits", None) or []
    if not ids:
        return []
    bookings = (
        Booking.objects.filter(pk__in=ids)
        .select_related("service", "therapist", "client")
        .order_by("start", "pk")
    )
    tz = clinic.tz
    return [
        Visit(b, timezone.localtime(b.start, tz), timezone.localtime(b.end, tz)) for b in bookings
    ]


def late_reason(booking: Booking, clinic: Clinic, cancelled_at) -> str:
    """Why a late cancellation counts as late, in the clinic's policy's words ('' if it does
    not): cancelled inside the window, or moved inside it by the clinic before."""
    if not booking.late_cancellation:
        return ""
    hours = clinic.cancellation_window_hours
    if cancelled_at is None or cancelled_at > booking.start - clinic.cancellation_window:
        return (
            f"It was cancelled less than {hours} hours before the start, so under the clinic's "
            "cancellation policy it counts as a late cancellation."
        )
    return (
        f"It had been moved less than {hours} hours before its earlier time, so under the "
        "clinic's cancellation policy cancelling it counts as a late cancellation."
    )


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
        "late_reason": late_reason(booking, clinic, delivery.due_at),
        "visits": visits_of(delivery, clinic),
        "cancelled_by_clinic": booking.cancelled_by == "clinic",
    }


def _calendar(method: str) -> Calendar:
    cal = Calendar()
    cal.add("prodid", "-//Kneadly//Clinic bookings//EN")
    cal.add("version", "2.0")
    cal.add("method", method)
    return cal


def appointment_ics(booking: Booking, clinic: Clinic, method: str) -> bytes:
    """The appointment as an iCalendar object; the same UID in every message, so calendars
    update (or, with METHOD:CANCEL, remove) the one event."""
    return appointments_ics([booking], clinic, method)


def appointments_ics(bookings, clinic: Clinic, method: str) -> bytes:
    """Several appointments in one iCalendar object (a series cancelled: each event removed
    by its own UID)."""
    cal = _calendar(method)
    starts = []
    for booking in bookings:
        cal.add_component(_event(booking, clinic, method))
        starts.append(timezone.localtime(booking.start, clinic.tz).date())
    first, last = min(starts), max(starts)
    if last - first <= timedelta(days=300):  # within the year either side of the first day
        cal.add_component(vtimezone(clinic.tz.key, first))
    else:
        cal.add_missing_timezones(
            first_date=first - timedelta(days=366), last_date=last + timedelta(days=366)
        )
    return cal.to_ical()


def _event(booking: Booking, clinic: Clinic, method: str) -> Event:
    tz = clinic.tz
    start = timezone.localtime(booking.start, tz)
    event = Event()
    event.add("uid", f"booking-{booking.pk}@{urlparse(settings.SITE_URL).hostname or 'kneadly'}")
    event.add("dtstamp", timezone.now().astimezone(UTC))
    event.add("dtstart", start)
    event.add("dtend", timezone.localtime(booking.end, tz))
    # SEQUENCE must grow with each change of the event: every change of a booking records
    # one event in its history (a timestamp would not grow for two changes in one second).
    # (`booking_kinds.lock_booking` counts them with the booking: no query of its own here.)
    sequence = getattr(booking, "event_count", None)
    event.add("sequence", booking.events.count() if sequence is None else sequence)
    event.add("summary", f"{booking.service.name} with {booking.therapist.display_name}")
    if clinic.address:
        event.add("location", clinic.address)
    event.add("description", f"{clinic.name}. To cancel: {cancel_url(booking)}")
    cancelled = method == "CANCEL" or booking.status == BookingStatus.CANCELLED
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    return event


@lru_cache(maxsize=256)
def vtimezone(tzid: str, day: date) -> Timezone:
    """The zone's VTIMEZONE from a year before `day` to a year after (the zone travels with
    the event), built once per zone and day: building one walks the zone's transitions."""
    return Timezone.from_tzid(
        tzid, first_date=day - timedelta(days=366), last_date=day + timedelta(days=366)
    )


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
        visits = [visit.booking for visit in visits_of(delivery, clinic)] or [booking]
        message.attach(
            "appointment.ics",
            appointments_ics(visits, clinic, content.ics_method),
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
    if delivery.kind == NoticeKind.SERIES_REQUEST_RECEIVED:
        count = len(delivery.visits)
        return (
            f"{clinic.name}: we have your request for {count} visits, {what}, from {when}; "
            "we will confirm each soon."
        )
    if delivery.kind == NoticeKind.CONFIRMATION:
        return f"{clinic.name}: confirmed, {what} {when}. To cancel: {cancel_url(booking)}"
    if delivery.kind == NoticeKind.RESCHEDULED:
        return f"{clinic.name}: your appointment has moved: {what} {when}."
    why = f" ({booking.cancel_reason})" if booking.cancel_reason else ""
    if delivery.kind == NoticeKind.SERIES_CANCELLATION:
        count = len(delivery.visits)
        visits = f"your {count} appointment{'s' if count != 1 else ''} from {when}"
        if booking.cancelled_by == "clinic":
            return f"{clinic.name}: sorry, the clinic has had to cancel {visits}{why}."
        verb = "are" if count != 1 else "is"
        return f"{clinic.name}: {visits} {verb} cancelled (the email lists them)."
    if booking.cancelled_by == "clinic":
        return f"{clinic.name}: sorry, the clinic has had to cancel your appointment {when}{why}."
    late = " It counts as a late cancellation." if booking.late_cancellation else ""
    return f"{clinic.name}: your appointment {when} is cancelled.{late}"


# --- What a therapist is told ----------------------------------------------------------------


def clinic_time(moment, clinic: Clinic) -> str:
    """A moment in the clinic's time with its zone: `Tuesday 5 May 2026, 10:00 EDT
    (America/Toronto)`."""
    local = timezone.localtime(moment, clinic.tz)
    return f"{local:%A} {local.day} {local:%B %Y, %H:%M %Z} ({clinic.timezone})"


def _client_name(booking: Booking) -> str:
    client = booking.client
    return f"{client.first_name} {client.last_name}".strip() or f"Client {client.pk}"


def _cancellation_lines(booking: Booking) -> list[str]:
    who = "the clinic" if booking.cancelled_by == "clinic" else "the client"
    lines = [f"Cancelled by {who}."]
    if booking.cancel_reason:
        lines.append(f"Reason given: {booking.cancel_reason}")
    if booking.late_cancellation:
        lines.append("It counts as a late cancellation.")
    return lines


def therapist_notice_content(notice: TherapistNotice, booking: Booking, clinic: Clinic):
    """(subject lead, the moment the subject names, what changed as sentences) for a
    therapist's notice. Only what the therapist needs to plan their day: who, what, when, what
    changed, who cancelled and why; never the client's health information or booking notes."""
    waits = booking.status == BookingStatus.REQUESTED
    confirm = ["It waits for your confirmation."] if waits else []
    kind = notice.kind
    if kind == TherapistNoticeKind.BOOKED:
        lead = "New booking request" if waits else "New booking"
        return lead, booking.start, ["A new booking with you.", *confirm]
    if kind == TherapistNoticeKind.RESCHEDULED:
        before = clinic_time(notice.previous_start, clinic) if notice.previous_start else ""
        if notice.therapist_id != booking.therapist_id:
            return (
                "Booking no longer with you",
                notice.previous_start or booking.start,
                [f"It was moved to {booking.therapist.display_name}; you no longer have it at "
                 f"{before}."],
            )  # fmt: skip
        moved_from = notice.previous_therapist
        if moved_from is not None and moved_from.pk != notice.therapist_id:
            return (
                "Booking moved to you",
                booking.start,
                [f"Moved to you from {moved_from.display_name} (it was {before}).", *confirm],
            )
        return "Booking moved", booking.start, [f"Moved from {before}.", *confirm]
    if kind == TherapistNoticeKind.SERIES_BOOKED:
        count = len(notice.visits)
        plural = "s" if count != 1 else ""
        return (
            "New series request" if waits else "New series",
            booking.start,
            [
                f"A series of {count} visit{plural} with you (listed below).",
                *(["They wait for your confirmation."] if waits else []),
            ],
        )
    if kind == TherapistNoticeKind.SERIES_CANCELLATION:
        count = len(notice.visits)
        lines = [f"{count} visit{'s' if count != 1 else ''} of a series cancelled (listed below)."]
        return "Series cancelled", booking.start, [*lines, *_cancellation_lines(booking)[0:2]]
    return "Booking cancelled", booking.start, _cancellation_lines(booking)


def therapist_email_message(notice: TherapistNotice, booking: Booking, clinic: Clinic):
    """The email to a therapist about a booking with them: text and HTML, times in the
    clinic's zone (named), no health information."""
    lead, moment, changes = therapist_notice_content(notice, booking, clinic)
    name = _client_name(booking)
    visits = visits_of(notice, clinic)
    context = {
        "clinic": clinic,
        "therapist": notice.therapist,
        "booking": booking,
        "client_name": name,
        "service": booking.service,
        "when": clinic_time(booking.start, clinic),
        "changes": changes,
        "visits": [
            {
                "when": clinic_time(v.booking.start, clinic),
                "late": v.booking.late_cancellation,
                "service": v.booking.service.name,
            }
            for v in visits
        ],
        "away": notice.therapist_id != booking.therapist_id,
    }
    return render_email(
        notice,
        template="notifications/email/therapist_notice",
        subject=subject_line(f"{lead}: {name}", moment, clinic),
        context=context,
        to=notice.therapist.user.email,
        clinic=clinic,
    )


def therapist_sms_text(notice: TherapistNotice, booking: Booking, clinic: Clinic) -> str:
    """Therapists' notices are email only; this exists for the kind's interface."""
    lead, moment, _ = therapist_notice_content(notice, booking, clinic)
    return f"{clinic.name}: {lead}: {_client_name(booking)}, {clinic_time(moment, clinic)}."


def deliver(kind, delivery, subject, clinic: Clinic) -> None:
    """Hand a row of `kind` (`notifications.kinds.DeliveryKind`) about `subject` to its
    channel's transport; raises whatever the transport raises."""
    recipient = kind.recipient_of(delivery, subject)
    if delivery.channel == Channel.SMS:
        sms_backend().send(recipient.phone, kind.sms_text(delivery, subject, clinic))
    else:
        kind.email_message(delivery, subject, clinic).send(fail_silently=False)
