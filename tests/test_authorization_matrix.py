# ruff: noqa: E501  (the rule table reads best one rule a line)
"""Who may do what, for every API route: one table, walked for six kinds of caller.

The table has one line per (method, url template): the status each role gets, in the order of
ROLES. `test_every_route_has_a_rule` walks the URL conf, so a new route without a line fails
the suite (add its line to RULES). A 400 or 409 in an allowed role's cell means the role got
past the permission check and the object's state (or the body) refused the request.

The world (clinic, two clients, their therapists, bookings, notes) is made once per module in
an outer transaction, and every case runs in a savepoint rolled back after it; cases do not see
each other's writes. Besides the status, every answer is searched for the other clients'
identifying strings (names, email, intake and chart text): nothing of a record a caller may not
see may leak through a list, a filter, a search, an ordering or an error message.
"""

import functools
import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from urllib.parse import urlsplit

import pytest
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator

from bookings.models import BookingSeries, Room
from clients.models import ConsentText
from clients.services import resolve_flag
from clinic.accounts import issue_token
from notifications.models import Reminder
from tests import factories
from treatments import services as chart
from waitlist.models import WaitlistEntry, WaitlistOffer

ROLES = ("anonymous", "client_a", "client_b", "therapist_a", "therapist_other", "admin")
METHODS = ("get", "post", "put", "patch", "delete")  # HEAD and OPTIONS follow GET

T = "/api/v1/"


@dataclass(frozen=True)
class Rule:
    method: str
    url: str  # a template filled from World.ids
    expect: tuple[int, int, int, int, int, int]  # a status per role, in the order of ROLES
    body: str | None = None  # a key of BODIES


