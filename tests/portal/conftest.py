"""A small clinic for the portal's pages: one trigger point and one deep tissue service, two
therapists working weekdays 9-17, a client with a login, and a fixed 'now' (a Monday)."""

from datetime import datetime, time, timedelta
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client as BrowserClient

from clinic.models import Modality
from tests import factories

TORONTO = ZoneInfo("America/Toronto")
NOW = datetime(2026, 3, 2, 8, 0, tzinfo=TORONTO)  # a Monday morning


@pytest.fixture
def now():
    with time_machine.travel(NOW, tick=False):
        yield NOW


@pytest.fixture
def world(db, now):
    clinic = factories.make_clinic(
        name="Quiet Hands Clinic",
        timezone="America/Toronto",
        address="12 Elm St, Guelph",
        phone="519-555-0100",
        min_lead_time_minutes=60,
        cancellation_window_hours=24,
    )
    trigger = factories.make_service(
        name="Trigger point therapy", duration_minutes=60, buffer_minutes=0, price=Decimal("95.00")
    )
    deep = factories.make_service(
        name="Deep tissue massage",
        modality=Modality.DEEP_TISSUE,
        duration_minutes=90,
        buffer_minutes=0,
        price=Decimal("130.00"),
    )
    tess = factories.make_therapist(
        display_name="Tess",
        services=[trigger, deep],
        bio="Tess untangles shoulders.",
        hours=((0, 5), time(9), time(17)),
    )
    omar = factories.make_therapist(
        display_name="Omar", services=[deep], hours=((0, 5), time(9), time(17))
    )
    client = factories.make_client(first_name="Carla")
    other = factories.make_client(first_name="Otto")
    return SimpleNamespace(
        clinic=clinic, trigger=trigger, deep=deep, tess=tess, omar=omar, client=client, other=other
    )


def browser_as(user=None) -> BrowserClient:
    browser = BrowserClient()
    if user is not None:
        browser.force_login(user)
    return browser


@pytest.fixture
def carla(world):
    return browser_as(world.client.user)


@pytest.fixture
def anon():
    return browser_as(None)


def at(day_offset: int, hour: int, minute: int = 0) -> datetime:
    """A clinic-time moment `day_offset` days after NOW's day."""
    day = (NOW + timedelta(days=day_offset)).date()
    return datetime.combine(day, time(hour, minute), tzinfo=TORONTO)
