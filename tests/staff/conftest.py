"""A clinic for the staff screens, frozen on Tuesday 2026-05-05 09:45 in Toronto: Tess (a
therapist) sees Carl at 10:00 (confirmed; he visited last week, with a note) and Dana at 13:00
(a first visit, on anticoagulants); Omar (another therapist) sees Erin at 11:00; Lina has no
clients. The admin is the front desk."""

from datetime import datetime, time
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client as BrowserClient

from tests import factories
from treatments import services as charting

TORONTO = ZoneInfo("America/Toronto")
NOW = datetime(2026, 5, 5, 9, 45, tzinfo=TORONTO)


def local(*args) -> datetime:
    return datetime(*args, tzinfo=TORONTO)


def point(**fields) -> dict:
    defaults = {
        "muscle": "upper_trapezius",
        "side": "right",
        "technique": "ischemic_compression",
        "pressure": 3,
        "pain_before": 7,
        "pain_after": 4,
        "referral_reproduced": True,
        "note": "",
    }
    defaults.update(fields)
    return defaults


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def build_clinic():
    clinic = factories.make_clinic(
        timezone="America/Toronto",
        slot_interval_minutes=15,
        min_lead_time_minutes=120,
        booking_horizon_days=90,
        cancellation_window_hours=24,
    )
    service = factories.make_service(name="Trigger point therapy", duration_minutes=60)
    hours = ((0, 5), time(9), time(17))
    tess = factories.make_therapist(services=[service], display_name="Tess Moreau", hours=hours)
    omar = factories.make_therapist(services=[service], display_name="Omar Haddad", hours=hours)
    lina = factories.make_therapist(services=[service], display_name="Lina Park", hours=hours)
    carl = factories.make_client(first_name="Carl", last_name="Bishop", phone="+1 416 555 0101")
    dana = factories.make_client(first_name="Dana", last_name="Okafor", email="dana@example.com")
    erin = factories.make_client(first_name="Erin", last_name="Walsh")
    factories.make_intake(
        carl,
        reported_trigger_points=[
            {"muscle": "upper_trapezius", "side": "right", "pain": 7, "refers_to": "headache"}
        ],
    )
    factories.make_intake(dana, takes_anticoagulants=True)
    admin = factories.make_admin("desk")

    def booking(therapist, client, start, status="confirmed"):
        return factories.make_booking(
            therapist=therapist, client=client, service=service, start=start, status=status
        )

    last_week = booking(tess, carl, local(2026, 4, 28, 10), "completed")
    note = charting.create_note(
        user=tess.user,
        booking=last_week,
        subjective="Headaches, right side.",
        treated_trigger_points=[point(muscle="levator_scapulae", side="right")],
    )
    charting.sign_note(user=tess.user, note=note)
    return SimpleNamespace(
        clinic=clinic,
        service=service,
        tess=tess,
        omar=omar,
        lina=lina,
        carl=carl,
        dana=dana,
        erin=erin,
        admin=admin,
        last_week=last_week,
        last_note=note,
        carls_visit=booking(tess, carl, local(2026, 5, 5, 10)),
        danas_visit=booking(tess, dana, local(2026, 5, 5, 13)),
        erins_visit=booking(omar, erin, local(2026, 5, 5, 11)),
        booking=booking,
    )


@pytest.fixture
def desk(db, frozen):
    return build_clinic()


def signed_in(user) -> BrowserClient:
    browser = BrowserClient()
    browser.force_login(user)
    return browser


@pytest.fixture
def as_tess(desk):
    return signed_in(desk.tess.user)


@pytest.fixture
def as_admin(desk):
    return signed_in(desk.admin)