# fmt: off
RULES = [
    # method    url                                               anon cl_a cl_b th_a th_o admin
    Rule("get",    T,                                              (200, 200, 200, 200, 200, 200)),
    Rule("get",    T + "health/",                                  (200, 200, 200, 200, 200, 200)),
    Rule("get",    T + "health/live/",                             (200, 200, 200, 200, 200, 200)),
    # No worker or beat runs here: not ready, for everyone alike.
    Rule("get",    T + "health/ready/",                            (503, 503, 503, 503, 503, 503)),
    Rule("post",   T + "auth/token/",                              (400, 400, 400, 400, 400, 400), "bad_login"),
    Rule("get",    T + "auth/me/",                                 (401, 200, 200, 200, 200, 200)),
    Rule("post",   T + "auth/register/",                           (202, 202, 202, 202, 202, 202), "register"),
    Rule("post",   T + "auth/register/confirm/",                   (400, 400, 400, 400, 400, 400), "link"),
    Rule("post",   T + "auth/email/confirm/",                      (400, 400, 400, 400, 400, 400), "email_token"),
    Rule("post",   T + "auth/logout/",                             (401, 204, 204, 204, 204, 204)),
    Rule("post",   T + "auth/logout-all/",                         (401, 204, 204, 204, 204, 204)),
    Rule("get",    T + "auth/sessions/",                           (401, 200, 200, 200, 200, 200)),
    Rule("delete", T + "auth/sessions/{session_a}/",               (401, 204, 404, 404, 404, 404)),
    Rule("post",   T + "auth/password/change/",                    (401, 400, 400, 400, 400, 400), "password_change"),
    Rule("post",   T + "auth/password/reset/",                     (202, 202, 202, 202, 202, 202), "reset"),
    Rule("post",   T + "auth/password/reset/confirm/",             (400, 400, 400, 400, 400, 400), "reset_confirm"),
    Rule("get",    T + "auth/2fa/",                                (401, 200, 200, 200, 200, 200)),
    Rule("post",   T + "auth/2fa/",                                (401, 201, 201, 201, 201, 201)),
    Rule("delete", T + "auth/2fa/",                                (401, 400, 400, 400, 400, 400), "otp"),
    Rule("post",   T + "auth/2fa/confirm/",                        (401, 400, 400, 400, 400, 400), "otp"),
    Rule("get",    T + "clinic/",                                  (200, 200, 200, 200, 200, 200)),
    Rule("patch",  T + "clinic/",                                  (401, 403, 403, 403, 403, 200), "clinic"),
    Rule("get",    T + "services/",                                (200, 200, 200, 200, 200, 200)),
    Rule("post",   T + "services/",                                (401, 403, 403, 403, 403, 201), "service"),
    Rule("get",    T + "services/{service}/",                      (200, 200, 200, 200, 200, 200)),
    Rule("put",    T + "services/{service}/",                      (401, 403, 403, 403, 403, 200), "service"),
    Rule("patch",  T + "services/{service}/",                      (401, 403, 403, 403, 403, 200), "service"),
    Rule("delete", T + "services/{service}/",                      (401, 403, 403, 403, 403, 200)),
    Rule("get",    T + "therapists/",                              (200, 200, 200, 200, 200, 200)),
    Rule("post",   T + "therapists/",                              (401, 403, 403, 403, 403, 201), "therapist"),
    Rule("get",    T + "therapists/{therapist_a}/",                (200, 200, 200, 200, 200, 200)),
    Rule("put",    T + "therapists/{therapist_a}/",                (401, 403, 403, 200, 403, 200), "profile"),
    Rule("patch",  T + "therapists/{therapist_a}/",                (401, 403, 403, 200, 403, 200), "profile"),
    Rule("delete", T + "therapists/{therapist_a}/",                (401, 403, 403, 403, 403, 200)),
    Rule("get",    T + "therapists/{therapist_a}/working-hours/",  (401, 404, 404, 200, 404, 200)),
    Rule("post",   T + "therapists/{therapist_a}/working-hours/",  (401, 404, 404, 201, 404, 201), "hours"),
    Rule("get",    T + "therapists/{therapist_a}/working-hours/{hours}/", (401, 404, 404, 200, 404, 200)),
    Rule("put",    T + "therapists/{therapist_a}/working-hours/{hours}/", (401, 404, 404, 200, 404, 200), "hours"),
    Rule("patch",  T + "therapists/{therapist_a}/working-hours/{hours}/", (401, 404, 404, 200, 404, 200), "hours"),
    Rule("delete", T + "therapists/{therapist_a}/working-hours/{hours}/", (401, 404, 404, 204, 404, 204)),
    Rule("get",    T + "therapists/{therapist_a}/time-off/",       (401, 404, 404, 200, 404, 200)),
    Rule("post",   T + "therapists/{therapist_a}/time-off/",       (401, 404, 404, 201, 404, 201), "time_off"),
    Rule("get",    T + "therapists/{therapist_a}/time-off/{time_off}/", (401, 404, 404, 200, 404, 200)),
    Rule("put",    T + "therapists/{therapist_a}/time-off/{time_off}/", (401, 404, 404, 200, 404, 200), "time_off"),
    Rule("patch",  T + "therapists/{therapist_a}/time-off/{time_off}/", (401, 404, 404, 200, 404, 200), "time_off"),
    Rule("delete", T + "therapists/{therapist_a}/time-off/{time_off}/", (401, 404, 404, 204, 404, 204)),
    Rule("get",    T + "therapists/{therapist_a}/calendar.ics",    (404, 404, 404, 404, 404, 200)),
    Rule("get",    T + "therapists/{therapist_a}/calendar.ics?token={calendar_token}", (200, 200, 200, 200, 200, 200)),
    Rule("get",    T + "therapists/{therapist_a}/calendar-token/", (401, 403, 403, 200, 403, 200)),
    Rule("post",   T + "therapists/{therapist_a}/calendar-token/", (401, 403, 403, 200, 403, 200)),
    Rule("get",    T + "clients/",                                 (401, 200, 200, 200, 200, 200)),
    Rule("post",   T + "clients/",                                 (401, 403, 403, 403, 403, 201), "new_client"),
    Rule("get",    T + "clients/{client_a}/",                      (401, 200, 404, 200, 404, 200)),
    Rule("put",    T + "clients/{client_a}/",                      (401, 200, 404, 403, 404, 200), "client"),
    Rule("patch",  T + "clients/{client_a}/",                      (401, 200, 404, 403, 404, 200), "client"),
    Rule("get",    T + "clients/{client_a}/intakes/",              (401, 200, 404, 200, 404, 200)),
    Rule("post",   T + "clients/{client_a}/intakes/",              (401, 201, 404, 403, 404, 201), "intake"),
    Rule("get",    T + "clients/{client_a}/intakes/{intake}/",     (401, 200, 404, 200, 404, 200)),
    Rule("get",    T + "clients/{client_a}/intakes/{intake}/consent/", (401, 200, 404, 200, 404, 200)),
    # The draft is for those who add intakes: the client and the front desk.
    Rule("get",    T + "clients/{client_a}/intakes/draft/",        (401, 200, 404, 403, 404, 200)),
    Rule("get",    T + "clients/{client_a}/flag-resolutions/",     (401, 200, 404, 200, 404, 200)),
    Rule("post",   T + "clients/{client_a}/flag-resolutions/",     (401, 403, 404, 201, 404, 201), "flag_resolution"),
    Rule("get",    T + "clients/{client_a}/flag-resolutions/{flag_resolution}/", (401, 200, 404, 200, 404, 200)),
    Rule("get",    T + "consent-texts/",                           (200, 200, 200, 200, 200, 200)),
    Rule("get",    T + "consent-texts/current/",                   (200, 200, 200, 200, 200, 200)),
    Rule("get",    T + "consent-texts/{consent_text}/",            (200, 200, 200, 200, 200, 200)),
    Rule("get",    T + "clients/{client_a}/export/",               (401, 200, 404, 403, 404, 200)),
    Rule("post",   T + "clients/{client_a}/anonymise/",            (401, 403, 404, 403, 404, 200)),
    Rule("get",    T + "clients/{client_a}/trigger-point-progress/", (401, 403, 404, 200, 404, 200)),
    Rule("get",    T + "availability/?service={service}&start={day}&end={day}", (200, 200, 200, 200, 200, 200)),
    Rule("get",    T + "bookings/",                                (401, 200, 200, 200, 200, 200)),
    Rule("post",   T + "bookings/",                                (401, 201, 201, 403, 403, 400), "booking"),
    Rule("get",    T + "bookings/{booking}/",                      (401, 200, 404, 200, 404, 200)),
    Rule("post",   T + "bookings/{booking}/cancel/",               (401, 200, 404, 403, 404, 200)),
    Rule("post",   T + "bookings/{booking}/confirm/",              (401, 403, 404, 200, 404, 200)),
    Rule("post",   T + "bookings/{booking}/check-in/",             (401, 403, 404, 400, 404, 400)),
    Rule("post",   T + "bookings/{booking}/complete/",             (401, 403, 404, 400, 404, 400)),
    Rule("post",   T + "bookings/{booking}/no-show/",              (401, 403, 404, 400, 404, 400)),
    Rule("post",   T + "bookings/{booking}/reschedule/",           (401, 200, 404, 403, 404, 200), "reschedule"),
    Rule("get",    T + "bookings/{booking}/reminders/",            (401, 200, 404, 200, 404, 200)),
    Rule("get",    T + "treatment-notes/",                         (401, 403, 403, 200, 200, 200)),
    Rule("post",   T + "treatment-notes/",                         (401, 403, 403, 201, 400, 403), "note"),
    Rule("get",    T + "treatment-notes/{note}/",                  (401, 404, 404, 200, 404, 200)),
    Rule("put",    T + "treatment-notes/{note}/",                  (401, 404, 404, 200, 404, 403), "note_edit"),
    Rule("patch",  T + "treatment-notes/{note}/",                  (401, 404, 404, 200, 404, 403), "note_edit"),
    Rule("delete", T + "treatment-notes/{note}/",                  (401, 404, 404, 204, 404, 403)),
    Rule("post",   T + "treatment-notes/{note}/sign/",             (401, 404, 404, 200, 404, 403)),
    Rule("get",    T + "treatment-notes/{signed_note}/amendments/", (401, 404, 404, 200, 404, 200)),
    Rule("post",   T + "treatment-notes/{signed_note}/amendments/", (401, 404, 404, 201, 404, 403), "amendment"),
    Rule("get",    T + "reports/",                                 (401, 403, 403, 403, 403, 200)),
    Rule("get",    T + "rooms/",                                   (401, 200, 200, 200, 200, 200)),
    Rule("post",   T + "rooms/",                                   (401, 403, 403, 403, 403, 201), "room"),
    Rule("get",    T + "rooms/{room}/",                            (401, 200, 200, 200, 200, 200)),
    Rule("put",    T + "rooms/{room}/",                            (401, 403, 403, 403, 403, 200), "room"),
    Rule("patch",  T + "rooms/{room}/",                            (401, 403, 403, 403, 403, 200), "room"),
    Rule("delete", T + "rooms/{room}/",                            (401, 403, 403, 403, 403, 405)),
    Rule("get",    T + "booking-series/",                          (401, 200, 200, 200, 200, 200)),
    Rule("post",   T + "booking-series/",                          (401, 201, 201, 403, 403, 400), "series"),
    Rule("get",    T + "booking-series/{series}/",                 (401, 200, 404, 200, 404, 200)),
    Rule("post",   T + "booking-series/{series}/cancel/",          (401, 200, 404, 403, 404, 200), "series_cancel"),
    Rule("get",    T + "waitlist/",                                (401, 200, 200, 200, 200, 200)),
    Rule("post",   T + "waitlist/",                                (401, 201, 201, 403, 403, 400), "waitlist"),
    Rule("get",    T + "waitlist/{entry}/",                        (401, 200, 404, 404, 404, 200)),
    Rule("post",   T + "waitlist/{entry}/cancel/",                 (401, 200, 404, 404, 404, 200)),
    Rule("get",    T + "waitlist-offers/",                         (401, 200, 200, 200, 200, 200)),
    Rule("get",    T + "waitlist-offers/{offer}/",                 (401, 200, 404, 404, 404, 200)),
    Rule("post",   T + "waitlist-offers/{offer}/accept/",          (401, 201, 404, 404, 404, 201)),
    Rule("post",   T + "waitlist-offers/{offer}/decline/",         (401, 200, 404, 404, 404, 200)),
]
# fmt: on

