from rest_framework import serializers

from clinic.api.fields import TIME_OFF, ModelSerializer
from clinic.models import Modality, Service
from therapists.models import Therapist, TimeOff, WorkingHours

# Shown only to admins and to the therapist themself.
PRIVATE_FIELDS = (
    "username",
    "email",
    "license_number",
    "license_expires_on",
    "email_booking_notices",
)
# Changed only by admins: a therapist cannot extend their own license or reactivate themself.
ADMIN_ONLY_FIELDS = ("license_number", "license_expires_on", "active")


class TherapistSerializer(ModelSerializer):
    """A therapist's profile. `username`, `email`, `license_number` and `license_expires_on`
    are shown to admins and to the therapist themself only."""

    username = serializers.CharField(source="user.username", read_only=True)
    email = serializers.EmailField(source="user.email", required=False)
    modalities = serializers.ListField(
        child=serializers.CharField(), required=False, help_text=", ".join(Modality.values)
    )
    services = serializers.PrimaryKeyRelatedField(
        many=True,
        required=False,
        queryset=Service.objects.all(),
        help_text="Ids of the services they offer (only of modalities they practise).",
        error_messages={"does_not_exist": "There is no service with id {pk_value}."},
    )

    class Meta:
        model = Therapist
        fields = [
            "id",
            "display_name",
            "bio",
            "photo_url",
            "modalities",
            "services",
            "active",
            "username",
            "email",
            "license_number",
            "license_expires_on",
            "email_booking_notices",
        ]
        # The service checks the license number's uniqueness and answers on that field.
        validators: list = []

    def validate_modalities(self, value):
        unknown = [m for m in value if m not in Modality.values]
        if unknown:
            raise serializers.ValidationError(
                [
                    f'"{m}" is not a modality; choose from: {", ".join(Modality.values)}.'
                    for m in unknown
                ]
            )
        return value

    def to_representation(self, instance):
        data = super().to_representation(instance)
        show_private = self.context.get("show_private")
        if show_private is None or not show_private(instance):
            for field in PRIVATE_FIELDS:
                data.pop(field, None)
        return data


class TherapistCreateSerializer(TherapistSerializer):
    """An admin creates a therapist with their login: `username`, `email`, `password`."""

    username = serializers.CharField(max_length=150)
    email = serializers.EmailField()
    password = serializers.CharField(write_only=True, style={"input_type": "password"})

    class Meta(TherapistSerializer.Meta):
        fields = [*TherapistSerializer.Meta.fields, "password"]


class WorkingHoursSerializer(ModelSerializer):
    weekday = serializers.IntegerField(
        min_value=0,
        max_value=6,
        help_text="0 = Monday ... 6 = Sunday",
        error_messages={
            "invalid": "The weekday is a number from 0 (Monday) to 6 (Sunday).",
            "min_value": "The weekday is a number from 0 (Monday) to 6 (Sunday).",
            "max_value": "The weekday is a number from 0 (Monday) to 6 (Sunday).",
        },
    )

    class Meta:
        model = WorkingHours
        fields = ["id", "therapist", "weekday", "start_time", "end_time"]
        read_only_fields = ["therapist"]


class TimeOffSerializer(ModelSerializer):
    class Meta:
        model = TimeOff
        fields = ["id", "therapist", "start", "end", "reason"]
        read_only_fields = ["therapist"]
        extra_kwargs = {"start": {"window": TIME_OFF}, "end": {"window": TIME_OFF}}


class CalendarLinkSerializer(serializers.Serializer):
    calendar_url = serializers.URLField()
