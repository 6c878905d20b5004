from datetime import timedelta

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import (
    ArrayField,
    RangeBoundary,
    RangeOperators,
)
from django.db import models

from clients.models import Client
from clinic.models import Service

# One TsTzRange for the project; bookings' migrations name it as bookings.models.TsTzRange.
from therapists.models import Therapist, TsTzRange


class Room(models.Model):
    """A treatment room and the services it suits (a table for prenatal, say). A booking holds
    a room as well as a therapist once the clinic has at least one active room."""

    name = models.CharField(max_length=100, unique=True)
    active = models.BooleanField(default=True)
    services = models.ManyToManyField(Service, blank=True, related_name="rooms")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class SeriesMode(models.TextChoices):
    ALL_OR_NOTHING = "all_or_nothing", "All or nothing"
    BOOK_WHAT_FITS = "book_what_fits", "Book what fits"


MAX_SERIES_VISITS = 52
MAX_EVERY_WEEKS = 26


class BookingSeries(models.Model):
    """A recurring booking: the same service with the same therapist every `every_weeks` weeks
    at the first visit's local wall time, for `count` visits or until the date `until`."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="booking_series")
    therapist = models.ForeignKey(
        Therapist, on_delete=models.PROTECT, related_name="booking_series"
    )
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="booking_series")
    start = models.DateTimeField(help_text="The first visit.")
    every_weeks = models.PositiveSmallIntegerField(default=1)
    count = models.PositiveSmallIntegerField(null=True, blank=True)
    until = models.DateField(null=True, blank=True)
    mode = models.CharField(max_length=16, choices=SeriesMode.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "booking series"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(every_weeks__gte=1, every_weeks__lte=MAX_EVERY_WEEKS),
                name="series_every_weeks_in_range",
            ),
            models.CheckConstraint(
                condition=models.Q(count__isnull=False, until__isnull=True)
                | models.Q(count__isnull=True, until__isnull=False),
                name="series_count_or_until",
            ),
            models.CheckConstraint(
                condition=models.Q(count__isnull=True)
                | models.Q(count__gte=1, count__lte=MAX_SERIES_VISITS),
                name="series_count_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.service} with {self.therapist} for {self.client} (series)"


class BookingStatus(models.TextChoices):
    REQUESTED = "requested", "Requested"
    CONFIRMED = "confirmed", "Confirmed"
    CHECKED_IN = "checked_in", "Checked in"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"
    NO_SHOW = "no_show", "No-show"


ACTIVE_STATUSES = (BookingStatus.REQUESTED, BookingStatus.CONFIRMED, BookingStatus.CHECKED_IN)


class BookingQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status__in=ACTIVE_STATUSES)


class Booking(models.Model):
    """One appointment. `blocks_until` is `end` plus the service buffer: the therapist's time
    the booking holds, which the database keeps from overlapping any other active booking."""

    therapist = models.ForeignKey(Therapist, on_delete=models.PROTECT, related_name="bookings")
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="bookings")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="bookings")
    room = models.ForeignKey(
        Room, on_delete=models.PROTECT, null=True, blank=True, related_name="bookings"
    )
    series = models.ForeignKey(
        BookingSeries, on_delete=models.PROTECT, null=True, blank=True, related_name="bookings"
    )
    start = models.DateTimeField()
    end = models.DateTimeField()
    blocks_until = models.DateTimeField()
    status = models.CharField(
        max_length=16, choices=BookingStatus.choices, default=BookingStatus.REQUESTED
    )
    notes = models.TextField(blank=True)
    late_cancellation = models.BooleanField(default=False)
    cancel_reason = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = BookingQuerySet.as_manager()

    class Meta:
        ordering = ["start", "id"]
        indexes = [models.Index(fields=["therapist", "start"]), models.Index(fields=["status"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start"))
                & models.Q(blocks_until__gte=models.F("end")),
                name="booking_times_ordered",
            ),
            ExclusionConstraint(
                name="booking_no_therapist_overlap",
                expressions=[
                    (TsTzRange("start", "blocks_until", RangeBoundary()), RangeOperators.OVERLAPS),
                    ("therapist", RangeOperators.EQUAL),
                ],
                condition=models.Q(status__in=ACTIVE_STATUSES),
            ),
            ExclusionConstraint(
                name="booking_no_client_overlap",
                expressions=[
                    (TsTzRange("start", "end", RangeBoundary()), RangeOperators.OVERLAPS),
                    ("client", RangeOperators.EQUAL),
                ],
                condition=models.Q(status__in=ACTIVE_STATUSES),
            ),
            ExclusionConstraint(
                name="booking_no_room_overlap",
                expressions=[
                    (TsTzRange("start", "blocks_until", RangeBoundary()), RangeOperators.OVERLAPS),
                    ("room", RangeOperators.EQUAL),
                ],
                condition=models.Q(status__in=ACTIVE_STATUSES, room__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.service} with {self.therapist} for {self.client} at {self.start:%Y-%m-%d %H:%M}"
        )

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    def set_times(self, start, service: Service | None = None) -> None:
        service = service or self.service
        self.start = start
        self.end = start + timedelta(minutes=service.duration_minutes)
        self.blocks_until = self.end + timedelta(minutes=service.buffer_minutes)


class BookingEvent(models.Model):
    """History: every status change and reschedule of a booking (who, when, from, to, why)."""

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    from_status = models.CharField(max_length=16, choices=BookingStatus.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=BookingStatus.choices)
    reason = models.CharField(max_length=300, blank=True)
    from_start = models.DateTimeField(null=True, blank=True)
    to_start = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.booking_id}: {self.from_status or '-'} -> {self.to_status}"


# --- Reminders and notices (issue 7) --------------------------------------------------------


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
    """One message to a client about a booking, sent at most once by the dispatcher.

    A pending row whose `due_at` has come is claimed by a dispatcher (a fresh `claim_token`
    and `claimed_until`); only the send task holding that token may send it, and a claim that
    is not completed by `claimed_until` may be claimed again.
    """

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="%(class)ss")
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


class Reminder(Delivery):
    """A reminder `offset_hours` before the appointment at `appointment_start`.

    Rows are per appointment time: a reschedule removes the unsent rows of the old time and
    adds rows for the new one, while what was sent for the old time stays as history.
    """

    offset_hours = models.PositiveSmallIntegerField()
    appointment_start = models.DateTimeField()

    class Meta:
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
    CONFIRMATION = "confirmation", "Confirmation"
    CANCELLATION = "cancellation", "Cancellation"


class Notice(Delivery):
    """A confirmation or cancellation notice: at most one of each kind per booking and channel."""

    kind = models.CharField(max_length=16, choices=NoticeKind.choices)

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["booking", "kind", "channel"], name="notice_once_per_booking_kind_channel"
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


# --- Waitlist (issue 9) -----------------------------------------------------------------------


class WaitlistStatus(models.TextChoices):
    WAITING = "waiting", "Waiting"
    OFFERED = "offered", "Offered"
    BOOKED = "booked", "Booked"
    CANCELLED = "cancelled", "Cancelled"
    EXPIRED = "expired", "Expired"


class WaitlistEntry(models.Model):
    """A client waiting for a service (optionally with one therapist) on some days and times:
    local dates `earliest_date`..`latest_date`, local weekdays (0 = Monday; empty = any) and a
    local time window in which the appointment must start."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="waitlist_entries")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="+")
    therapist = models.ForeignKey(
        Therapist, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    earliest_date = models.DateField()
    latest_date = models.DateField()
    weekdays = ArrayField(models.PositiveSmallIntegerField(), default=list, blank=True, size=7)
    time_from = models.TimeField()
    time_to = models.TimeField()
    status = models.CharField(
        max_length=12, choices=WaitlistStatus.choices, default=WaitlistStatus.WAITING
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = "waitlist entries"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(latest_date__gte=models.F("earliest_date")),
                name="waitlist_dates_ordered",
            ),
            models.CheckConstraint(
                condition=models.Q(time_to__gt=models.F("time_from")),
                name="waitlist_times_ordered",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.client} waiting for {self.service}"


class OfferStatus(models.TextChoices):
    OFFERED = "offered", "Offered"
    ACCEPTED = "accepted", "Accepted"
    EXPIRED = "expired", "Expired"
    DECLINED = "declined", "Declined"


class WaitlistOffer(models.Model):
    """A freed slot offered to a waiting client until `hold_until`. While it is open, the slot
    is held: availability and booking treat it as busy for every client without an open offer
    for that therapist and start. The same slot may be offered to a few clients at once; the
    first to accept books it (the booking constraints decide a race)."""

    entry = models.ForeignKey(WaitlistEntry, on_delete=models.CASCADE, related_name="offers")
    therapist = models.ForeignKey(Therapist, on_delete=models.CASCADE, related_name="+")
    start = models.DateTimeField()
    blocks_until = models.DateTimeField()
    hold_until = models.DateTimeField()
    status = models.CharField(
        max_length=12, choices=OfferStatus.choices, default=OfferStatus.OFFERED
    )
    booking = models.OneToOneField(
        Booking, on_delete=models.SET_NULL, null=True, blank=True, related_name="waitlist_offer"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "hold_until"])]
        constraints = [
            models.UniqueConstraint(
                fields=["entry"],
                condition=models.Q(status="offered"),
                name="waitlist_one_open_offer_per_entry",
            ),
            models.CheckConstraint(
                condition=models.Q(blocks_until__gt=models.F("start")),
                name="waitlist_offer_times_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"Offer of {self.start:%Y-%m-%d %H:%M} to {self.entry.client}"
