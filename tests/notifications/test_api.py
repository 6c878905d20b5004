"""GET /api/v1/bookings/{id}/reminders/: who sees what."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from bookings.signals import announce as booking_changed
from notifications.models import Reminder
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def booking(make_booking):
    booking = make_booking(hours_ahead=72)
    booking_changed(booking, previous_status=None)
    booking.reminders.filter(offset_hours=24).update(
        status="failed", error="SMTPServerDisconnected: Connection unexpectedly closed", attempts=6
    )
    return booking


def url(booking_id):
    return f"/api/v1/bookings/{booking_id}/reminders/"


def test_the_bookings_client_sees_its_reminders_in_the_clinics_time_zone(booking):
    response = factories.api_as(booking.client.user).get(url(booking.pk))

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    first, second = body["results"]
    assert set(first) == {
        "id",
        "offset_hours",
        "channel",
        "due_at",
        "status",
        "sent_at",
        "skip_reason",
    }
    assert (first["offset_hours"], first["channel"], first["status"]) == (24, "email", "failed")
    assert (second["offset_hours"], second["status"], second["sent_at"]) == (2, "pending", None)
    due = booking.start - timedelta(hours=24)
    assert first["due_at"] == timezone.localtime(due, ZoneInfo("America/Toronto")).isoformat()
    assert first["due_at"][-6:] in {"-05:00", "-04:00"}


def test_the_bookings_therapist_sees_them_without_the_error(booking):
    response = factories.api_as(booking.therapist.user).get(url(booking.pk))

    assert response.status_code == 200
    assert [r["status"] for r in response.json()["results"]] == ["failed", "pending"]
    assert "error" not in response.json()["results"][0]


def test_an_admin_sees_why_a_reminder_failed(booking, admin_api):
    response = admin_api.get(url(booking.pk))

    assert response.status_code == 200
    failed = response.json()["results"][0]
    assert failed["error"] == "SMTPServerDisconnected: Connection unexpectedly closed"
    assert failed["attempts"] == 6


def test_another_client_gets_404(booking):
    stranger = factories.make_client()

    response = factories.api_as(stranger.user).get(url(booking.pk))

    assert response.status_code == 404


def test_another_therapist_gets_404(booking):
    other = factories.make_therapist()

    response = factories.api_as(other.user).get(url(booking.pk))

    assert response.status_code == 404


def test_a_user_with_no_role_gets_404(booking):
    response = factories.api_as(factories.make_user()).get(url(booking.pk))

    assert response.status_code == 404


def test_anonymous_gets_401(booking, anon):
    assert anon.get(url(booking.pk)).status_code == 401


def test_an_unknown_booking_is_404(admin_api, clinic):
    assert admin_api.get(url(999999)).status_code == 404


def test_it_filters_by_status(booking, admin_api):
    response = admin_api.get(url(booking.pk), {"status": "pending"})

    assert [r["offset_hours"] for r in response.json()["results"]] == [2]


def test_it_lists_in_a_constant_number_of_queries(
    make_booking, admin_api, settings, django_assert_max_num_queries
):
    settings.SMS_ENABLED = True
    factories.make_clinic(reminder_offsets_hours=[72, 48, 24, 2, 1])
    booking = make_booking(hours_ahead=96)
    booking_changed(booking, previous_status=None)
    assert Reminder.objects.filter(booking=booking).count() == 10

    with django_assert_max_num_queries(6):
        response = admin_api.get(url(booking.pk))

    assert response.json()["count"] == 10
