"""Shapes of the bookings API: translate, never decide (the rules live in bookings.services)."""

import copy
from datetime import date, datetime, time, timedelta

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from bookings.models import (
    MAX_EVERY_WEEKS,
    MAX_SERIES_VISITS,
    Booking,
    BookingEvent,
    BookingSeries,
    CancelledBy,
    Room,
    SeriesMode,
)
from clients.api.serializers import FlagSerializer
from clients.models import Client
from clinic.api.fields import (
    BOOKING_START,
    NEAR_TODAY,
    DayField,
    InstantField,
    KnownPrimaryKeyRelatedField,
    ModelSerializer,
    PrimaryKeyRelatedField,
)
from clinic.models import Service
from therapists.models import Therapist

MAX_AVAILABILITY_DAYS = 62

NAIVE_NOTE = (
    "ISO 8601. A datetime without an offset is read as the clinic's local time (its time zone "
    "is `timezone` at /api/v1/clinic/)."
)


class BookingEventSerializer(ModelSerializer):
    actor = serializers.CharField(source="actor.username", default=None, read_only=True)
    # Plain strings: the status values are the booking's `status` enum.
    from_status = serializers.CharField(read_only=True)
    to_status = serializers.CharField(read_only=True)

    class Meta:
        model = BookingEvent
        fields = ["at", "actor", "from_status", "to_status", "reason", "from_start", "to_start"]
        read_only_fields = fields


class BlankAsNullChoiceField(serializers.ChoiceField):
    """A choice the model stores as "" when it does not apply: answered as null."""

    def to_representation(self, value):
        return super().to_representation(value) if value else None


class BookingSerializer(ModelSerializer):
    """A booking. `flags` (the client's contraindications) and `events` (history) are for
    staff only: the booking's therapist and admins."""

    cancelled_by = BlankAsNullChoiceField(
        choices=CancelledBy.choices,
        allow_null=True,
        read_only=True,
        help_text="Who initiated the cancellation: `client` or `clinic`; null unless cancelled.",
    )
    flags = serializers.SerializerMethodField()
    events = BookingEventSerializer(many=True, read_only=True, required=False)

    STAFF_ONLY = ("flags", "events")

    class Meta:
        model = Booking
        fields = [
            "id",
            "therapist",
            "client",
            "service",
            "room",
            "series",
            "start",
            "end",
            "status",
            "notes",
            "late_cancellation",
            "cancel_reason",
            "cancelled_by",
            "late_change",
            "price",
            "created_at",
            "flags",
            "events",
        ]
        read_only_fields = fields

    @extend_schema_field(FlagSerializer(many=True, required=False))
    def get_flags(self, booking):
        flags = self.context.get("flags", {}).get(booking.client_id, [])
        return [flag.as_dict() for flag in flags]

    def get_fields(self):
        # The schema declares every field any role receives (staff-only ones are optional).
        describing = getattr(self.context.get("view"), "swagger_fake_view", False)
        staff = bool(self.context.get("staff", True) or describing)
        # Built from the model once per class and audience, then copied for each serializer
        # (as DRF copies declared fields): building them is most of answering one booking.
        key = (type(self), staff)
        built = _BUILT_FIELDS.get(key)
        if built is None:
            built = super().get_fields()
            if not staff:
                for name in self.STAFF_ONLY:
                    built.pop(name, None)
            _BUILT_FIELDS[key] = built
        return copy.deepcopy(built)


_BUILT_FIELDS: dict = {}


class BookingCreateSerializer(serializers.Serializer):
    # The view reads both (and the clinic) in one statement first: `context["known"]`.
    therapist = KnownPrimaryKeyRelatedField(queryset=Therapist.objects.all())
    service = KnownPrimaryKeyRelatedField(queryset=Service.objects.all())
    client = PrimaryKeyRelatedField(
        queryset=Client.objects.all(),
        required=False,
        help_text="Admins only: whom the booking is for. A client books for themselves.",
    )
    start = InstantField(help_text=NAIVE_NOTE, window=BOOKING_START)
    notes = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    room = PrimaryKeyRelatedField(
        queryset=Room.objects.all(),
        required=False,
        help_text=(
            "Admins only: the treatment room (it must suit the service). Left out, the first "
            "free suitable room is assigned when the clinic has rooms."
        ),
    )

    def __init__(self, *args, clients=None, **kwargs):
        super().__init__(*args, **kwargs)
        if clients is not None:
            self.fields["client"].queryset = clients


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)
    initiated_by = serializers.ChoiceField(
        choices=CancelledBy.choices,
        required=False,
        help_text="Admins: who asked for the cancellation (a client's phone call is `client`; "
        "default `clinic`). A client cancelling is always `client`.",
    )


class RescheduleSerializer(serializers.Serializer):
    start = InstantField(help_text=NAIVE_NOTE, window=BOOKING_START)
    therapist = serializers.PrimaryKeyRelatedField(
        queryset=Therapist.objects.all(), required=False, help_text="Move to this therapist."
    )
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)


