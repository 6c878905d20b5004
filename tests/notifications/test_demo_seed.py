"""The demo seed leaves a booking whose reminder goes out a few minutes after `make run`."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from bookings.models import Booking
from notifications.models import Reminder

pytestmark = pytest.mark.django_db


def test_the_seed_leaves_one_reminder_due_within_minutes_and_is_idempotent():
    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo", stdout=StringIO())

    demo = Booking.objects.get(client__user__username="eli")
    due = demo.reminders.get(offset_hours=2)
    assert due.status == "pending"
    assert timezone.now() < due.due_at <= timezone.now() + timedelta(minutes=8)
    assert demo.reminders.get(offset_hours=24).status == "skipped"
    assert demo.notices.get().kind == "confirmation"


def test_the_seeded_upcoming_bookings_have_reminders():
    call_command("seed_demo", stdout=StringIO())

    upcoming = Booking.objects.active().filter(client__user__username="carl")
    assert upcoming.count() == 2
    assert Reminder.objects.filter(booking__in=upcoming, status="pending").count() == 4