# Probes: reads that try to reach another client's records through a filter, a search, an
# ordering or a nested route. Status and leaks are checked as for RULES.
# fmt: off
PROBES = [
    Rule("get", T + "bookings/?client={client_b}",                 (401, 200, 200, 200, 200, 200)),
    Rule("get", T + "bookings/?therapist={therapist_other}&ordering=-start", (401, 200, 200, 200, 200, 200)),
    Rule("get", T + "clients/?search=Bravo",                       (401, 200, 200, 200, 200, 200)),
    Rule("get", T + "clients/?search=alpha@example.com&ordering=date_of_birth", (401, 200, 200, 200, 200, 200)),
    Rule("get", T + "clients/?has_flag=anticoagulants",            (401, 200, 200, 200, 200, 200)),
    Rule("get", T + "clients/{client_b}/",                         (401, 404, 200, 404, 200, 200)),
    Rule("get", T + "clients/{client_b}/export/",                  (401, 404, 200, 404, 403, 200)),
    Rule("get", T + "clients/{client_b}/intakes/",                 (401, 404, 200, 404, 200, 200)),
    Rule("get", T + "clients/{client_b}/intakes/draft/",           (401, 404, 200, 404, 403, 200)),
    Rule("get", T + "clients/{client_b}/flag-resolutions/",        (401, 404, 200, 404, 200, 200)),
    Rule("post", T + "clients/{client_b}/flag-resolutions/",       (401, 404, 403, 404, 201, 201), "flag_resolution"),
    Rule("get", T + "clients/{client_b}/trigger-point-progress/",  (401, 404, 403, 404, 200, 200)),
    Rule("get", T + "bookings/{booking_b}/",                       (401, 404, 200, 404, 200, 200)),
    Rule("get", T + "bookings/{booking_b}/reminders/",             (401, 404, 200, 404, 200, 200)),
    Rule("get", T + "treatment-notes/?client={client_a}",          (401, 403, 403, 200, 404, 200)),
    Rule("get", T + "treatment-notes/?booking={booking_chart}",    (401, 403, 403, 200, 200, 200)),
    Rule("get", T + "treatment-notes/?ordering=booking__start",    (401, 403, 403, 200, 200, 200)),
    Rule("get", T + "bookings/?search=Bravo",                      (401, 200, 200, 200, 200, 200)),
    Rule("get", T + "treatment-notes/?search=Bravo",               (401, 403, 403, 200, 200, 200)),
    Rule("post", T + "treatment-notes/",                           (401, 403, 403, 400, 201, 403), "note_for_b"),
    Rule("post", T + "bookings/",                                  (401, 400, 201, 403, 403, 201), "booking_for_b"),
]
# fmt: on

