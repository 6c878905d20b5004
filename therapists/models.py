import secrets
from datetime import date

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import (
    ArrayField,
    DateTimeRangeField,
    DecimalRangeField,
    RangeBoundary,
    RangeOperators,
)
from django.db import models
from django.utils import timezone

from clinic.models import Modality, Service, clinic_timezone


def new_calendar_token() -> str:
    return secrets.token_urlsafe(24)


class SecondsOfDay(models.Func):
    """A time of day as seconds since midnight (numeric, immutable: usable in a constraint)."""

    template = "EXTRACT(EPOCH FROM %(expressions)s)::numeric"
    output_field = models.DecimalField()


class NumRange(models.Func):
    function = "NUMRANGE"
    output_field = DecimalRangeField()


class TsTzRange(models.Func):
    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


class Therapist(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="therapist"
    )
    display_name = models.CharField(max_length=120)
    bio = models.TextField(blank=True)
    photo_url = models.URLField(blank=True)
    license_number = models.CharField(max_length=60, blank=True)
    license_expires_on = models.DateField(null=True, blank=True)
    modalities = ArrayField(
        models.CharField(max_length=32, choices=Modality.choices), default=list, blank=True
    )
    services = models.ManyToManyField(Service, related_name="therapists", blank=True)
    active = models.BooleanField(default=True)
    calendar_token = models.CharField(max_length=64, unique=True, default=new_calendar_token)
    email_booking_notices = models.BooleanField(
        default=True,
        help_text="Email the therapist when a booking with them is made, moved or cancelled.",
    )

    class Meta:
        ordering = ["display_name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(modalities__contained_by=Modality.values),
                name="therapist_modalities_known",
            ),
            models.UniqueConstraint(
                fields=["license_number"],
                condition=~models.Q(license_number=""),
                name="therapist_license_number_unique",
                violation_error_message="Another therapist already has this license number.",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    def license_valid_on(self, day: date) -> bool:
        return self.license_expires_on is None or self.license_expires_on >= day


class Weekday(models.IntegerChoices):
    """`WorkingHours.weekday` by name (Python's numbering: Monday is 0), for forms and pages."""

    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class WorkingHours(models.Model):
    """A weekly interval of work in the clinic's local time; several per day are allowed, none
    overlapping another of the same therapist and day (half-open: 9-12 and 12-17 may touch).
    An interval ends on its own day: no interval runs past midnight."""

    therapist = models.ForeignKey(Therapist, on_delete=models.CASCADE, related_name="working_hours")
    weekday = models.PositiveSmallIntegerField(help_text="0 = Monday ... 6 = Sunday")
    start_time = models.TimeField()
    end_time = models.TimeField()

    class Meta:
        ordering = ["therapist", "weekday", "start_time"]
        verbose_name_plural = "working hours"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(weekday__gte=0, weekday__lte=6), name="working_hours_weekday"
            ),
            models.CheckConstraint(
                condition=models.Q(end_time__gt=models.F("start_time")),
                name="working_hours_end_after_start",
            ),
            ExclusionConstraint(
                name="working_hours_no_overlap",
                expressions=[
                    ("therapist", RangeOperators.EQUAL),
                    ("weekday", RangeOperators.EQUAL),
                    (
                        NumRange(SecondsOfDay("start_time"), SecondsOfDay("end_time")),
                        RangeOperators.OVERLAPS,
                    ),
                ],
                violation_error_message="These working hours overlap other working hours.",
            ),
        ]

    def __str__(self) -> str:
        day = Weekday(self.weekday).label if self.weekday in Weekday.values else self.weekday
        return f"{self.therapist} {day} {self.start_time:%H:%M}-{self.end_time:%H:%M}"


class TimeOff(models.Model):
    """A period the therapist is away. Overlapping time off is refused, not merged: the
    therapist edits the existing entry instead (half-open periods may touch)."""

    therapist = models.ForeignKey(Therapist, on_delete=models.CASCADE, related_name="time_off")
    start = models.DateTimeField()
    end = models.DateTimeField()
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["therapist", "start"]
        verbose_name_plural = "time off"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="time_off_end_after_start"
            ),
            ExclusionConstraint(
                name="time_off_no_overlap",
                expressions=[
                    ("therapist", RangeOperators.EQUAL),
                    (TsTzRange("start", "end", RangeBoundary()), RangeOperators.OVERLAPS),
                ],
                violation_error_message="This time off overlaps other time off.",
            ),
        ]

    def __str__(self) -> str:
        zone = clinic_timezone()
        start, end = timezone.localtime(self.start, zone), timezone.localtime(self.end, zone)
        return f"{self.therapist} off {start:%Y-%m-%d %H:%M %Z} to {end:%Y-%m-%d %H:%M %Z}"
