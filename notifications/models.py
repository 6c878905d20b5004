"""Reminders and notices: one row per message, written with the booking, sent once.

The rows are the schedule and the record: `notifications.dispatcher` claims what is due and
sends it through `notifications.channels`. These tables were the bookings app's; they keep
their names (`db_table`), so moving them moved no data.
"""

from django.contrib.postgres.fields import ArrayField
from django.db import models

from bookings.models import Booking
from therapists.models import Therapist


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    SMS = "sms", "SMS"


class DeliveryStatus(models.TextChoices):
    """The contract's vocabulary. A claimed row is still `pending` (see `claim_token`)."""

    PENDING = "pending", "Pending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped"


class Delivery(models.Model):
    """One message, sent at most once by the dispatcher (`notifications.dispatcher`).

    A pending row whose `due_at` has come is claimed by a dispatcher (a fresh `claim_token`
    and `claimed_until`); only the send task holding that token may send it, and a claim that
    is not completed by `claimed_until` may be claimed again.
    """

    channel = models.CharField(max_length=8, choices=Channel.choices, default=Channel.EMAIL)
    due_at = models.DateTimeField()
    status = models.CharField(
        max_length=8, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    claim_token = models.UUIDField(null=True, blank=True, editable=False)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    skip_reason = models.CharField(max_length=200, blank=True)
    error = models.TextField(blank=True, help_text="The last delivery error (staff only).")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class BookingDelivery(Delivery):
    """A message to a client about one of their bookings."""

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="%(class)ss")

    class Meta:
        abstract = True


class Reminder(BookingDelivery):
    """A reminder `offset_hours` before the appointment at `appointment_start`.

    Rows are per appointment time: a reschedule removes the unsent rows of the old time and
    adds rows for the new one, while what was sent for the old time stays as history.
    """

    offset_hours = models.PositiveSmallIntegerField()
    appointment_start = models.DateTimeField()

    class Meta:
        db_table = "bookings_reminder"  # the table it had in the bookings app: no data moved
        ordering = ["due_at", "channel", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["booking", "offset_hours", "channel", "appointment_start"],
                name="reminder_once_per_booking_offset_channel",
            ),
            models.CheckConstraint(
                condition=models.Q(due_at__lt=models.F("appointment_start")),
                name="reminder_due_before_appointment",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="sent") | models.Q(sent_at__isnull=False),
                name="reminder_sent_has_sent_at",
            ),
        ]
        indexes = [
            models.Index(
                fields=["due_at"], condition=models.Q(status="pending"), name="reminder_due_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.offset_hours} h {self.channel} reminder for booking {self.booking_id}"


class NoticeKind(models.TextChoices):
    REQUEST_RECEIVED = "request_received", "Request received"
    CONFIRMATION = "confirmation", "Confirmation"
    RESCHEDULED = "rescheduled", "Rescheduled"
    CANCELLATION = "cancellation", "Cancellation"
    SERIES_CANCELLATION = "series_cancellation", "Series cancellation"
    SERIES_REQUEST_RECEIVED = "series_request_received", "Series request received"


class Notice(BookingDelivery):
    """A notice to the client about their booking: the request received, confirmed, moved or
    cancelled. At most one of each kind per booking and channel, except that a booking moved
    several times gets one `rescheduled` notice per move (`booking_version`: the booking's
    `updated_at` after that move; null for the other kinds). A series booked or cancelled is
    one notice for all its visits (`visits`, their ids), on the first of them."""

    kind = models.CharField(max_length=24, choices=NoticeKind.choices)
    booking_version = models.DateTimeField(null=True, blank=True, editable=False)
    visits = ArrayField(models.IntegerField(), default=list, blank=True, editable=False)

    class Meta:
        db_table = "bookings_notice"
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["booking", "kind", "channel", "booking_version"],
                name="notice_once_per_booking_kind_channel",
                nulls_distinct=False,
            ),
            models.CheckConstraint(
                condition=~models.Q(status="sent") | models.Q(sent_at__isnull=False),
                name="notice_sent_has_sent_at",
            ),
        ]
        indexes = [
            models.Index(
                fields=["due_at"], condition=models.Q(status="pending"), name="notice_due_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.channel} notice for booking {self.booking_id}"


class TherapistNoticeKind(models.TextChoices):
    BOOKED = "booked", "New booking"
    RESCHEDULED = "rescheduled", "Rescheduled"
    CANCELLATION = "cancellation", "Cancellation"
    SERIES_CANCELLATION = "series_cancellation", "Series cancellation"
    SERIES_BOOKED = "series_booked", "New series"


class TherapistNotice(BookingDelivery):
    """An email to a therapist about a booking that concerns them: made, moved (to them, away
    from them, or to another time) or cancelled; a series booked or cancelled is one notice
    for all its visits (`visits`). Only for therapists who keep `email_booking_notices` on. At
    most one per booking, therapist and kind (a `rescheduled` one once per move:
    `booking_version`).
    `previous_start` and `previous_therapist` say what a move changed."""

    therapist = models.ForeignKey(
        Therapist, on_delete=models.CASCADE, related_name="booking_notices"
    )
    kind = models.CharField(max_length=24, choices=TherapistNoticeKind.choices)
    booking_version = models.DateTimeField(null=True, blank=True, editable=False)
    previous_start = models.DateTimeField(null=True, blank=True, editable=False)
    previous_therapist = models.ForeignKey(
        Therapist, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    visits = ArrayField(models.IntegerField(), default=list, blank=True, editable=False)

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["booking", "therapist", "kind", "booking_version"],
                name="therapist_notice_once",
                nulls_distinct=False,
            ),
            models.CheckConstraint(
                condition=~models.Q(status="sent") | models.Q(sent_at__isnull=False),
                name="therapist_notice_sent_has_sent_at",
            ),
        ]
        indexes = [
            models.Index(
                fields=["due_at"],
                condition=models.Q(status="pending"),
                name="therapist_notice_due_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} notice to therapist {self.therapist_id} for booking {self.booking_id}"