# What each role may see: the marker strings of the other client's records must not appear in
# any answer. A client never sees their own chart (notes) or staff notes through these routes.
MARKERS = {
    "a_identity": ("Alphaclient", "alpha@example.com"),
    "a_health": ("ALPHA-INTAKE-CONDITION", "ALPHA-NOTE-SUBJECTIVE"),
    "a_staff": ("ALPHA-STAFF-NOTE",),
    "b_identity": ("Bravoclient", "bravo@example.com"),
    "b_health": ("BRAVO-INTAKE-CONDITION", "BRAVO-NOTE-SUBJECTIVE"),
    "b_staff": ("BRAVO-STAFF-NOTE",),
}
UNSEEN = {
    "anonymous": {"a_identity", "a_health", "a_staff", "b_identity", "b_health", "b_staff"},
    "client_a": {"a_staff", "b_identity", "b_health", "b_staff"},
    "client_b": {"b_staff", "a_identity", "a_health", "a_staff"},
    "therapist_a": {"b_identity", "b_health", "b_staff"},
    "therapist_other": {"a_identity", "a_health", "a_staff"},
    "admin": set(),
}
# The client's own chart and staff notes are theirs to read in their export only.
OWN_CHART = {"client_a": "ALPHA-NOTE-SUBJECTIVE", "client_b": "BRAVO-NOTE-SUBJECTIVE"}
IN_OWN_EXPORT = {"client_a": {"a_staff"}, "client_b": {"b_staff"}}


