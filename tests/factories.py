"""Plain factory functions: each makes one valid object with sensible defaults."""

import itertools
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from bookings.models import Booking
from clients.models import Client, ConsentText
from clinic.accounts import issue_token
from clinic.models import Clinic, Modality, Service
from therapists.models import Therapist, WorkingHours

User = get_user_model()
PASSWORD = "a-long-test-passphrase"
_seq = itertools.count(1)


def make_user(username=None, *, is_staff=False, **fields):
    n = next(_seq)
    return User.objects.create_user(
        username=username or f"user{n}",
        password=PASSWORD,
        email=fields.pop("email", f"user{n}@example.com"),
        is_staff=is_staff,
        **fields,
    )


def make_admin(username=None):
    return make_user(username, is_staff=True, is_superuser=True)


CONSENT_VERSION = "2026-01"  # stored by clients migration 0003


def make_clinic(**fields) -> Clinic:
    # A test on a flushed database (transaction=True) lost the migration's consent text.
    ConsentText.objects.get_or_create(
        version=CONSENT_VERSION,
        defaults={
            "text": "Consent to massage therapy.",
            "published_at": datetime(2026, 1, 1, tzinfo=UTC),
        },
    )
    clinic = Clinic.get()
    for key, value in fields.items():
        setattr(clinic, key, value)
    clinic.save()
    return clinic


def make_service(**fields) -> Service:
    defaults = {
        "name": "Trigger point therapy",
        "modality": Modality.TRIGGER_POINT,
        "duration_minutes": 60,
        "buffer_minutes": 15,
        "price": Decimal("95.00"),
    }
    defaults.update(fields)
    return Service.objects.create(**defaults)


def make_therapist(
    *, services=(), modalities=None, hours=((0, 5), time(9), time(17)), user=None, **fields
) -> Therapist:
    """A therapist with a login; `hours` is (weekday range, start, end) or None for none."""
    user = user or make_user()
    if modalities is None:
        modalities = sorted({s.modality for s in services}) or [Modality.TRIGGER_POINT]
    therapist = Therapist.objects.create(
        user=user,
        display_name=fields.pop("display_name", f"Therapist {user.username}"),
        modalities=modalities,
        **fields,
    )
    therapist.services.set(services)
    if hours:
        (first, last), start, end = hours
        WorkingHours.objects.bulk_create(
            WorkingHours(therapist=therapist, weekday=d, start_time=start, end_time=end)
            for d in range(first, last)
        )
    return therapist


def make_client(*, with_login=True, **fields) -> Client:
    n = next(_seq)
    user = make_user(f"client{n}") if with_login else None
    defaults = {
        "first_name": f"Client{n}",
        "last_name": "Example",
        "email": f"client{n}@example.com",
    }
    defaults.update(fields)
    return Client.objects.create(user=user, **defaults)


def make_booking(*, therapist, client, service, start, status="confirmed", **fields) -> Booking:
    """Insert a booking directly (for setting up state); the API path is tested on its own."""
    booking = Booking(therapist=therapist, client=client, service=service, status=status, **fields)
    booking.set_times(start, service)
    booking.save()
    return booking


def api_as(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        # A real sign-in (as after a two-factor code): the token goes through authentication.
        _, key = issue_token(user, otp_verified=True)
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def make_intake(client, *, reported_trigger_points=(), **fields):
    """An intake with consent (through the service, so the same rules apply); pass contra-
    indication booleans such as `takes_anticoagulants=True` to raise flags."""
    from clients.services import record_intake

    defaults = {"consent_given": True, "consent_version": "2026-01"}
    defaults.update(fields)
    return record_intake(client, reported_trigger_points=reported_trigger_points, **defaults)


def make_consent_text(version, *, text=None, published_at=None):
    """A published version of the consent text (the migration stores the current "2026-01")."""
    from clients.services import publish_consent_text

    return publish_consent_text(
        version=version,
        text=text or f"Consent to treatment, version {version}.",
        published_at=published_at or datetime.now(UTC) - timedelta(days=400),
    )


def make_room(name=None, *, services=(), active=True):
    """A treatment room suiting `services`."""
    from bookings.models import Room

    room = Room.objects.create(name=name or f"Room {next(_seq)}", active=active)
    room.services.set(services)
    return room
