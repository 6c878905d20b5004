from rest_framework import serializers

from clinic.models import Clinic, Service


class ClinicSerializer(serializers.ModelSerializer):
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
        ]


class ServiceSerializer(serializers.ModelSerializer):
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
