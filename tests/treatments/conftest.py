"""A small clinic for charting tests: the treating therapist (tess), another therapist of the
same client (omar), an unrelated therapist (lina), the client (carl), another client (dana)."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from tests import factories
from treatments import services

TORONTO = ZoneInfo("America/Toronto")


def at(day: int, hour: int = 10) -> datetime:
    """A time in January 2026, clinic time."""
    return datetime(2026, 1, day, hour, tzinfo=TORONTO)


def in_three_weeks() -> datetime:
    return (
        (timezone.now() + timedelta(days=21))
        .astimezone(TORONTO)
        .replace(hour=10, minute=0, second=0, microsecond=0)
    )


def point(**fields) -> dict:
    defaults = {
        "muscle": "upper_trapezius",
        "side": "right",
        "technique": "ischemic_compression",
        "pressure": 3,
        "pain_before": 7,
        "pain_after": 4,
        "referral_reproduced": True,
        "note": "Reproduced the headache behind the right eye",
    }
    defaults.update(fields)
    return defaults


def note_payload(booking, **fields) -> dict:
    payload = {
        "booking": booking.pk,
        "subjective": "Headaches most afternoons, right side.",
        "objective": "Active point in right upper trapezius.",
        "assessment": "Upper trapezius referral pattern.",
        "plan": "Weekly for four weeks; heat and stretches at home.",
        "treated_trigger_points": [point(), point(muscle="levator_scapulae", side="left")],
    }
    payload.update(fields)
    return payload


def write_note(booking, *, sign=False, points=None, **soap):
    user = booking.therapist.user
    note = services.create_note(
        user=user,
        booking=booking,
        subjective=soap.pop("subjective", "Neck pain."),
        treated_trigger_points=[point()] if points is None else points,
        **soap,
    )
    if sign:
        note = services.sign_note(user=user, note=note)
    return note


@dataclass
class Chart:
    service: object
    tess: object
    omar: object
    lina: object
    carl: object
    dana: object
    admin: object
    visit: object  # tess and carl, checked in
    omars_booking: object  # omar and carl, in the future: omar is carl's therapist too
    danas_visit: object  # lina and dana, checked in

    def book(self, *, therapist=None, client=None, day=20, status="checked_in"):
        return factories.make_booking(
            therapist=therapist or self.tess,
            client=client or self.carl,
            service=self.service,
            start=at(day),
            status=status,
        )


@pytest.fixture
def chart(clinic, admin_user):
    service = factories.make_service()
    tess = factories.make_therapist(services=[service], display_name="Tess Moreau")
    omar = factories.make_therapist(services=[service], display_name="Omar Haddad")
    lina = factories.make_therapist(services=[service], display_name="Lina Park")
    carl = factories.make_client(first_name="Carl", last_name="Bishop")
    dana = factories.make_client(first_name="Dana", last_name="Okafor")

    def booking(therapist, client, start, status):
        return factories.make_booking(
            therapist=therapist, client=client, service=service, start=start, status=status
        )

    return Chart(
        service=service,
        tess=tess,
        omar=omar,
        lina=lina,
        carl=carl,
        dana=dana,
        admin=admin_user,
        visit=booking(tess, carl, at(5), "checked_in"),
        # Really upcoming (whatever today is): an upcoming booking puts carl in omar's care.
        omars_booking=booking(omar, carl, in_three_weeks(), "confirmed"),
        danas_visit=booking(lina, dana, at(5), "checked_in"),
    )


def as_user(who):
    """An API client for a therapist, a client (their login) or a user."""
    return factories.api_as(getattr(who, "user", who))
