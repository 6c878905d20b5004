"""Shapes of charts on the wire: notes with their treated points, amendments and the client's
active contraindication flags; trigger point progress."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from bookings.models import Booking
from clients.api.serializers import FlagSerializer
from clients.selectors import active_flags_by_client
from clinic.api.fields import ModelSerializer
from clinic.vocabulary import Muscle, Side
from treatments.models import Amendment, TreatedTriggerPoint, TreatmentNote
from treatments.services import NO_SUCH_BOOKING

MAX_POINTS_PER_NOTE = 60


class TreatedTriggerPointSerializer(ModelSerializer):
    class Meta:
        model = TreatedTriggerPoint
        fields = [
            "id",
            "muscle",
            "side",
            "technique",
            "pressure",
            "pain_before",
            "pain_after",
            "referral_reproduced",
            "note",
        ]
        read_only_fields = ["id"]


class AmendmentSerializer(ModelSerializer):
    author_name = serializers.SerializerMethodField()

    class Meta:
        model = Amendment
        fields = ["id", "author", "author_name", "created_at", "text"]
        read_only_fields = ["id", "author", "author_name", "created_at"]

    def get_author_name(self, amendment) -> str:
        author = amendment.author
        therapist = getattr(author, "therapist", None)
        return therapist.display_name if therapist else author.get_full_name() or author.username


class TreatmentNoteListSerializer(serializers.ListSerializer):
    def to_representation(self, data):
        notes = list(data.all() if hasattr(data, "all") else data)
        # Every client's flags on the page in one query, not one per note.
        self.context["client_flags"] = active_flags_by_client(
            {note.booking.client_id for note in notes}
        )
        return super().to_representation(notes)


class TreatmentNoteSerializer(ModelSerializer):
    booking = serializers.PrimaryKeyRelatedField(
        queryset=Booking.objects.all(),
        error_messages={"does_not_exist": NO_SUCH_BOOKING},
        # A plain input: the browsable API would otherwise list every booking of the clinic.
        style={"base_template": "input.html"},
    )
    client = serializers.IntegerField(source="booking.client_id", read_only=True)
    client_name = serializers.CharField(source="booking.client.full_name", read_only=True)
    therapist_name = serializers.CharField(source="therapist.display_name", read_only=True)
    booking_start = serializers.DateTimeField(source="booking.start", read_only=True)
    treated_trigger_points = TreatedTriggerPointSerializer(
        many=True, required=False, max_length=MAX_POINTS_PER_NOTE
    )
    amendments = AmendmentSerializer(many=True, read_only=True)
    client_flags = serializers.SerializerMethodField(
        help_text="The client's active contraindication flags (latest intake), most severe first."
    )

    class Meta:
        model = TreatmentNote
        list_serializer_class = TreatmentNoteListSerializer
        fields = [
            "id",
            "booking",
            "booking_start",
            "client",
            "client_name",
            "therapist",
            "therapist_name",
            "client_flags",
            "subjective",
            "objective",
            "assessment",
            "plan",
            "treated_trigger_points",
            "amendments",
            "created_at",
            "updated_at",
            "signed_at",
            "signed_by",
        ]
        read_only_fields = ["therapist", "created_at", "updated_at", "signed_at", "signed_by"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance is not None and not isinstance(self.instance, list | tuple):
            self.fields["booking"].required = False  # a note stays with its booking

    def validate_booking(self, booking):
        note = self.instance
        if isinstance(note, TreatmentNote) and booking.pk != note.booking_id:
            raise serializers.ValidationError(
                "A note stays with its booking; write a new note for another booking."
            )
        return booking

    @extend_schema_field(FlagSerializer(many=True))
    def get_client_flags(self, note) -> list[dict]:
        client_id = note.booking.client_id
        flags = self.context.get("client_flags")
        if flags is None or client_id not in flags:
            flags = active_flags_by_client([client_id])
        return [flag.as_dict() for flag in flags[client_id]]


class AmendmentCreateSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=5000)


class ProgressPointSerializer(serializers.Serializer):
    at = serializers.DateTimeField(help_text="Intake time (reported) or booking start (treated).")
    source = serializers.ChoiceField(choices=["reported", "treated"])
    pain = serializers.IntegerField(allow_null=True, help_text="Reported at intake (0-10).")
    pain_before = serializers.IntegerField(allow_null=True, help_text="Treated: before (0-10).")
    pain_after = serializers.IntegerField(allow_null=True, help_text="Treated: after (0-10).")
    intake = serializers.IntegerField(allow_null=True)
    note = serializers.IntegerField(allow_null=True)
    signed = serializers.BooleanField(allow_null=True, help_text="Treated: is the note signed?")


class ProgressSeriesSerializer(serializers.Serializer):
    muscle = serializers.ChoiceField(choices=Muscle.choices)
    muscle_label = serializers.CharField()
    side = serializers.ChoiceField(choices=Side.choices)
    points = ProgressPointSerializer(many=True)


class TriggerPointProgressSerializer(serializers.Serializer):
    client = serializers.IntegerField()
    series = ProgressSeriesSerializer(many=True)
