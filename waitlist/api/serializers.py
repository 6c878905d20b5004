"""Shapes of the waitlist API: translate, never decide (the rules live in waitlist.services)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from clients.models import Client
from clinic.api.fields import WAITLIST_DAYS, ModelSerializer
from therapists.models import Therapist
from waitlist.models import WaitlistEntry, WaitlistOffer


class WaitlistEntrySerializer(ModelSerializer):
    """A place on the waitlist. Dates and times are the clinic's local ones; `weekdays` are
    0 (Monday) to 6 (Sunday), empty for any day; an appointment must start in
    [time_from, time_to)."""

    client = serializers.PrimaryKeyRelatedField(
        queryset=Client.objects.all(),
        required=False,
        help_text="Admins only: who waits. A client joins for themselves.",
    )
    therapist = serializers.PrimaryKeyRelatedField(
        queryset=Therapist.objects.all(), required=False, allow_null=True
    )
    weekdays = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=6),
        required=False,
        max_length=7,
        default=list,
    )

    class Meta:
        model = WaitlistEntry
        fields = [
            "id",
            "client",
            "service",
            "therapist",
            "earliest_date",
            "latest_date",
            "weekdays",
            "time_from",
            "time_to",
            "status",
            "created_at",
        ]
        read_only_fields = ["id", "status", "created_at"]
        extra_kwargs = {
            "earliest_date": {"window": WAITLIST_DAYS},
            "latest_date": {"window": WAITLIST_DAYS},
        }

    def __init__(self, *args, clients=None, **kwargs):
        super().__init__(*args, **kwargs)
        if clients is not None:
            self.fields["client"].queryset = clients


class WaitlistOfferSerializer(ModelSerializer):
    client = serializers.IntegerField(source="entry.client_id", read_only=True)
    service = serializers.IntegerField(source="entry.service_id", read_only=True)
    end = serializers.SerializerMethodField()

    class Meta:
        model = WaitlistOffer
        fields = [
            "id",
            "entry",
            "client",
            "service",
            "therapist",
            "start",
            "end",
            "hold_until",
            "status",
            "booking",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_end(self, offer):
        return serializers.DateTimeField().to_representation(
            offer.start + offer.entry.service.duration
        )