@dataclass
class World:
    ids: dict
    users: dict  # role -> user (None for anonymous)


def _next_weekday(days_ahead: int, tz) -> datetime:
    day = timezone.localdate(timezone=tz) + timedelta(days=days_ahead)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime.combine(day, time(10), tzinfo=tz)


def _build_world() -> World:
    clinic = factories.make_clinic(timezone="America/Toronto", min_lead_time_minutes=0)
    tz = clinic.tz
    service = factories.make_service()
    tess = factories.make_therapist(services=[service], display_name="Tess")
    omar = factories.make_therapist(services=[service], display_name="Omar")
    alpha = factories.make_client(
        first_name="Ada",
        last_name="Alphaclient",
        email="alpha@example.com",
        staff_notes="ALPHA-STAFF-NOTE",
    )
    bravo = factories.make_client(
        first_name="Bea",
        last_name="Bravoclient",
        email="bravo@example.com",
        staff_notes="BRAVO-STAFF-NOTE",
    )
    admin = factories.make_admin("matrixadmin")
    intake = factories.make_intake(
        alpha, conditions="ALPHA-INTAKE-CONDITION", takes_anticoagulants=True, skin_condition=True
    )
    resolution = resolve_flag(
        alpha, code="skin_condition", reason="ALPHA-INTAKE-CONDITION healed", resolved_by=tess.user
    )
    factories.make_intake(bravo, conditions="BRAVO-INTAKE-CONDITION", takes_anticoagulants=True)

    start = _next_weekday(7, tz)
    past = _next_weekday(-14, tz)

    def book(therapist, client, when, status):
        return factories.make_booking(
            therapist=therapist, client=client, service=service, start=when, status=status
        )

    booking = book(tess, alpha, start, "requested")
    Reminder.objects.create(
        booking=booking,
        offset_hours=24,
        appointment_start=booking.start,
        due_at=booking.start - timedelta(hours=24),
    )
    booking_b = book(omar, bravo, start, "confirmed")
    to_chart = book(tess, alpha, past, "checked_in")
    signed_booking = book(tess, alpha, past - timedelta(days=7), "completed")
    draft_booking = book(tess, alpha, past - timedelta(days=14), "completed")
    bravo_visit = book(omar, bravo, past, "checked_in")
    signed = chart.create_note(
        user=tess.user, booking=signed_booking, subjective="ALPHA-NOTE-SUBJECTIVE"
    )
    chart.sign_note(user=tess.user, note=signed)
    draft = chart.create_note(
        user=tess.user, booking=draft_booking, subjective="ALPHA-NOTE-SUBJECTIVE"
    )
    chart.create_note(
        user=omar.user,
        booking=book(omar, bravo, past - timedelta(days=7), "completed"),
        subjective="BRAVO-NOTE-SUBJECTIVE",
    )
    time_off = tess.time_off.create(
        start=start + timedelta(days=30), end=start + timedelta(days=31)
    )
    room = Room.objects.create(name="Table 1")
    room.services.add(service)
    series = BookingSeries.objects.create(
        client=alpha, therapist=tess, service=service, start=start, count=1, mode="book_what_fits"
    )
    entry = WaitlistEntry.objects.create(
        client=alpha,
        service=service,
        earliest_date=start.date(),
        latest_date=start.date() + timedelta(days=14),
        time_from=time(9),
        time_to=time(17),
        status="offered",
    )
    offer_start = start.replace(hour=12)
    offer = WaitlistOffer.objects.create(
        entry=entry,
        therapist=tess,
        start=offer_start,
        blocks_until=offer_start + timedelta(minutes=75),
        hold_until=timezone.now() + timedelta(minutes=30),
        status="offered",
    )
    ids = {
        "session_a": issue_token(alpha.user)[0].pk,
        "room": room.pk,
        "series": series.pk,
        "entry": entry.pk,
        "offer": offer.pk,
        "service": service.pk,
        "therapist_a": tess.pk,
        "therapist_other": omar.pk,
        "calendar_token": tess.calendar_token,
        "hours": tess.working_hours.order_by("pk").first().pk,
        "time_off": time_off.pk,
        "client_a": alpha.pk,
        "client_b": bravo.pk,
        "intake": intake.pk,
        "flag_resolution": resolution.pk,
        "consent_text": ConsentText.objects.get(version="2026-01").pk,
        "booking": booking.pk,
        "booking_b": booking_b.pk,
        "booking_chart": to_chart.pk,
        "bravo_visit": bravo_visit.pk,
        "note": draft.pk,
        "signed_note": signed.pk,
        "day": start.date().isoformat(),
        "new_start": start.replace(hour=14).isoformat(),
        "later_start": start.replace(hour=15).isoformat(),
        "time_off_start": (start + timedelta(days=40)).isoformat(),
        "time_off_end": (start + timedelta(days=41)).isoformat(),
    }
    users = {
        "anonymous": None,
        "client_a": alpha.user,
        "client_b": bravo.user,
        "therapist_a": tess.user,
        "therapist_other": omar.user,
        "admin": admin,
    }
    return World(ids=ids, users=users)


