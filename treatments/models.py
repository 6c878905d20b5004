from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from bookings.models import Booking
from clinic.roles import therapist_of
from clinic.vocabulary import (
    PAIN_MAX,
    PAIN_MIN,
    PRESSURE_MAX,
    PRESSURE_MIN,
    Muscle,
    Side,
    Technique,
)
from therapists.models import Therapist


class TreatmentNote(models.Model):
    """The SOAP note of one treatment: one per booking, written by the booking's therapist.

    Signing locks it (signed_at, signed_by): from then on it is never edited or deleted, and
    corrections are appended as amendments. The database refuses changes to a signed note, its
    treated trigger points and any amendment (triggers in migration 0002_locks).
    """

    booking = models.OneToOneField(Booking, on_delete=models.PROTECT, related_name="treatment_note")
    therapist = models.ForeignKey(
        Therapist, on_delete=models.PROTECT, related_name="treatment_notes"
    )
    subjective = models.TextField(blank=True, help_text="What the client reports.")
    objective = models.TextField(blank=True, help_text="What the therapist finds.")
    assessment = models.TextField(blank=True, help_text="Interpretation and response.")
    plan = models.TextField(blank=True, help_text="Frequency, home care, next visit.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["therapist", "signed_at", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(signed_at__isnull=True, signed_by__isnull=True)
                | models.Q(signed_at__isnull=False, signed_by__isnull=False),
                name="treatment_note_signed_at_and_by_together",
            ),
        ]

    def __str__(self) -> str:
        return f"Note {self.pk} for booking {self.booking_id}"

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None

    def written_by(self, user) -> bool:
        """Only the treating therapist writes a note (a staff login with no therapist
        profile never does)."""
        therapist = therapist_of(user)
        return therapist is not None and therapist.pk == self.therapist_id


class TreatedTriggerPoint(models.Model):
    """A trigger point treated at the visit: where, how, how hard, and the pain before/after."""

    treatment_note = models.ForeignKey(
        TreatmentNote, on_delete=models.CASCADE, related_name="treated_trigger_points"
    )
    muscle = models.CharField(max_length=40, choices=Muscle.choices)
    side = models.CharField(max_length=10, choices=Side.choices)
    technique = models.CharField(max_length=32, choices=Technique.choices)
    pressure = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(PRESSURE_MIN), MaxValueValidator(PRESSURE_MAX)],
        help_text=f"{PRESSURE_MIN} (light) to {PRESSURE_MAX} (very deep)",
    )
    pain_before = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(PAIN_MIN), MaxValueValidator(PAIN_MAX)]
    )
    pain_after = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(PAIN_MIN), MaxValueValidator(PAIN_MAX)]
    )
    referral_reproduced = models.BooleanField(
        default=False, help_text="Pressure on the point reproduced its referral pattern."
    )
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["treatment_note", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(pressure__gte=PRESSURE_MIN, pressure__lte=PRESSURE_MAX),
                name="treated_tp_pressure_range",
            ),
            models.CheckConstraint(
                condition=models.Q(pain_before__gte=PAIN_MIN, pain_before__lte=PAIN_MAX),
                name="treated_tp_pain_before_range",
            ),
            models.CheckConstraint(
                condition=models.Q(pain_after__gte=PAIN_MIN, pain_after__lte=PAIN_MAX),
                name="treated_tp_pain_after_range",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.get_muscle_display()} ({self.side}): {self.pain_before} -> {self.pain_after}/10"
        )


class Amendment(models.Model):
    """A dated correction appended to a signed note by its author; the original stays."""

    note = models.ForeignKey(TreatmentNote, on_delete=models.PROTECT, related_name="amendments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    text = models.TextField()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(text=""), name="amendment_text_not_empty"),
        ]

    def __str__(self) -> str:
        return f"Amendment {self.pk} to note {self.note_id}"
