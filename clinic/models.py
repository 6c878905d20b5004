import time
import zoneinfo
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"'{value}' is not a known IANA time zone (e.g. America/Toronto).")


def default_reminder_offsets() -> list[int]:
    return [24, 2]


class Modality(models.TextChoices):
    TRIGGER_POINT = "trigger_point", "Trigger point therapy"
    DEEP_TISSUE = "deep_tissue", "Deep tissue massage"
    SWEDISH = "swedish", "Swedish massage"
    SPORTS = "sports", "Sports massage"
    PRENATAL = "prenatal", "Prenatal massage"
    MYOFASCIAL_RELEASE = "myofascial_release", "Myofascial release"


# Set by `clinic_read_once()`: a dict holding the clinic read in this request (or empty).
_request_scope: ContextVar[dict | None] = ContextVar("clinic_request_scope", default=None)


@contextmanager
def clinic_read_once():
    """Within this block `Clinic.get()` reads the row once (saving it reads it afresh)."""
    token = _request_scope.set({})
    try:
        yield
    finally:
        _request_scope.reset(token)


class Clinic(models.Model):
    """The clinic: one per deployment (row id 1), holding the rules bookings follow."""

    name = models.CharField(max_length=200, default="Kneadly Clinic")
    address = models.CharField(max_length=300, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    timezone = models.CharField(
        max_length=64, default="America/Toronto", validators=[validate_timezone]
    )
    cancellation_window_hours = models.PositiveSmallIntegerField(default=24)
    reminder_offsets_hours = ArrayField(
        models.PositiveSmallIntegerField(validators=[MinValueValidator(1)]),
        default=default_reminder_offsets,
        blank=True,
        size=5,
    )
    slot_interval_minutes = models.PositiveSmallIntegerField(
        default=15, validators=[MinValueValidator(5)]
    )
    min_lead_time_minutes = models.PositiveIntegerField(default=120)
    booking_horizon_days = models.PositiveSmallIntegerField(
        default=90, validators=[MinValueValidator(1)]
    )
    note_overdue_hours = models.PositiveSmallIntegerField(default=48)
    waitlist_hold_minutes = models.PositiveSmallIntegerField(
        default=30, help_text="How long a waitlist offer holds its slot for the offered clients."
    )
    require_staff_2fa = models.BooleanField(
        default=False,
        help_text="Admins and therapists must sign in with a two-factor code (TOTP).",
    )
    check_in_opens_minutes = models.PositiveSmallIntegerField(
        default=30, help_text="How long before the start a client can be checked in."
    )
    brand_colour = models.CharField(
        max_length=7,
        default="#2f5d62",
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", "A colour as #rrggbb, e.g. #2f5d62.")],
        help_text="The clinic's colour on its pages (header, buttons). Text on it and links "
        "in it are shaded to stay legible (WCAG AA contrast).",
    )

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(pk=1), name="clinic_singleton"),
            models.CheckConstraint(
                condition=models.Q(slot_interval_minutes__gte=5), name="clinic_slot_interval_min"
            ),
            models.CheckConstraint(
                condition=models.Q(booking_horizon_days__gte=1), name="clinic_booking_horizon_min"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        forget_clinic_timezone()
        scope = _request_scope.get()
        if scope is not None:
            scope.clear()  # the next Clinic.get() of this request reads the saved row

    @classmethod
    def get(cls) -> "Clinic":
        """The clinic row. Inside `clinic_read_once()` (each API request) it is read once and
        the same instance handed to every caller: a booking create asked three times."""
        scope = _request_scope.get()
        if scope:
            return scope["clinic"]
        clinic, _ = cls.objects.get_or_create(pk=1)
        if scope is not None:
            scope["clinic"] = clinic
        return clinic

    @classmethod
    def keep_for_request(cls, clinic: "Clinic") -> None:
        """Hand `clinic` (the row, read together with others in one statement) to the rest of
        this request as its `Clinic.get()`, unless the request has read it already."""
        scope = _request_scope.get()
        if scope is not None and not scope:
            scope["clinic"] = clinic

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    @property
    def cancellation_window(self) -> timedelta:
        return timedelta(hours=self.cancellation_window_hours)


SERVICE_MAX_MINUTES = 480  # a working day: anything longer is a typo


class Service(models.Model):
    """A bookable treatment. One that has bookings is deactivated, never deleted."""

    name = models.CharField(max_length=120)
    modality = models.CharField(max_length=32, choices=Modality.choices)
    duration_minutes = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(SERVICE_MAX_MINUTES)]
    )
    buffer_minutes = models.PositiveSmallIntegerField(default=0)
    price = models.DecimalField(
        max_digits=8, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    description = models.TextField(blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["modality", "duration_minutes", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(duration_minutes__gt=0), name="service_duration_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(duration_minutes__lte=SERVICE_MAX_MINUTES),
                name="service_duration_max",
            ),
            models.CheckConstraint(condition=models.Q(price__gte=0), name="service_price_nonneg"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.duration_minutes} min)"

    @property
    def duration(self) -> timedelta:
        return timedelta(minutes=self.duration_minutes)

    @property
    def buffer(self) -> timedelta:
        return timedelta(minutes=self.buffer_minutes)


class AuditAction(models.TextChoices):
    READ = "read", "Read"
    LIST = "list", "List"
    CREATE = "create", "Create"
    UPDATE = "update", "Update"
    SIGN = "sign", "Sign"
    AMEND = "amend", "Amend"
    DELETE = "delete", "Delete"


class AuditEntry(models.Model):
    """Who read or wrote which clinical record, when and from where (clinic.audit records it).

    Append-only: the database refuses UPDATE and DELETE on this table (trigger created in
    migration 0002_auditentry), and the admin offers no add, change or delete. A user who has
    entries cannot be deleted (PROTECT): deactivate them instead.
    """

    at = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_entries",
    )
    action = models.CharField(max_length=16, choices=AuditAction.choices)
    object_type = models.CharField(max_length=64, help_text="e.g. treatments.treatmentnote")
    object_id = models.BigIntegerField(null=True, blank=True)
    object_ids = ArrayField(
        models.BigIntegerField(),
        default=list,
        blank=True,
        help_text="For a list: the ids of the records it showed.",
    )
    path = models.CharField(max_length=500, blank=True)
    remote_addr = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "audit entries"
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_object"),
            models.Index(fields=["user", "at"], name="audit_user_at"),
            GinIndex(fields=["object_ids"], name="audit_object_ids"),  # "who saw note 12?"
        ]

    def __str__(self) -> str:
        target = f"{self.object_type} {self.object_id}" if self.object_id else self.object_type
        return f"{self.at:%Y-%m-%d %H:%M} {self.user} {self.action} {target}"