def _body(name: str | None, ids: dict) -> dict | None:
    bodies = {
        "bad_login": {"username": "nobody", "password": "wrong"},
        "register": {
            "username": "newcomer",
            "password": factories.PASSWORD,
            "email": "newcomer@example.com",
            "first_name": "New",
            "last_name": "Comer",
        },
        "link": {"uid": "MQ", "token": "nope"},
        "email_token": {"token": "nope"},
        "password_change": {  # the world's hashes are not the tests' fast hasher: a 400
            "old_password": factories.PASSWORD,
            "new_password": "a-brand-new-passphrase-91",
        },
        "reset": {"email": "alpha@example.com"},
        "reset_confirm": {"uid": "MQ", "token": "nope", "new_password": "another-passphrase-17"},
        "otp": {"otp": "123456"},
        "clinic": {"name": "Renamed clinic"},
        "service": {
            "name": "Deep tissue",
            "modality": "deep_tissue",
            "duration_minutes": 45,
            "buffer_minutes": 0,
            "price": "80.00",
        },
        "therapist": {
            "display_name": "Newt",
            "username": "newt",
            "email": "newt@example.com",
            "password": factories.PASSWORD,
            "modalities": ["trigger_point"],
        },
        "profile": {"display_name": "Tess", "bio": "Twenty years of trigger point work."},
        "hours": {"weekday": 6, "start_time": "09:00", "end_time": "12:00"},
        "time_off": {"start": ids["time_off_start"], "end": ids["time_off_end"], "reason": "Off"},
        "client": {"first_name": "Ada", "last_name": "Alphaclient", "email": "alpha@example.com"},
        "new_client": {"first_name": "Walk", "last_name": "In", "email": "walk.in@example.com"},
        "intake": {"consent_given": True, "consent_version": "2026-01"},
        "flag_resolution": {"code": "anticoagulants", "reason": "Stopped warfarin in March."},
        "booking": {
            "therapist": ids["therapist_a"],
            "service": ids["service"],
            "start": ids["new_start"],
        },
        "booking_for_b": {
            "therapist": ids["therapist_a"],
            "service": ids["service"],
            "start": ids["new_start"],
            "client": ids["client_b"],
        },
        "reschedule": {"start": ids["later_start"]},
        "note": {"booking": ids["booking_chart"], "subjective": "Tight upper trapezius."},
        "note_for_b": {"booking": ids["bravo_visit"], "subjective": "Tight upper trapezius."},
        "note_edit": {"subjective": "Tight upper trapezius, better."},
        "amendment": {"text": "Also treated the left side."},
        "room": {"name": "Prenatal table", "services": [ids["service"]]},
        "series": {
            "therapist": ids["therapist_a"],
            "service": ids["service"],
            "start": ids["new_start"],
            "every_weeks": 1,
            "count": 2,
            "mode": "book_what_fits",
        },
        "series_cancel": {"from": ids["new_start"]},
        "waitlist": {
            "service": ids["service"],
            "earliest_date": ids["day"],
            "latest_date": ids["day"],
            "time_from": "09:00",
            "time_to": "17:00",
        },
    }
    return None if name is None else bodies[name]


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The world, made once in a transaction that is rolled back when the module is done."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield _build_world()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _cases(rules):
    for rule in rules:
        for index, role in enumerate(ROLES):
            yield pytest.param(
                rule, role, rule.expect[index], id=f"{rule.method} {rule.url} as {role}"
            )


