"""Shapes of the client record and intakes on the wire: translation only, no decisions."""

from django.contrib.auth.validators import UnicodeUsernameValidator
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from clients.contraindications import FlagCode, Severity, flags_for_intake
from clients.models import (
    ANSWER_ITEMS,
    NONE_ANSWER,
    TEXT_ITEMS,
    Client,
    ConsentText,
    FlagResolution,
    Intake,
    ReportedTriggerPoint,
)
from clients.selectors import active_flags_of, latest_intake_of, may_see_staff_notes
from clinic.api.fields import DayField, InstantField, ModelSerializer
from clinic.models import clinic_timezone
from clinic.roles import is_admin

MAX_REPORTED_TRIGGER_POINTS = 60


def _clinic_tz(context: dict):
    """The clinic's zone, read once per serializer tree (lists ask for it once, not per row)."""
    if "clinic_tz" not in context:
        context["clinic_tz"] = clinic_timezone()
    return context["clinic_tz"]


def _clinic_today(context: dict):
    return timezone.localdate(timezone=_clinic_tz(context))


class ClinicDateTimeField(InstantField):
    """Answers in the clinic's time zone and reads a naive datetime as the clinic's wall time."""

    def default_timezone(self):
        return _clinic_tz(self.context)


class FlagSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=FlagCode.choices)
    severity = serializers.ChoiceField(choices=Severity.choices)
    label = serializers.CharField()


def _flags(intake, context: dict) -> list[dict]:
    return [flag.as_dict() for flag in flags_for_intake(intake, _clinic_today(context))]


class ReportedTriggerPointSerializer(ModelSerializer):
    class Meta:
        model = ReportedTriggerPoint
        fields = ["id", "muscle", "side", "pain", "refers_to", "note"]
        read_only_fields = ["id"]


TEXT_HELP = (
    f"Left out or empty: the previous intake's answer is carried forward. "
    f'"{NONE_ANSWER}" clears it.'
)
YES_NO_HELP = "Left out: the previous intake's answer is carried forward. false clears it."
VALUE_HELP = "Left out: the previous intake's answer is carried forward. null clears it."


class IntakeSerializer(ModelSerializer):
    """One intake form, with the trigger points the client reported and the flags it raises.

    A new intake starts from the previous one (`GET .../intakes/draft/` gives its answers in
    this shape): an item left out is carried forward, and only an explicit answer changes it
    (`false`, `"none"`, `null`, `[]`); `carried_forward` lists the items this form did not
    answer."""

    reported_trigger_points = ReportedTriggerPointSerializer(
        many=True,
        required=False,
        max_length=MAX_REPORTED_TRIGGER_POINTS,
        help_text="Left out: the previous intake's points are carried forward. [] means none.",
    )
    flags = serializers.SerializerMethodField()
    created_at = ClinicDateTimeField(read_only=True)
    based_on = serializers.IntegerField(
        source="based_on_id",
        required=False,
        allow_null=True,
        min_value=1,
        help_text=(
            "The intake this form started from (the draft's `based_on`; null: the first). "
            "Optional; when given and another intake was recorded since, the form is refused "
            "with 409 instead of overwriting the newer answers."
        ),
    )
    consent_signed_at = ClinicDateTimeField(
        required=False,
        allow_null=True,
        help_text="When consent was signed; the server sets now when it is not given.",
    )
    consent_given = serializers.BooleanField(
        help_text="Must be true: an intake without consent to treatment is refused."
    )
    consent_version = serializers.CharField(
        max_length=40,
        help_text=(
            "Which version of the consent text the client agreed to (the current one: "
            "GET /api/v1/consent-texts/current/)."
        ),
    )

    class Meta:
        model = Intake
        fields = [
            "id",
            "client",
            "created_at",
            "recorded_by",
            "based_on",
            "carried_forward",
            *ANSWER_ITEMS,
            "consent_given",
            "consent_version",
            "consent_signed_at",
            "reported_trigger_points",
            "flags",
        ]
        read_only_fields = ["id", "client", "created_at", "recorded_by"]
        extra_kwargs = {
            **{name: {"help_text": TEXT_HELP} for name in TEXT_ITEMS},
            **{
                name: {"help_text": YES_NO_HELP}
                for name in ANSWER_ITEMS
                if name not in TEXT_ITEMS and name not in ("recent_surgery_date", "pregnancy_weeks")
            },
            "recent_surgery_date": {"help_text": VALUE_HELP},
            "pregnancy_weeks": {"help_text": VALUE_HELP},
            "carried_forward": {"read_only": True},
        }

    @extend_schema_field(FlagSerializer(many=True))
    def get_flags(self, intake) -> list[dict]:
        return _flags(intake, self.context)

    def to_service(self) -> dict:
        """The validated form as `record_intake` takes it."""
        fields = dict(self.validated_data)
        if "based_on_id" in fields:
            fields["based_on"] = fields.pop("based_on_id")
        return fields


class IntakeDraftSerializer(IntakeSerializer):
    """A new intake form filled in with the client's answers so far, in the shape the create
    endpoint accepts: set `consent_given` (and change what changed), then POST it."""

    based_on = serializers.IntegerField(
        allow_null=True, help_text="The intake these answers come from (null: the first)."
    )
    consent_version = serializers.CharField(
        allow_null=True, help_text="The current consent text's version."
    )
    consent_given = serializers.BooleanField(help_text="Always false: consent is given anew.")

    class Meta(IntakeSerializer.Meta):
        fields = [
            "based_on",
            *ANSWER_ITEMS,
            "reported_trigger_points",
            "consent_given",
            "consent_version",
        ]
        read_only_fields = fields


