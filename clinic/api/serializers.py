from decimal import Decimal

from rest_framework import serializers

from clinic.api.fields import ModelSerializer
from clinic.models import SERVICE_MAX_MINUTES, Clinic, Modality, Service, validate_timezone
from clinic.roles import is_admin


def whole_number(what: str, low: int, high: int, unit: str) -> dict:
    """Bounds for an integer field, with messages that say what the number is."""

    def amount(n: int) -> str:
        return f"{n} {unit.removesuffix('s') if n == 1 else unit}"

    return {
        "min_value": low,
        "max_value": high,
        "error_messages": {
            "invalid": f"{what} is a whole number of {unit}.",
            "min_value": f"{what} must be at least {amount(low)}.",
            "max_value": f"{what} must be at most {amount(high)}.",
        },
    }


class ClinicSerializer(ModelSerializer):
    timezone = serializers.CharField(
        max_length=64,
        validators=[validate_timezone],
        help_text="IANA time zone name, e.g. America/Toronto.",
    )
    cancellation_window_hours = serializers.IntegerField(
        **whole_number("The cancellation window", 0, 720, "hours")
    )
    reminder_offsets_hours = serializers.ListField(
        child=serializers.IntegerField(**whole_number("A reminder offset", 1, 720, "hours")),
        max_length=5,
        help_text="Hours before the appointment at which reminders go out, e.g. [24, 2].",
        error_messages={"max_length": "At most 5 reminders per booking."},
    )
    slot_interval_minutes = serializers.IntegerField(
        **whole_number("The slot interval", 5, 240, "minutes")
    )
    min_lead_time_minutes = serializers.IntegerField(
        **whole_number("The minimum lead time", 0, 60 * 24 * 30, "minutes")
    )
    booking_horizon_days = serializers.IntegerField(
        **whole_number("The booking horizon", 1, 730, "days")
    )
    note_overdue_hours = serializers.IntegerField(
        **whole_number("The overdue-note delay", 1, 720, "hours")
    )
    waitlist_hold_minutes = serializers.IntegerField(
        required=False, **whole_number("The waitlist hold", 5, 24 * 60, "minutes")
    )
    check_in_opens_minutes = serializers.IntegerField(
        required=False, **whole_number("Check-in", 0, 240, "minutes")
    )

    class Meta:
        model = Clinic
        fields = [
            "name",
            "address",
            "phone",
            "email",
            "timezone",
            "cancellation_window_hours",
            "reminder_offsets_hours",
            "slot_interval_minutes",
            "min_lead_time_minutes",
            "booking_horizon_days",
            "note_overdue_hours",
            "waitlist_hold_minutes",
            "require_staff_2fa",
            "check_in_opens_minutes",
        ]
        extra_kwargs = {"require_staff_2fa": {"required": False}}

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        if request is None or not is_admin(request.user):
            data.pop("require_staff_2fa")  # a setting for admins
        return data


class ServiceSerializer(ModelSerializer):
    modality = serializers.ChoiceField(
        choices=Modality.choices,
        error_messages={
            "invalid_choice": '"{input}" is not a modality; choose one of: '
            + ", ".join(Modality.values)
            + "."
        },
    )
    duration_minutes = serializers.IntegerField(
        **whole_number("The duration", 1, SERVICE_MAX_MINUTES, "minutes")
    )
    buffer_minutes = serializers.IntegerField(
        default=0, **whole_number("The buffer", 0, 240, "minutes")
    )
    price = serializers.DecimalField(
        max_digits=8,
        decimal_places=2,
        min_value=Decimal("0"),
        error_messages={
            "invalid": "The price must be a number, e.g. 95.00.",
            "min_value": "The price cannot be negative.",
            "max_decimal_places": "The price has at most 2 decimal places (cents).",
            "max_digits": "The price must be below 1,000,000.",
            "max_whole_digits": "The price must be below 1,000,000.",
        },
    )

    class Meta:
        model = Service
        fields = [
            "id",
            "name",
            "modality",
            "duration_minutes",
            "buffer_minutes",
            "price",
            "description",
            "active",
        ]