def _call(world: World, rule: Rule, role: str):
    api = factories.api_as(world.users[role])
    url = rule.url.format(**world.ids)
    body = _body(rule.body, world.ids)
    return getattr(api, rule.method)(url, body, format="json")


def _assert_nothing_leaks(response, role: str, rule: Rule) -> None:
    text = response.content.decode("utf-8", errors="replace")
    export = "/export/" in rule.url
    for group in UNSEEN[role] - (IN_OWN_EXPORT.get(role, set()) if export else set()):
        for marker in MARKERS[group]:
            assert marker not in text, f"{role} sees {marker!r} via {rule.method} {rule.url}"
    own_chart = OWN_CHART.get(role)
    if own_chart is not None and not export:
        assert own_chart not in text, f"{role} sees their chart via {rule.method} {rule.url}"


@pytest.mark.parametrize(("rule", "role", "expected"), list(_cases(RULES + PROBES)))
def test_role_gets_the_intended_answer_and_nothing_more(world, db, rule, role, expected):
    response = _call(world, rule, role)
    assert response.status_code == expected, (
        f"{rule.method.upper()} {rule.url} as {role}: {response.status_code} "
        f"{response.content[:300]!r}"
    )
    _assert_nothing_leaks(response, role, rule)
    _assert_documented(response, rule, rule.url.format(**world.ids))