class ConsentTextSerializer(ModelSerializer):
    published_at = ClinicDateTimeField(read_only=True)

    class Meta:
        model = ConsentText
        fields = ["id", "version", "text", "published_at"]
        read_only_fields = fields


class FlagResolutionSerializer(ModelSerializer):
    """A staff resolution of a contraindication flag: who cleared it, when and why. `standing`
    is true while it holds; a later intake that reports the condition again reactivates the
    flag (`reactivated_at`, `reactivated_by`: that intake)."""

    code = serializers.ChoiceField(choices=FlagCode.choices)
    label = serializers.CharField(source="get_code_display", read_only=True)
    reason = serializers.CharField(max_length=2000, help_text="Why the flag no longer applies.")
    resolved_by_name = serializers.SerializerMethodField()
    resolved_at = ClinicDateTimeField(read_only=True)
    reactivated_at = ClinicDateTimeField(read_only=True, allow_null=True)
    standing = serializers.BooleanField(read_only=True)

    class Meta:
        model = FlagResolution
        fields = [
            "id",
            "client",
            "code",
            "label",
            "reason",
            "intake",
            "resolved_by",
            "resolved_by_name",
            "resolved_at",
            "standing",
            "reactivated_at",
            "reactivated_by",
        ]
        read_only_fields = [
            "id",
            "client",
            "intake",
            "resolved_by",
            "resolved_at",
            "reactivated_at",
            "reactivated_by",
        ]

    def get_resolved_by_name(self, resolution) -> str:
        user = resolution.resolved_by
        return user.get_full_name() or user.get_username()


class IntakeSummarySerializer(ModelSerializer):
    """The latest intake as shown on the client record (the flags sit on the client)."""

    created_at = ClinicDateTimeField(read_only=True)
    consent_signed_at = ClinicDateTimeField(read_only=True)
    reported_trigger_points = ReportedTriggerPointSerializer(many=True, read_only=True)

    class Meta:
        model = Intake
        fields = [
            "id",
            "created_at",
            "conditions",
            "medications",
            "allergies",
            "recent_injuries",
            "recent_surgery",
            "recent_surgery_date",
            "pregnant",
            "pregnancy_weeks",
            "pressure_preference",
            "areas_of_concern",
            "consent_version",
            "consent_signed_at",
            "reported_trigger_points",
        ]
        read_only_fields = fields


class ClientSerializer(ModelSerializer):
    """A client record. `staff_notes` is answered to admins and therapists only (never to the
    client it is about) and only admins write it; `flags` are the active contraindication
    flags: those of the latest intake (answers carried forward included) that no standing staff
    resolution clears (`.../flag-resolutions/` holds the history)."""

    has_login = serializers.SerializerMethodField()
    flags = serializers.SerializerMethodField()
    created_at = ClinicDateTimeField(read_only=True)
    staff_notes = serializers.CharField(
        required=False, allow_blank=True, help_text="Admins and therapists only."
    )

    class Meta:
        model = Client
        fields = [
            "id",
            "first_name",
            "last_name",
            "email",
            "phone",
            "date_of_birth",
            "pronouns",
            "emergency_contact_name",
            "emergency_contact_phone",
            "marketing_consent",
            "staff_notes",
            "has_login",
            "created_at",
            "flags",
        ]
        read_only_fields = ["id", "has_login", "created_at", "flags"]

    def _viewer(self):
        request = self.context.get("request")
        return request.user if request is not None else None

    def get_has_login(self, client) -> bool:
        return client.user_id is not None

    @extend_schema_field(FlagSerializer(many=True))
    def get_flags(self, client) -> list[dict]:
        return [flag.as_dict() for flag in active_flags_of(client, _clinic_today(self.context))]

    def validate(self, attrs):
        if "staff_notes" in attrs and not is_admin(self._viewer()):
            # A client's own edits never reach the staff's notes about them.
            attrs.pop("staff_notes")
        return attrs

    def to_representation(self, client):
        data = super().to_representation(client)
        viewer = self._viewer()
        if viewer is None or not may_see_staff_notes(viewer, client):
            data.pop("staff_notes", None)
        return data


class ClientDetailSerializer(ClientSerializer):
    """The client record with a summary of their latest intake."""

    latest_intake = serializers.SerializerMethodField()

    class Meta(ClientSerializer.Meta):
        fields = [*ClientSerializer.Meta.fields, "latest_intake"]
        read_only_fields = [*ClientSerializer.Meta.read_only_fields, "latest_intake"]

    @extend_schema_field(IntakeSummarySerializer(allow_null=True))
    def get_latest_intake(self, client) -> dict | None:
        intake = latest_intake_of(client)
        if intake is None:
            return None
        return IntakeSummarySerializer(intake, context=self.context).data


class RegisterSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150, validators=[UnicodeUsernameValidator()])
    password = serializers.CharField(write_only=True, style={"input_type": "password"})
    email = serializers.EmailField()
    first_name = serializers.CharField(max_length=100)
    last_name = serializers.CharField(max_length=100)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    date_of_birth = DayField(required=False, allow_null=True)
