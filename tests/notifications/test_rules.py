"""What the booking seam writes: reminder rows per offset and channel, notices once."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.utils import timezone

from bookings.signals import announce as booking_changed
from clinic.statuses import BookingStatus
from notifications.models import Notice, Reminder
from tests import factories

pytestmark = pytest.mark.django_db


def reminders_of(booking):
    return {
        (r.offset_hours, r.channel): (r.status, r.due_at, r.skip_reason)
        for r in Reminder.objects.filter(booking=booking)
    }


def test_a_new_booking_gets_one_pending_reminder_per_clinic_offset(make_booking):
    booking = make_booking(hours_ahead=72)

    booking_changed(booking, previous_status=None)

    assert reminders_of(booking) == {
        (24, "email"): ("pending", booking.start - timedelta(hours=24), ""),
        (2, "email"): ("pending", booking.start - timedelta(hours=2), ""),
    }


def test_the_offsets_come_from_the_clinic(make_booking, clinic):
    factories.make_clinic(reminder_offsets_hours=[48, 1])
    booking = make_booking(hours_ahead=72)

    booking_changed(booking, previous_status=None)

    assert sorted(r.offset_hours for r in booking.reminders.all()) == [1, 48]


def test_an_offset_already_past_at_booking_time_is_skipped_not_sent_late(make_booking):
    booking = make_booking(hours_ahead=5)

    booking_changed(booking, previous_status=None)

    reminders = reminders_of(booking)
    assert reminders[(24, "email")][0] == "skipped"
    assert reminders[(24, "email")][2] == "Booked less than 24 h before the appointment."
    assert reminders[(2, "email")][0] == "pending"


def test_sms_reminders_are_their_own_rows_when_sms_is_on_and_the_client_has_a_phone(
    make_booking, settings, people
):
    settings.SMS_ENABLED = True
    booking = make_booking(hours_ahead=72)
    no_phone = factories.make_client(phone="")
    other = make_booking(hours_ahead=96, client=no_phone)

    booking_changed(booking, previous_status=None)
    booking_changed(other, previous_status=None)

    assert set(reminders_of(booking)) == {(24, "email"), (2, "email"), (24, "sms"), (2, "sms")}
    assert set(reminders_of(other)) == {(24, "email"), (2, "email")}


def test_becoming_active_twice_creates_nothing_twice(make_booking):
    booking = make_booking(hours_ahead=72)

    booking_changed(booking, previous_status=None)
    booking_changed(booking, previous_status=BookingStatus.CANCELLED)  # e.g. reinstated

    assert Reminder.objects.filter(booking=booking).count() == 2


def test_a_booking_made_active_again_gets_pending_reminders_again(make_booking):
    booking = make_booking(hours_ahead=72)
    booking_changed(booking, previous_status=None)
    booking.status = BookingStatus.CANCELLED
    booking.save()
    booking_changed(booking, previous_status=BookingStatus.CONFIRMED)
    assert set(booking.reminders.values_list("status", flat=True)) == {"skipped"}

    booking.status = BookingStatus.CONFIRMED
    booking.save()
    booking_changed(booking, previous_status=BookingStatus.CANCELLED)

    assert set(booking.reminders.values_list("status", flat=True)) == {"pending"}
    assert booking.reminders.count() == 2


def test_confirming_a_requested_booking_keeps_its_reminders(make_booking):
    booking = make_booking(hours_ahead=72, status=BookingStatus.REQUESTED)
    booking_changed(booking, previous_status=None)
    before = list(Reminder.objects.filter(booking=booking).values_list("pk", flat=True))

    booking.status = BookingStatus.CONFIRMED
    booking.save()
    booking_changed(booking, previous_status=BookingStatus.REQUESTED)

    assert list(Reminder.objects.filter(booking=booking).values_list("pk", flat=True)) == before


def test_a_reschedule_replaces_pending_reminders_with_ones_for_the_new_time(make_booking):
    booking = make_booking(hours_ahead=72)
    booking_changed(booking, previous_status=None)
    old_start = booking.start

    booking.set_times(old_start + timedelta(days=2))
    booking.save()
    booking_changed(booking, previous_status=booking.status, previous_start=old_start)

    assert reminders_of(booking) == {
        (24, "email"): ("pending", booking.start - timedelta(hours=24), ""),
        (2, "email"): ("pending", booking.start - timedelta(hours=2), ""),
    }
    assert set(booking.reminders.values_list("appointment_start", flat=True)) == {booking.start}


def test_a_reschedule_keeps_what_was_sent_for_the_old_time_and_reminds_again(make_booking):
    booking = make_booking(hours_ahead=72)
    booking_changed(booking, previous_status=None)
    booking.reminders.filter(offset_hours=24).update(status="sent", sent_at=timezone.now())
    old_start = booking.start

    booking.set_times(old_start + timedelta(days=3))
    booking.save()
    booking_changed(booking, previous_status=booking.status, previous_start=old_start)

    rows = sorted(
        booking.reminders.values_list("offset_hours", "appointment_start", "status"),
        key=lambda row: (row[1], -row[0]),
    )
    assert rows == [
        (24, old_start, "sent"),
        (24, booking.start, "pending"),
        (2, booking.start, "pending"),
    ]


def test_a_move_to_within_an_offset_skips_that_offset(make_booking):
    booking = make_booking(hours_ahead=72)
    booking_changed(booking, previous_status=None)
    old_start = booking.start

    booking.set_times(timezone.now() + timedelta(hours=10))
    booking.save()
    booking_changed(booking, previous_status=booking.status, previous_start=old_start)

    reminders = reminders_of(booking)
    assert reminders[(24, "email")][0] == "skipped"
    assert reminders[(2, "email")][0] == "pending"


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        (BookingStatus.CANCELLED, "The booking is cancelled."),
        (BookingStatus.NO_SHOW, "The booking is no-show."),
        (BookingStatus.COMPLETED, "The booking is completed."),
    ],
)
def test_pending_reminders_are_skipped_when_the_booking_stops_being_active(
    make_booking, status, reason
):
    booking = make_booking(hours_ahead=72)
    booking_changed(booking, previous_status=None)
    booking.reminders.filter(offset_hours=24).update(status="sent", sent_at=timezone.now())

    previous = booking.status
    booking.status = status
    booking.save()
    booking_changed(booking, previous_status=previous)

    assert reminders_of(booking)[(2, "email")][0::2] == ("skipped", reason)
    assert reminders_of(booking)[(24, "email")][0] == "sent"


def test_a_confirmation_notice_is_queued_once_when_the_booking_is_confirmed(make_booking):
    booking = make_booking(hours_ahead=72, status=BookingStatus.REQUESTED)
    booking_changed(booking, previous_status=None)
    # A request is acknowledged at once ("request received"), not confirmed.
    assert list(booking.notices.values_list("kind", flat=True)) == ["request_received"]

    booking.status = BookingStatus.CONFIRMED
    booking.save()
    booking_changed(booking, previous_status=BookingStatus.REQUESTED)
    booking_changed(booking, previous_status=BookingStatus.REQUESTED)  # a repeated call

    assert list(booking.notices.values_list("kind", "channel", "status")) == [
        ("request_received", "email", "pending"),
        ("confirmation", "email", "pending"),
    ]


def test_a_cancellation_notice_is_queued_once_when_an_active_booking_is_cancelled(
    make_booking,
):
    booking = make_booking(hours_ahead=72)
    booking.status = BookingStatus.CANCELLED
    booking.save()

    booking_changed(booking, previous_status=BookingStatus.CONFIRMED)
    booking_changed(booking, previous_status=BookingStatus.CONFIRMED)

    assert list(booking.notices.values_list("kind", flat=True)) == ["cancellation"]


def test_a_booking_created_inactive_gets_nothing(make_booking):
    booking = make_booking(hours_ahead=-48, status=BookingStatus.COMPLETED)

    booking_changed(booking, previous_status=None)

    assert not booking.reminders.exists()
    assert not booking.notices.exists()


def test_the_database_refuses_a_second_reminder_for_one_offset_channel_and_time(make_booking):
    booking = make_booking(hours_ahead=72)
    booking_changed(booking, previous_status=None)
    first = booking.reminders.get(offset_hours=24)

    with (
        pytest.raises(IntegrityError, match="reminder_once_per_booking_offset_channel"),
        transaction.atomic(),
    ):
        Reminder.objects.create(
            booking=booking,
            offset_hours=24,
            channel="email",
            appointment_start=first.appointment_start,
            due_at=first.due_at,
        )


def test_the_database_refuses_a_second_notice_of_one_kind(make_booking):
    booking = make_booking(hours_ahead=72)
    Notice.objects.create(booking=booking, kind="confirmation", due_at=timezone.now())

    with (
        pytest.raises(IntegrityError, match="notice_once_per_booking_kind_channel"),
        transaction.atomic(),
    ):
        Notice.objects.create(booking=booking, kind="confirmation", due_at=timezone.now())


def test_the_database_refuses_a_reminder_due_after_its_appointment(make_booking):
    booking = make_booking(hours_ahead=72)

    with (
        pytest.raises(IntegrityError, match="reminder_due_before_appointment"),
        transaction.atomic(),
    ):
        Reminder.objects.create(
            booking=booking,
            offset_hours=2,
            appointment_start=booking.start,
            due_at=booking.start + timedelta(minutes=1),
        )


def test_the_database_refuses_a_sent_reminder_without_a_time(make_booking):
    booking = make_booking(hours_ahead=72)
    booking_changed(booking, previous_status=None)

    with pytest.raises(IntegrityError, match="reminder_sent_has_sent_at"), transaction.atomic():
        booking.reminders.filter(offset_hours=24).update(status="sent")


def test_due_times_are_absolute_hours_across_a_daylight_saving_change(clinic, people):
    therapist, client, service = people
    # Sunday 2026-11-01 10:00 in Toronto: clocks went back at 02:00 that morning.
    with time_machine.travel("2026-10-25 12:00Z", tick=False):
        start = datetime(2026, 11, 1, 15, 0, tzinfo=UTC)  # 10:00 EST
        booking = factories.make_booking(
            therapist=therapist, client=client, service=service, start=start
        )
        booking_changed(booking, previous_status=None)

    due = booking.reminders.get(offset_hours=24).due_at
    assert due == start - timedelta(hours=24)
    assert timezone.localtime(due, clinic.tz).hour == 11  # 11:00 EDT on Saturday