class ApiToken(models.Model):
    """An API sign-in ("a session"): expires, can be revoked, and lists for its owner.

    Only a SHA-256 digest of the key is stored; the key itself is shown once, at sign-in.
    `otp_verified` says the sign-in passed a two-factor code; `enrol_only` marks a token of a
    staff member who must enrol in two-factor sign-in first (clinic.accounts decides both).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    digest = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8, help_text="The key's first characters, to tell apart.")
    created = models.DateTimeField(default=timezone.now)
    expires = models.DateTimeField(db_index=True)
    last_used = models.DateTimeField(default=timezone.now)
    user_agent = models.CharField(max_length=200, blank=True)
    otp_verified = models.BooleanField(default=False)
    enrol_only = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created", "-id"]

    def __str__(self) -> str:
        return f"{self.user} {self.prefix}…"


_TTL_SECONDS = 30
_cached: dict = {"tz": None, "at": 0.0}


def clinic_timezone():
    """The clinic's zone, read at most every 30 s per process (it changes once in a blue moon;
    Clinic.save() forgets it at once in the process that saved)."""
    now = time.monotonic()
    if _cached["tz"] is None or now - _cached["at"] > _TTL_SECONDS:
        _cached["tz"], _cached["at"] = Clinic.get().tz, now
    return _cached["tz"]


def last_known_clinic_timezone():
    """The zone last read in this process, however old (None if never read)."""
    return _cached["tz"]


def forget_clinic_timezone() -> None:
    _cached["tz"] = None


class IdempotentRequest(models.Model):
    """A create made with an `Idempotency-Key` (clinic.api.idempotency): for 24 hours, a retry
    by the same user with the same key on the same route replays this answer. Only successful
    answers are kept; a refused request leaves no row, so its retry is tried afresh. Rows older
    than KEPT_FOR are purged every hour (clinic.tasks.purge_idempotent_requests)."""

    KEPT_FOR = timedelta(hours=24)

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="idempotent_requests"
    )
    key = models.CharField(max_length=255)
    route = models.CharField(max_length=255, help_text="The request's path.")
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of the request body.")
    status_code = models.PositiveSmallIntegerField(null=True)
    body = models.JSONField(null=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key", "route"], name="idempotent_request_once")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.route} {self.key}"
