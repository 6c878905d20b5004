from datetime import timedelta

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import RangeBoundary, RangeOperators
from django.db import models
from django.utils import timezone

from clients.models import Client
from clinic.models import Service, clinic_timezone
from clinic.statuses import ACTIVE_STATUSES, BookingStatus

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


class CancelledBy(models.TextChoices):
    """Who initiated a cancellation: the client (online, or by phone through the front desk)
    or the clinic. Only a client's cancellation can be late."""

    CLIENT = "client", "The client"
    CLINIC = "clinic", "The clinic"


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
    cancelled_by = models.CharField(max_length=8, choices=CancelledBy.choices, blank=True)
    price = models.DecimalField(
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="The service's price when the booking was made (what reports count).",
    )
    late_change = models.BooleanField(
        default=False,
        help_text="Moved by the clinic inside the cancellation window: a later cancellation by "
        "the client counts as late whatever the new time.",
    )
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
        # In clinic time with its abbreviation: admin titles, reminder and notice lists.
        start = timezone.localtime(self.start, clinic_timezone())
        return (
            f"{self.service} with {self.therapist} for {self.client} at {start:%Y-%m-%d %H:%M %Z}"
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