@extend_schema_field(OpenApiTypes.DATETIME)
class DateOrDateTimeField(serializers.Field):
    """A date (`2026-03-09`) or a datetime (`2026-03-09T10:00`, naive = clinic time)."""

    def __init__(self, *, end_of_day: bool = False, **kwargs):
        self.end_of_day = end_of_day
        super().__init__(**kwargs)

    def to_internal_value(self, value):
        if isinstance(value, str) and len(value.strip()) == 10:
            day = DayField(window=NEAR_TODAY).run_validation(value.strip())
            if self.end_of_day:
                day = day + timedelta(days=1)
            return local_midnight(day)
        return InstantField(window=NEAR_TODAY).run_validation(value)

    def to_representation(self, value):
        return value.isoformat()


def local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=timezone.get_current_timezone())


class AvailabilityQuerySerializer(serializers.Serializer):
    service = serializers.PrimaryKeyRelatedField(queryset=Service.objects.all())
    start = DateOrDateTimeField(help_text="From this date (its local midnight) or datetime.")
    end = DateOrDateTimeField(
        end_of_day=True,
        help_text=(
            "Up to this date (inclusive: the whole day) or datetime (exclusive). At most "
            f"{MAX_AVAILABILITY_DAYS} days after start."
        ),
    )
    therapist = serializers.PrimaryKeyRelatedField(queryset=Therapist.objects.all(), required=False)
    client = serializers.PrimaryKeyRelatedField(
        queryset=Client.objects.all(),
        required=False,
        help_text="Staff: leave out the times this client is already booked (a client's own "
        "are always left out).",
    )

    def validate_service(self, service):
        if not service.active:
            raise serializers.ValidationError("This service is no longer offered.")
        return service

    def validate(self, attrs):
        if attrs["end"] <= attrs["start"]:
            raise serializers.ValidationError({"end": ["End must be after start."]})
        if attrs["end"] - attrs["start"] > timedelta(days=MAX_AVAILABILITY_DAYS):
            raise serializers.ValidationError(
                {"end": [f"Ask for at most {MAX_AVAILABILITY_DAYS} days at a time."]}
            )
        return attrs


class SlotSerializer(serializers.Serializer):
    therapist = serializers.IntegerField()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()


class AvailabilitySerializer(serializers.Serializer):
    results = SlotSerializer(many=True)


class RoomSerializer(ModelSerializer):
    """A treatment room and the services it suits."""

    services = serializers.PrimaryKeyRelatedField(
        queryset=Service.objects.all(), many=True, required=False
    )

    class Meta:
        model = Room
        fields = ["id", "name", "active", "services"]


class SeriesCreateSerializer(serializers.Serializer):
    therapist = serializers.PrimaryKeyRelatedField(queryset=Therapist.objects.all())
    service = serializers.PrimaryKeyRelatedField(queryset=Service.objects.all())
    client = serializers.PrimaryKeyRelatedField(
        queryset=Client.objects.all(),
        required=False,
        help_text="Admins only: whom the series is for. A client books for themselves.",
    )
    start = InstantField(help_text="The first visit. " + NAIVE_NOTE, window=BOOKING_START)
    every_weeks = serializers.IntegerField(
        default=1, help_text=f"1 = weekly, up to {MAX_EVERY_WEEKS}."
    )
    count = serializers.IntegerField(
        required=False, help_text=f"How many visits (1 to {MAX_SERIES_VISITS}); or give `until`."
    )
    until = DayField(
        window=NEAR_TODAY,
        required=False,
        help_text="The last possible visit date (inclusive); or give `count`.",
    )
    mode = serializers.ChoiceField(choices=SeriesMode.choices, default=SeriesMode.ALL_OR_NOTHING)
    notes = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)

    def __init__(self, *args, clients=None, **kwargs):
        super().__init__(*args, **kwargs)
        if clients is not None:
            self.fields["client"].queryset = clients


class CollidedSerializer(serializers.Serializer):
    start = serializers.DateTimeField()
    reason = serializers.CharField()


class SeriesSerializer(ModelSerializer):
    """A series and its bookings (flags and history are on each booking's own page)."""

    bookings = BookingSerializer(many=True, read_only=True)

    class Meta:
        model = BookingSeries
        fields = [
            "id",
            "client",
            "therapist",
            "service",
            "start",
            "every_weeks",
            "count",
            "until",
            "mode",
            "created_at",
            "bookings",
        ]
        read_only_fields = fields


class SeriesCreatedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    booked = BookingSerializer(many=True)
    collided = CollidedSerializer(many=True)


class SeriesConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()
    conflict = serializers.CharField(help_text="`series`: the visits in `collided` collided.")
    collided = CollidedSerializer(many=True)


class SeriesCancelSerializer(serializers.Serializer):
    # The contract's field is `from`, a Python keyword: declared through the class namespace.
    vars()["from"] = InstantField(
        help_text="Cancel the visits starting at or after this (required: a series is never "
        "cancelled whole by omission; send now to cancel what is left). " + NAIVE_NOTE,
        error_messages={"required": "Say from when to cancel the series (`from`)."},
    )
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)
    initiated_by = serializers.ChoiceField(
        choices=CancelledBy.choices,
        required=False,
        help_text="Admins: who asked for it (a client's phone call is `client`; default "
        "`clinic`). A client cancelling is always `client`.",
    )
