"""A small clinic frozen on Monday 2026-05-04 08:00 in Toronto, with two therapists and two
clients. Tomorrow (Tuesday) at 10:00 is a good time to book."""

from datetime import datetime, time, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tests import factories

TORONTO = ZoneInfo("America/Toronto")
NOW = datetime(2026, 5, 4, 8, 0, tzinfo=TORONTO)
TUESDAY_10 = datetime(2026, 5, 5, 10, 0, tzinfo=TORONTO)


def local(*args) -> datetime:
    return datetime(*args, tzinfo=TORONTO)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def world(db, frozen):
    clinic = factories.make_clinic(
        timezone="America/Toronto",
        slot_interval_minutes=15,
        min_lead_time_minutes=120,
        booking_horizon_days=90,
        cancellation_window_hours=24,
    )
    service = factories.make_service(duration_minutes=60, buffer_minutes=15)
    therapist = factories.make_therapist(services=[service], hours=((0, 5), time(9), time(17)))
    other_therapist = factories.make_therapist(services=[service])
    client_a = factories.make_client()
    client_b = factories.make_client()
    admin = factories.make_admin()
    return SimpleNamespace(
        clinic=clinic,
        service=service,
        therapist=therapist,
        other_therapist=other_therapist,
        client_a=client_a,
        client_b=client_b,
        admin=admin,
    )


def book(world, *, start=TUESDAY_10, therapist=None, client=None, status="confirmed", **kw):
    """A booking inserted directly (state set-up)."""
    return factories.make_booking(
        therapist=therapist or world.therapist,
        client=client or world.client_a,
        service=kw.pop("service", world.service),
        start=start,
        status=status,
        **kw,
    )


def payload(world, start=TUESDAY_10, **extra):
    data = {
        "therapist": world.therapist.pk,
        "service": world.service.pk,
        "start": start if isinstance(start, str) else start.isoformat(),
    }
    data.update(extra)
    return data


HOUR = timedelta(hours=1)
