"""With the broker down, bookings are still taken: reminders are rows, sent once it is back."""

import os
import subprocess
import sys
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from bookings.signals import announce as booking_changed
from clinic.statuses import BookingStatus
from notifications import tasks
from notifications.models import Notice, Reminder
from tests.notifications.mailbox import leads, to_clients

# A booking write path in another process whose broker is down for real (nothing listens on
# port 1), against this test's database: the seam inside the booking's transaction.
WRITE_PATH = """
import os, sys, time
import django
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
from django.conf import settings
settings.DATABASES["default"]["NAME"] = sys.argv[1]
django.setup()
from django.db import transaction
from bookings.models import Booking
from bookings.signals import announce as booking_changed

started = time.monotonic()
with transaction.atomic():
    booking = Booking.objects.select_for_update().get(pk=int(sys.argv[2]))
    booking.status = "confirmed"
    booking.save()
    booking_changed(booking, previous_status=None)
print(f"took {time.monotonic() - started:.1f}")
"""


@pytest.mark.django_db(transaction=True)
def test_the_seam_takes_a_booking_when_the_broker_is_down_and_the_scan_sends_later(
    make_booking, eager, outbox
):
    booking = make_booking(hours_ahead=72, status=BookingStatus.REQUESTED)
    env = {**os.environ, "REDIS_URL": "redis://127.0.0.1:1/0"}

    result = subprocess.run(
        [sys.executable, "-c", WRITE_PATH, connection.settings_dict["NAME"], str(booking.pk)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert "Could not publish notifications.tasks.dispatch_due" in result.stderr
    assert float(result.stdout.split()[-1]) < 5  # the caller is not held up
    booking.refresh_from_db()
    assert booking.status == "confirmed"
    assert set(booking.reminders.values_list("status", flat=True)) == {"pending"}
    assert list(booking.notices.values_list("kind", "status")) == [("confirmation", "pending")]

    # The broker is back: the next scan sends the confirmation.
    tasks.dispatch_due.delay().get()

    assert leads(to_clients(mail.outbox)) == ["Your appointment is confirmed"]
    assert booking.notices.get().status == "sent"


DISPATCH = """
import os, sys
import django
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
from django.conf import settings
settings.DATABASES["default"]["NAME"] = sys.argv[1]
django.setup()
from notifications import dispatcher as reminders
print(reminders.dispatch_due())
"""


@pytest.mark.django_db(transaction=True)
def test_a_dispatcher_that_cannot_publish_gives_its_claims_back(make_booking):
    booking = make_booking(hours_ahead=72)
    booking_changed(booking, previous_status=None)  # autocommit: rows and a confirmation
    Reminder.objects.update(due_at=timezone.now() - timedelta(minutes=1))
    env = {**os.environ, "REDIS_URL": "redis://127.0.0.1:1/0"}

    result = subprocess.run(
        [sys.executable, "-c", DISPATCH, connection.settings_dict["NAME"]],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-1] == "0"  # nothing was handed over
    assert "Could not publish notifications.tasks.send_notice" in result.stderr
    rows = [*Reminder.objects.filter(booking=booking), *Notice.objects.filter(booking=booking)]
    assert {(row.status, row.claim_token) for row in rows} == {("pending", None)}
