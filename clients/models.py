from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower

from clients.contraindications import FlagCode
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


class ConsentText(models.Model):
    """A version of the consent to treatment a client agrees to. Intakes name the version they
    signed (a foreign key in the database), so a version once signed is never deleted and its
    text never changes (a database trigger refuses both): publish a new version instead."""

    version = models.CharField(max_length=40, unique=True)
    text = models.TextField()
    published_at = models.DateTimeField(
        help_text="From when clients sign this version; the newest published one is current."
    )

    class Meta:
        ordering = ["-published_at", "-id"]
        get_latest_by = "published_at"
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(version="") & ~models.Q(text=""),
                name="consent_text_not_blank",
            ),
        ]

    def __str__(self) -> str:
        return self.version


class Intake(models.Model):
    """One intake form as the client filled it in; a new one is added, older ones are kept.

    A new intake starts from the previous one: an item the form leaves unanswered carries the
    earlier answer forward (its name is kept in `carried_forward`, `based_on` names the intake
    it came from), so every intake holds the client's full current answers."""

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
    # The version of the consent text signed: a foreign key to ConsentText.version in the
    # database (clients migration 0003: a signed version cannot be deleted), a plain string here.
    consent_version = models.CharField(max_length=40, blank=True)
    consent_signed_at = models.DateTimeField(null=True, blank=True)
    based_on = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The previous intake, whose answers this one started from.",
    )
    carried_forward = ArrayField(
        models.CharField(max_length=40),
        default=list,
        blank=True,
        help_text="The items this form left unanswered, carried forward from `based_on`.",
    )

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


# The items of an intake form, by kind. An item a new form leaves unanswered carries the previous
# intake's answer forward; only an explicit answer changes it (clients.services.record_intake).
TEXT_ITEMS = (
    "conditions",
    "medications",
    "allergies",
    "recent_injuries",
    "recent_surgery",
    "areas_of_concern",
)
YES_NO_ITEMS = (
    "takes_anticoagulants",
    "history_of_dvt",
    "bleeding_disorder",
    "fever_or_infection",
    "osteoporosis",
    "cancer_under_treatment",
    "skin_condition",
    "pregnant",
    "high_risk_pregnancy",
)
VALUE_ITEMS = ("recent_surgery_date", "pregnancy_weeks", "pressure_preference")
ANSWER_ITEMS = TEXT_ITEMS + YES_NO_ITEMS + VALUE_ITEMS
TRIGGER_POINTS_ITEM = "reported_trigger_points"
# A text item answered with this word (any case) is explicitly "none": it clears the earlier
# answer, where an empty or missing answer carries it forward.
NONE_ANSWER = "none"


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


class FlagResolution(models.Model):
    """A staff member cleared a contraindication flag: who, when and why. While it stands
    (`reactivated_at` is empty) the flag is not active; a later intake that reports the
    condition again (answers it on the form, not carried forward) reactivates the flag and
    closes the resolution, which stays in the history."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="flag_resolutions")
    code = models.CharField(max_length=40, choices=FlagCode.choices)
    intake = models.ForeignKey(
        Intake,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="The latest intake when the flag was resolved (the one that raised it).",
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField()
    reason = models.TextField()
    reactivated_by = models.ForeignKey(
        Intake,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text="The later intake that reported the condition again.",
    )
    reactivated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-resolved_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "code"],
                condition=models.Q(reactivated_at__isnull=True),
                name="flag_resolution_one_standing",
            ),
            models.CheckConstraint(condition=~models.Q(reason=""), name="flag_resolution_reason"),
            models.CheckConstraint(
                condition=models.Q(reactivated_at__isnull=True, reactivated_by__isnull=True)
                | models.Q(reactivated_at__isnull=False, reactivated_by__isnull=False),
                name="flag_resolution_reactivation_whole",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} resolved for {self.client}"

    @property
    def standing(self) -> bool:
        return self.reactivated_at is None
