"""Reminders are sent in batches (one task per claimed batch): still once per row under its
lock, never for a cancelled booking, in a fixed handful of statements per chunk of rows, and
exactly once when two real Celery workers and several dispatcher runs race."""

import time
import uuid
from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.db import connection
from django.utils import timezone

from bookings.models import Booking
from clinic.statuses import BookingStatus
from config.celery import app as celery_app
from notifications import dispatcher, tasks
from notifications.models import Reminder
from tests import factories


def due_reminders(service, count: int) -> list[int]:
    """`count` bookings a day ahead, each with one pending email reminder due a second ago."""
    start = timezone.now() + timedelta(days=1)
    therapists = [factories.make_therapist(services=[service]) for _ in range(5)]
    rows = []
    for i in range(count):
        booking = factories.make_booking(
            therapist=therapists[i % 5],
            client=factories.make_client(email=f"batch{i}@example.com"),
            service=service,
            start=start + timedelta(minutes=75 * (i // 5)),
        )
        rows.append(
            Reminder(
                booking=booking,
                offset_hours=24,
                channel="email",
                appointment_start=booking.start,
                due_at=timezone.now() - timedelta(seconds=1),
            )
        )
    return [r.pk for r in Reminder.objects.bulk_create(rows)]


def deliveries():
    return [m.extra_headers["X-Kneadly-Delivery"] for m in mail.outbox]


@pytest.mark.django_db
def test_a_batch_sends_each_row_once_and_skips_a_cancelled_booking(clinic, outbox):
    ids = due_reminders(factories.make_service(), 12)
    token, claimed = dispatcher.claim_due_batch(Reminder)
    assert sorted(claimed) == sorted(ids)
    cancelled = Reminder.objects.get(pk=ids[3]).booking_id
    Booking.objects.filter(pk=cancelled).update(status=BookingStatus.CANCELLED)

    first = tasks.send_reminders.apply(args=(claimed, str(token))).get()
    again = tasks.send_reminders.apply(args=(claimed, str(token))).get()  # a redelivery

    assert first == {"sent": 11, "skipped": 1}
    assert again == {"stale": 12}
    assert sorted(deliveries()) == sorted(f"reminder:{pk}" for pk in ids if pk != ids[3])
    skipped = Reminder.objects.get(pk=ids[3])
    assert (skipped.status, skipped.skip_reason) == ("skipped", "The booking is cancelled.")
    sent = Reminder.objects.filter(status="sent")
    assert sent.count() == 11
    assert set(sent.values_list("attempts", "claim_token", "error")) == {(1, None, "")}
    assert not sent.filter(sent_at__isnull=True).exists()


@pytest.mark.django_db
def test_a_batch_with_another_claim_sends_nothing(clinic, outbox):
    ids = due_reminders(factories.make_service(), 3)
    dispatcher.claim_due_batch(Reminder)

    other = str(uuid.uuid4())
    assert dispatcher.send_batch(Reminder, ids, other, last_try=False) == {"stale": 3}
    assert deliveries() == []


@pytest.mark.django_db
def test_a_send_runs_a_fixed_handful_of_statements_per_chunk(
    clinic, outbox, django_assert_max_num_queries
):
    ids = due_reminders(factories.make_service(), 50)
    token, claimed = dispatcher.claim_due_batch(Reminder)
    chunks = -(-len(claimed) // dispatcher.SEND_CHUNK)
    # The clinic once, then per chunk of rows: lock the bookings (with client, therapist,
    # service and history count), lock the rows, one UPDATE marking them sent, and the
    # savepoint pair the test's own transaction turns BEGIN/COMMIT into. Nothing per row.
    with django_assert_max_num_queries(1 + 5 * chunks):
        outcome = dispatcher.send_batch(Reminder, claimed, str(token), last_try=False)
    assert outcome == {"sent": 50}
    assert len(deliveries()) == len(ids) == 50

    # A single send (a kind without batches): its row's subject, the clinic, the two locks,
    # the savepoint around the channel, one UPDATE, and the transaction: nine statements.
    booking = Booking.objects.get(pk=Reminder.objects.get(pk=ids[0]).booking_id)
    (row,) = Reminder.objects.bulk_create(
        [
            Reminder(
                booking=booking,
                offset_hours=2,
                channel="email",
                appointment_start=booking.start,
                due_at=timezone.now() - timedelta(seconds=1),
            )
        ]
    )
    token, claimed = dispatcher.claim_due_batch(Reminder)
    assert claimed == [row.pk]
    with django_assert_max_num_queries(9):
        assert dispatcher.send(Reminder, row.pk, str(token), last_try=False) == "sent"


def wait_for(condition, timeout=120.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_racing_batches_and_dispatchers_in_a_real_worker_send_each_reminder_exactly_once(
    clinic, outbox
):
    ids = due_reminders(factories.make_service(), 120)
    # Ten rows are claimed, then their bookings cancelled without telling anyone (their rows
    # stay pending and claimed): their batch, delivered twice, must send none of them.
    token, claimed = dispatcher.claim_due_batch(Reminder, limit=10)
    cancelled = set(claimed)
    Booking.objects.filter(reminders__in=claimed).update(status=BookingStatus.CANCELLED)
    assert not celery_app.conf.task_always_eager
    celery_app.control.purge()
    # One worker running four tasks at once, each in its own thread with its own database
    # connection: the batches and the dispatchers really race. (Two in-process solo workers
    # sometimes never stopped on a loaded machine; two real worker processes race in
    # `make scale-out`.)
    with start_worker(
        celery_app,
        pool="threads",
        concurrency=4,
        perform_ping_check=False,
        shutdown_timeout=60,
    ):
        for _ in range(2):
            tasks.send_reminders.delay(claimed, str(token))
        for _ in range(4):  # as from two beats, twice each, with small batches
            tasks.dispatch_due.delay(batch_size=7)
        assert wait_for(lambda: len(deliveries()) >= len(ids) - len(cancelled))
        tasks.dispatch_due.delay()  # a later run finds nothing more
        time.sleep(2)
    connection.close()

    sent = deliveries()
    assert len(sent) == len(set(sent)) == len(ids) - len(cancelled)
    assert set(sent) == {f"reminder:{pk}" for pk in ids if pk not in cancelled}
    rows = Reminder.objects.filter(pk__in=ids)
    assert rows.filter(status="sent").count() == len(ids) - len(cancelled)
    assert set(rows.filter(pk__in=cancelled).values_list("status", flat=True)) == {"skipped"}
