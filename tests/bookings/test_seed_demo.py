from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from bookings.models import Booking, BookingEvent
from notifications.models import TherapistNotice
from tests import factories


def test_seed_demo_books_the_future_through_the_services_and_stays_idempotent(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

    call_command("seed_demo", verbosity=0)
    call_command("seed_demo", verbosity=0)

    carls = Booking.objects.filter(client__user__username="carl")
    statuses = sorted(carls.values_list("status", flat=True))
    assert statuses == ["completed", "completed", "completed", "confirmed", "requested"]
    # The two future bookings went through the services: they carry their history.
    carls_events = BookingEvent.objects.filter(booking__client__user__username="carl")
    assert carls_events.filter(to_status="requested").count() == 2
    assert carls_events.filter(to_status="confirmed").count() == 1


def test_the_demo_shows_a_clinic_cancellation_and_a_late_one(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", verbosity=0)
    call_command("seed_demo", verbosity=0)
    admin = factories.api_as(get_user_model().objects.get(username="admin"))

    rows = admin.get("/api/v1/bookings/", {"status": "cancelled", "page_size": 100}).json()
    cancelled = {
        row["cancelled_by"]: (row["late_cancellation"], row["cancel_reason"])
        for row in rows["results"]
    }
    assert len(rows["results"]) == 2
    assert cancelled == {
        "clinic": (False, "Omar is away on a course that day"),
        "client": (True, "Called an hour before: stuck at work"),
    }
    # The clinic's went through the services: Dana and Omar are told, once each.
    dana = Booking.objects.get(client__user__username="dana", status="cancelled")
    assert list(dana.notices.values_list("kind", flat=True)) == [
        "request_received",
        "cancellation",
    ]
    assert list(TherapistNotice.objects.filter(booking=dana).values_list("kind", flat=True)) == [
        "booked",
        "cancellation",
    ]
    # The reports tell them apart.
    today = timezone.localdate()
    report = admin.get(
        "/api/v1/reports/",
        {
            "start": (today - timedelta(days=14)).isoformat(),
            "end": (today + timedelta(days=21)).isoformat(),
            "period": "month",
        },
    ).json()
    totals = report["totals"]
    assert (totals["clinic_cancellations"], totals["late_cancellations"]) == (1, 1)