@functools.cache
def _documented_statuses():
    """(path regex, method, statuses) for every operation of the published schema."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations = []
    for path, item in schema["paths"].items():
        parts = re.split(r"(\{\w+\})", path)
        regex = "".join("[^/]+" if part.startswith("{") else re.escape(part) for part in parts)
        for method, operation in item.items():
            operations.append((re.compile(f"^{regex}$"), method, set(operation["responses"])))
    return operations


def _assert_documented(response, rule: Rule, url: str) -> None:
    """The schema documents the status every role was answered (clients rely on it)."""
    path = urlsplit(url).path
    for pattern, method, statuses in _documented_statuses():
        if method == rule.method and pattern.match(path):
            assert str(response.status_code) in statuses, (
                f"{rule.method.upper()} {path} answered {response.status_code}, the schema "
                f"documents {sorted(statuses)}"
            )
            return
    # A method the route does not offer (DELETE on rooms) is no operation; the path must be.
    paths = [pattern for pattern, _, _ in _documented_statuses() if pattern.match(path)]
    assert paths, f"{path} is not in the schema"


def _api_routes(patterns=None, prefix=""):
    """(url name, method) of every route under /api/v1/, from the URL conf."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            yield from _api_routes(pattern.url_patterns, prefix + str(pattern.pattern))
            continue
        assert isinstance(pattern, URLPattern)
        if not prefix.startswith("api/v1/"):
            continue
        callback = pattern.callback
        actions = getattr(callback, "actions", None)
        if actions:
            methods = set(actions) & set(METHODS)
        else:
            view = callback.view_class
            allowed = getattr(view, "http_method_names", METHODS)
            methods = {m for m in METHODS if m in allowed and hasattr(view, m)}
        for method in methods:
            yield pattern.name, method


def test_every_route_has_a_rule(world, db):
    covered = {
        (resolve(rule.url.format(**world.ids).split("?")[0]).url_name, rule.method)
        for rule in RULES
    }
    missing = sorted(set(_api_routes()) - covered)
    assert not missing, f"Routes without a line in RULES: {missing}"


def test_charting_another_therapists_booking_reads_like_charting_no_booking(world, db):
    """The refusal does not tell a therapist that a booking id exists with someone else."""
    api = factories.api_as(world.users["therapist_a"])
    theirs = api.post(T + "treatment-notes/", {"booking": world.ids["bravo_visit"]}, format="json")
    missing = api.post(T + "treatment-notes/", {"booking": 999_999}, format="json")
    assert theirs.status_code == missing.status_code == 400
    assert theirs.json() == missing.json()
