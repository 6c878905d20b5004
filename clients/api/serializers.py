from django.utils import timezone
from rest_framework import serializers

from clients.models import Client


def validate_not_future(value):
    if value and value > timezone.localdate():
        raise serializers.ValidationError("Date of birth cannot be in the future.")
    return value


class ClientSerializer(serializers.ModelSerializer):
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
        ]
        read_only_fields = ["id"]

    def validate_date_of_birth(self, value):
        return validate_not_future(value)


class RegisterSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(write_only=True, style={"input_type": "password"})
    email = serializers.EmailField()
    first_name = serializers.CharField(max_length=100)
    last_name = serializers.CharField(max_length=100)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    date_of_birth = serializers.DateField(required=False, allow_null=True)

    def validate_date_of_birth(self, value):
        return validate_not_future(value)
