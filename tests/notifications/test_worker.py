"""A real Celery worker on the real Redis broker sends a due reminder exactly once."""

import time
from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.db import connection
from django.utils import timezone

from bookings.signals import announce as booking_changed
from config.celery import app as celery_app
from notifications import dispatcher as reminders
from notifications import tasks
from notifications.models import Notice, Reminder, TherapistNotice

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def wait_for(condition, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def deliveries():
    return [m.extra_headers["X-Kneadly-Delivery"] for m in mail.outbox]


@pytest.fixture
def worker():
    assert not celery_app.conf.task_always_eager
    celery_app.control.purge()  # messages left in this test broker by earlier runs
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        yield
    connection.close()


def test_a_worker_sends_each_due_reminder_exactly_once(worker, outbox, make_booking):
    # Bookings 2.5 h and 5 h ahead: their 24 h reminders are skipped, the 2 h ones pending.
    first, second = make_booking(hours_ahead=2.5), make_booking(hours_ahead=5)
    for booking in (first, second):
        booking_changed(booking, previous_status=None)  # autocommit: confirmations go now
    notices = {f"notice:{pk}" for pk in Notice.objects.values_list("pk", flat=True)} | {
        f"therapistnotice:{pk}" for pk in TherapistNotice.objects.values_list("pk", flat=True)
    }
    assert wait_for(lambda: set(deliveries()) == notices)
    one, two = (b.reminders.get(offset_hours=2) for b in (first, second))
    # Both fall due now (moved forward instead of waiting for hours).
    Reminder.objects.filter(pk__in=[one.pk, two.pk]).update(
        due_at=timezone.now() - timedelta(seconds=1)
    )

    # `one` is claimed and its send message delivered twice (a redelivery after a lost ack);
    # two beats publish the scan at the same moment, which claims and sends `two`.
    token, claimed = reminders.claim_due_batch(Reminder, limit=1)
    assert claimed == [one.pk]
    for _ in range(2):
        tasks.send_reminder.delay(one.pk, str(token))
        tasks.dispatch_due.delay()
    wanted = {f"reminder:{one.pk}", f"reminder:{two.pk}"}
    assert wait_for(lambda: wanted <= set(deliveries()))
    tasks.dispatch_due.delay()  # a later scan finds nothing more to do
    time.sleep(2)

    sent = deliveries()
    assert sent.count(f"reminder:{one.pk}") == 1
    assert sent.count(f"reminder:{two.pk}") == 1
    assert len(sent) == len(notices) + 2
    assert set(Reminder.objects.filter(offset_hours=2).values_list("status", flat=True)) == {"sent"}
    assert set(Reminder.objects.filter(offset_hours=24).values_list("status", flat=True)) == {
        "skipped"
    }
