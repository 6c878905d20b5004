from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower

from clinic.vocabulary import PAIN_MAX, PAIN_MIN, Muscle, Referral, Side


class Client(models.Model):
    """A client of the clinic; `user` is set when they have a login (front desk may omit it)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="client",
        null=True,
        blank=True,
    )
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    pronouns = models.CharField(max_length=40, blank=True)
    emergency_contact_name = models.CharField(max_length=120, blank=True)
    emergency_contact_phone = models.CharField(max_length=40, blank=True)
    marketing_consent = models.BooleanField(default=False)
    staff_notes = models.TextField(blank=True, help_text="Visible to clinic staff only.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                condition=~models.Q(email=""),
                name="client_email_unique_ci",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


PREGNANCY_WEEKS_MAX = 45


class PressurePreference(models.TextChoices):
    LIGHT = "light", "Light"
    MEDIUM = "medium", "Medium"
    FIRM = "firm", "Firm"
    DEEP = "deep", "Deep"


class Intake(models.Model):
    """One intake form as the client filled it in; a new one is added, older ones are kept."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="intakes")
    created_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who entered it: the client themself or the front desk.",
    )
    conditions = models.TextField(blank=True)
    medications = models.TextField(blank=True)
    allergies = models.TextField(blank=True)
    recent_injuries = models.TextField(blank=True)
    recent_surgery = models.TextField(blank=True)
    recent_surgery_date = models.DateField(null=True, blank=True)
    takes_anticoagulants = models.BooleanField(default=False)
    history_of_dvt = models.BooleanField(default=False)
    bleeding_disorder = models.BooleanField(default=False)
    fever_or_infection = models.BooleanField(default=False)
    osteoporosis = models.BooleanField(default=False)
    cancer_under_treatment = models.BooleanField(default=False)
    skin_condition = models.BooleanField(default=False)
    pregnant = models.BooleanField(default=False)
    pregnancy_weeks = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(PREGNANCY_WEEKS_MAX)]
    )
    high_risk_pregnancy = models.BooleanField(default=False)
    pressure_preference = models.CharField(
        max_length=16, choices=PressurePreference.choices, default=PressurePreference.MEDIUM
    )
    areas_of_concern = models.TextField(blank=True)
    consent_given = models.BooleanField(default=False)
    consent_version = models.CharField(max_length=40, blank=True)
    consent_signed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        get_latest_by = "created_at"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(consent_given=True, consent_signed_at__isnull=False)
                & ~models.Q(consent_version=""),
                name="intake_requires_consent",
            ),
            models.CheckConstraint(
                condition=models.Q(pregnant=True)
                | models.Q(pregnancy_weeks__isnull=True, high_risk_pregnancy=False),
                name="intake_pregnancy_details_only_when_pregnant",
            ),
            models.CheckConstraint(
                condition=models.Q(pregnancy_weeks__isnull=True)
                | models.Q(pregnancy_weeks__lte=PREGNANCY_WEEKS_MAX),
                name="intake_pregnancy_weeks_range",
            ),
        ]

    def __str__(self) -> str:
        return f"Intake {self.pk} for {self.client}"


class ReportedTriggerPoint(models.Model):
    """A trigger point the client feels, as reported on an intake."""

    intake = models.ForeignKey(
        Intake, on_delete=models.CASCADE, related_name="reported_trigger_points"
    )
    muscle = models.CharField(max_length=40, choices=Muscle.choices)
    side = models.CharField(max_length=10, choices=Side.choices)
    pain = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(PAIN_MIN), MaxValueValidator(PAIN_MAX)]
    )
    refers_to = models.CharField(max_length=16, choices=Referral.choices)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["intake", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(pain__gte=PAIN_MIN, pain__lte=PAIN_MAX),
                name="reported_tp_pain_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_muscle_display()} ({self.side}) {self.pain}/10"
