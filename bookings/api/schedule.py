"""The API of everything a schedule change touches: therapist profiles, their working hours
and time off, the service catalogue and treatment rooms.

They live here, above bookings, because every change to them goes through `bookings.schedule`,
which refuses a change that would strand booked clients (409 listing them) unless the request
says what to do with them: `affected_bookings` (`cancel` or `keep`) and an optional
`cancel_reason` in the body, or as query parameters of a DELETE. A write's answer lists the
bookings it concerned (`affected_bookings`, each with its `outcome`)."""

from django.db.models import Prefetch, Q
from django.shortcuts import get_object_or_404
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import build_array_type
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import generics, permissions, serializers, status, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.fields import SkipField
from rest_framework.response import Response

from bookings import schedule
from bookings.api import serializers as booking_serializers
from bookings.availability import Reason
from bookings.models import Room
from bookings.schedule import Decision, Outcome, StrandedBookings
from clinic.api import serializers as clinic_serializers
from clinic.api.fields import InstantField
from clinic.api.filters import ServiceFilter
from clinic.api.permissions import IsAdmin, IsAdminOrReadOnly
from clinic.models import Clinic, Service
from clinic.roles import is_admin, therapist_of
from therapists import services as therapist_services
from therapists.api import serializers as therapist_serializers
from therapists.api.filters import TherapistFilter, TimeOffFilter, WorkingHoursFilter
from therapists.api.permissions import TherapistProfilePermission
from therapists.models import Therapist, TimeOff, WorkingHours

DECISION_HELP = (
    "What to do with future active bookings this change would leave outside the schedule: "
    "`cancel` (clinic cancellations: each client is told, the waitlist is offered the time) or "
    "`keep` (they stay booked and are listed for the front desk). Without it such a change is "
    "refused with 409 listing them."
)
FIELD_HELP = (
    "In a request: " + DECISION_HELP + " In the answer to a write: the future bookings it "
    "concerned and what happened to each (`outcome`); `[]` when none."
)
REASON_HELP = "Why the clinic cancels (told to each client); by default the booking's problem."
PROBLEMS = [Reason(code).value for code in schedule.PROBLEMS]


# --- Shapes --------------------------------------------------------------------------------


class AffectedBookingSerializer(serializers.Serializer):
    """A future active booking a schedule change concerns."""

    id = serializers.IntegerField(source="booking.pk", read_only=True)
    start = InstantField(source="booking.start", read_only=True)
    end = InstantField(source="booking.end", read_only=True)
    status = serializers.CharField(source="booking.status", read_only=True)
    client = serializers.IntegerField(source="booking.client_id", read_only=True)
    client_name = serializers.CharField(source="booking.client", read_only=True)
    therapist = serializers.IntegerField(source="booking.therapist_id", read_only=True)
    therapist_name = serializers.CharField(source="booking.therapist", read_only=True)
    service = serializers.IntegerField(source="booking.service_id", read_only=True)
    service_name = serializers.CharField(source="booking.service", read_only=True)
    room = serializers.IntegerField(source="booking.room_id", read_only=True, allow_null=True)
    problem = serializers.ChoiceField(
        choices=PROBLEMS, read_only=True, help_text="Why the booking no longer fits."
    )
    explanation = serializers.CharField(read_only=True, help_text="The problem, for people.")
    outcome = serializers.ChoiceField(
        choices=Outcome.choices,
        read_only=True,
        allow_null=True,
        help_text="What happened to it: `cancelled`, `kept`, or `needs_room` (booked before the "
        "clinic had rooms, none free); null in a 409 (nothing happened).",
    )


AFFECTED_CONFLICT = inline_serializer(
    "AffectedBookingsConflict",
    {
        "detail": serializers.CharField(help_text="What to send, for people."),
        "conflict": serializers.CharField(help_text="`affected_bookings`."),
        "affected_bookings": AffectedBookingSerializer(many=True),
    },
)
AFFECTED_ANSWER = inline_serializer(
    "AffectedBookingsAnswer", {"affected_bookings": AffectedBookingSerializer(many=True)}
)


class AffectedBookingsField(serializers.Field):
    """In a request: what to do with the bookings the change would strand (`cancel` or
    `keep`). In the answer to a write: the bookings it concerned (none: `[]`)."""

    default_error_messages = {
        "invalid_choice": '"{input}" is not a choice: send "cancel" or "keep".'
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", FIELD_HELP)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str) or data not in Decision.values:
            self.fail("invalid_choice", input=str(data)[:40])
        return data

    def get_attribute(self, instance):
        if "affected_bookings" not in self.context:
            raise SkipField  # a read: nothing was changed
        return self.context["affected_bookings"]

    def to_representation(self, value):
        return AffectedBookingSerializer(value, many=True).data


class AffectedBookingsFieldSchema(OpenApiSerializerFieldExtension):
    target_class = AffectedBookingsField

    def map_serializer_field(self, auto_schema, direction):
        if direction == "request":
            return {"type": "string", "enum": Decision.values}
        component = auto_schema.resolve_serializer(AffectedBookingSerializer, direction)
        return build_array_type(component.ref)


class DecisionSerializer(serializers.Serializer):
    """What to do with stranded bookings, as a DELETE's query parameters."""

    affected_bookings = AffectedBookingsField(help_text=DECISION_HELP)
    cancel_reason = serializers.CharField(
        required=False, allow_blank=True, max_length=300, help_text=REASON_HELP
    )


DECISION_PARAMETERS = [
    OpenApiParameter(
        "affected_bookings", OpenApiTypes.STR, enum=Decision.values, description=DECISION_HELP
    ),
    OpenApiParameter("cancel_reason", OpenApiTypes.STR, description=REASON_HELP),
]


class Guarded(serializers.Serializer):
    """The two request fields every guarded write takes (mixed into its model serializer)."""

    affected_bookings = AffectedBookingsField()
    cancel_reason = serializers.CharField(
        required=False, allow_blank=True, max_length=300, write_only=True, help_text=REASON_HELP
    )

    GUARD_FIELDS = ["affected_bookings", "cancel_reason"]


class TherapistSerializer(Guarded, therapist_serializers.TherapistSerializer):
    class Meta(therapist_serializers.TherapistSerializer.Meta):
        fields = [*therapist_serializers.TherapistSerializer.Meta.fields, *Guarded.GUARD_FIELDS]


class WorkingHoursSerializer(Guarded, therapist_serializers.WorkingHoursSerializer):
    class Meta(therapist_serializers.WorkingHoursSerializer.Meta):
        fields = [*therapist_serializers.WorkingHoursSerializer.Meta.fields, *Guarded.GUARD_FIELDS]


class TimeOffSerializer(Guarded, therapist_serializers.TimeOffSerializer):
    class Meta(therapist_serializers.TimeOffSerializer.Meta):
        fields = [*therapist_serializers.TimeOffSerializer.Meta.fields, *Guarded.GUARD_FIELDS]


class ServiceSerializer(Guarded, clinic_serializers.ServiceSerializer):
    class Meta(clinic_serializers.ServiceSerializer.Meta):
        fields = [*clinic_serializers.ServiceSerializer.Meta.fields, *Guarded.GUARD_FIELDS]


class ClinicSerializer(Guarded, clinic_serializers.ClinicSerializer):
    class Meta(clinic_serializers.ClinicSerializer.Meta):
        fields = [*clinic_serializers.ClinicSerializer.Meta.fields, *Guarded.GUARD_FIELDS]


class RoomSerializer(Guarded, booking_serializers.RoomSerializer):
    class Meta(booking_serializers.RoomSerializer.Meta):
        fields = [*booking_serializers.RoomSerializer.Meta.fields, *Guarded.GUARD_FIELDS]


# --- The guard, for views -----------------------------------------------------------------


def guarded_responses(ok: dict, description: str = "") -> dict:
    """`extend_schema` arguments: the operation's answers plus the 409 listing bookings."""
    return {"responses": {**ok, 409: AFFECTED_CONFLICT}, "description": description}


class GuardedWrites:
    """Turns `StrandedBookings` into its 409 and hands the request's decision to the service."""

    def handle_exception(self, exc):
        if isinstance(exc, StrandedBookings):
            body = {
                "detail": exc.message,
                "conflict": exc.code,
                "affected_bookings": AffectedBookingSerializer(exc.affected, many=True).data,
            }
            return Response(body, status=status.HTTP_409_CONFLICT)
        return super().handle_exception(exc)

    def take_decision(self, data: dict) -> dict:
        """The decision fields out of validated data, as the schedule services' arguments."""
        return {
            "affected_bookings": data.pop("affected_bookings", None),
            "cancel_reason": data.pop("cancel_reason", ""),
            "actor": self.request.user,
        }

    def query_decision(self) -> dict:
        serializer = DecisionSerializer(data=self.request.query_params)
        serializer.is_valid(raise_exception=True)
        return self.take_decision(dict(serializer.validated_data))

    def answer(self, serializer, change) -> None:
        serializer.instance = change.result
        serializer.context["affected_bookings"] = change.affected

    def affected_answer(self, change) -> Response:
        """A DELETE: 204 when it concerned nobody, else 200 listing the bookings."""
        if not change.affected:
            return Response(status=status.HTTP_204_NO_CONTENT)
        body = {"affected_bookings": AffectedBookingSerializer(change.affected, many=True).data}
        return Response(body, status=status.HTTP_200_OK)


# --- Therapists ----------------------------------------------------------------------------


def _profile_changes(validated_data: dict) -> dict:
    """The serializer nests `email` under `user` (its source); the service takes it flat."""
    data = dict(validated_data)
    user = data.pop("user", {})
    if "email" in user:
        data["email"] = user["email"]
    return data


@extend_schema_view(
    create=extend_schema(
        request=therapist_serializers.TherapistCreateSerializer,
        responses={201: TherapistSerializer},
        description="An admin creates a therapist and their login in one call (all or nothing).",
    ),
    update=extend_schema(
        **guarded_responses(
            {200: TherapistSerializer},
            "Deactivating a therapist, dropping a service or modality, or a licence ending "
            "before their booked visits is refused (409 listing the bookings) unless "
            "`affected_bookings` says what to do with them.",
        )
    ),
    partial_update=extend_schema(
        **guarded_responses(
            {200: TherapistSerializer},
            "As PUT: a change that would strand booked clients needs `affected_bookings`.",
        )
    ),
    destroy=extend_schema(
        parameters=DECISION_PARAMETERS,
        **guarded_responses(
            {200: TherapistSerializer, 204: None},
            "Deletes a therapist nobody has booked, with their login (204). One who has "
            "bookings is deactivated instead and the answer is their profile (200); future "
            "active bookings need `affected_bookings` (else 409 listing them).",
        ),
    ),
)
class TherapistViewSet(GuardedWrites, viewsets.ModelViewSet):
    """Therapist profiles. Anyone reads the public profile of active therapists; admins and
    the therapist themself also see the login and license fields. Admins write; a therapist
    edits their own profile (but not their license or whether they are active)."""

    permission_classes = [TherapistProfilePermission]
    filterset_class = TherapistFilter
    search_fields = ["display_name"]
    ordering_fields = ["display_name"]

    def me(self):
        if not hasattr(self, "_me"):
            self._me = therapist_of(self.request.user)
        return self._me

    def get_queryset(self):
        user = self.request.user
        offered = Service.objects.only("id")
        if not is_admin(user):
            offered = offered.filter(active=True)  # what a client can book with them
        therapists = Therapist.objects.select_related("user").prefetch_related(
            Prefetch("services", queryset=offered)
        )
        if is_admin(user):
            return therapists
        me = self.me()
        if self.action == "list" or me is None:
            return therapists.filter(active=True)
        return therapists.filter(Q(active=True) | Q(pk=me.pk))

    def get_serializer_class(self):
        if self.action == "create":
            return therapist_serializers.TherapistCreateSerializer
        return TherapistSerializer

    def get_serializer_context(self):
        context = super().get_serializer_context()
        admin = is_admin(self.request.user)
        me = self.me()
        context["show_private"] = lambda therapist: admin or (me is not None and me == therapist)
        return context

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        therapist = therapist_services.create_therapist(**serializer.validated_data)
        body = TherapistSerializer(therapist, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_201_CREATED)

    def perform_update(self, serializer):
        changes = _profile_changes(serializer.validated_data)
        decision = self.take_decision(changes)
        if not is_admin(self.request.user):
            # Sending back the current value (a PUT of what GET answered) is not a change.
            therapist = serializer.instance
            refused = sorted(
                field
                for field in therapist_serializers.ADMIN_ONLY_FIELDS
                if field in changes and changes[field] != getattr(therapist, field)
            )
            if refused:
                raise PermissionDenied(f"Only an admin can change: {', '.join(refused)}.")
        change = schedule.update_therapist(serializer.instance, changes=changes, **decision)
        self.answer(serializer, change)

    def destroy(self, request, *args, **kwargs):
        therapist = self.get_object()
        change = schedule.remove_therapist(therapist, **self.query_decision())
        if change.result:
            return Response(status=status.HTTP_204_NO_CONTENT)
        context = {**self.get_serializer_context(), "affected_bookings": change.affected}
        return Response(TherapistSerializer(therapist, context=context).data)


# --- Working hours and time off ----------------------------------------------------------------


THERAPIST_PATH = OpenApiParameter(
    "therapist_id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The therapist's id."
)


class TherapistScheduleViewSet(GuardedWrites, viewsets.ModelViewSet):
    """A therapist's own schedule: only that therapist and admins see or change it; for
    anyone else the therapist's schedule does not exist (404)."""

    permission_classes = [permissions.IsAuthenticated]
    model = None

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not getattr(self, "swagger_fake_view", False):
            self.get_therapist()  # 404 before anything else, whatever the request body

    def get_therapist(self) -> Therapist:
        if not hasattr(self, "_therapist"):
            visible = Therapist.objects.all()
            if not is_admin(self.request.user):
                me = therapist_of(self.request.user)
                visible = visible.filter(pk=me.pk) if me else visible.none()
            self._therapist = get_object_or_404(visible, pk=self.kwargs["therapist_id"])
        return self._therapist

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.model.objects.none()
        return self.model.objects.filter(therapist=self.get_therapist())


@extend_schema_view(
    update=extend_schema(
        **guarded_responses(
            {200: WorkingHoursSerializer},
            "Hours that no longer cover future active bookings are refused (409 listing them) "
            "unless `affected_bookings` says what to do with them.",
        )
    ),
    partial_update=extend_schema(
        **guarded_responses(
            {200: WorkingHoursSerializer},
            "As PUT: shortening or moving hours under booked clients needs `affected_bookings`.",
        )
    ),
    destroy=extend_schema(
        parameters=DECISION_PARAMETERS,
        **guarded_responses(
            {204: None, 200: AFFECTED_ANSWER},
            "Removes the interval (204). Future active bookings in it are refused (409 listing "
            "them) unless `affected_bookings` says what to do; then the answer lists them (200).",
        ),
    ),
)
@extend_schema(parameters=[THERAPIST_PATH])
class WorkingHoursViewSet(TherapistScheduleViewSet):
    """Weekly working hours in the clinic's local time: several intervals a day, none
    overlapping (touching is fine), each ending after it starts and before midnight."""

    model = WorkingHours
    serializer_class = WorkingHoursSerializer
    filterset_class = WorkingHoursFilter
    ordering_fields = ["weekday", "start_time"]

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        self.take_decision(data)  # adding hours strands nobody
        serializer.instance = therapist_services.add_working_hours(self.get_therapist(), **data)

    def perform_update(self, serializer):
        changes = dict(serializer.validated_data)
        decision = self.take_decision(changes)
        change = schedule.update_working_hours(serializer.instance, changes=changes, **decision)
        self.answer(serializer, change)

    def destroy(self, request, *args, **kwargs):
        hours = self.get_object()
        return self.affected_answer(schedule.delete_working_hours(hours, **self.query_decision()))


@extend_schema_view(
    create=extend_schema(
        **guarded_responses(
            {201: TimeOffSerializer},
            "Time off over future active bookings is refused (409 listing them) unless "
            "`affected_bookings` says what to do with them.",
        )
    ),
    update=extend_schema(
        **guarded_responses(
            {200: TimeOffSerializer}, "As POST: time off over booked clients needs a decision."
        )
    ),
    partial_update=extend_schema(
        **guarded_responses(
            {200: TimeOffSerializer}, "As POST: time off over booked clients needs a decision."
        )
    ),
)
@extend_schema(parameters=[THERAPIST_PATH])
class TimeOffViewSet(TherapistScheduleViewSet):
    """Time off: start before end. Overlapping time off is refused (400), not merged: change
    the existing entry instead. Naive datetimes are read in the clinic's time zone."""

    model = TimeOff
    serializer_class = TimeOffSerializer
    filterset_class = TimeOffFilter
    ordering_fields = ["start"]

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        decision = self.take_decision(data)
        change = schedule.add_time_off(self.get_therapist(), **data, **decision)
        self.answer(serializer, change)

    def perform_update(self, serializer):
        changes = dict(serializer.validated_data)
        decision = self.take_decision(changes)
        change = schedule.update_time_off(serializer.instance, changes=changes, **decision)
        self.answer(serializer, change)

    def perform_destroy(self, instance):
        therapist_services.delete_time_off(instance)  # less time off strands nobody


# --- The clinic, services and rooms ----------------------------------------------------------


@extend_schema_view(
    patch=extend_schema(
        **guarded_responses(
            {200: ClinicSerializer},
            "A new `timezone` moves every therapist's working hours (local wall times) against "
            "the bookings already made: one that would strand future active bookings is "
            "refused (409 listing them) unless `affected_bookings` says what to do with them.",
        )
    )
)
class ClinicView(GuardedWrites, generics.RetrieveUpdateAPIView):
    """The clinic's settings: anyone reads, admins edit (PATCH)."""

    serializer_class = ClinicSerializer
    permission_classes = [IsAdminOrReadOnly]
    http_method_names = ["get", "patch", "head", "options"]

    def get_object(self):
        return Clinic.get()

    def perform_update(self, serializer):
        changes = dict(serializer.validated_data)
        decision = self.take_decision(changes)
        self.answer(serializer, schedule.update_clinic(changes=changes, **decision))


@extend_schema_view(
    update=extend_schema(
        **guarded_responses(
            {200: ServiceSerializer},
            "Deactivating a service with future active bookings is refused (409 listing them) "
            "unless `affected_bookings` says what to do with them.",
        )
    ),
    partial_update=extend_schema(
        **guarded_responses(
            {200: ServiceSerializer}, "As PUT: deactivating a booked service needs a decision."
        )
    ),
    destroy=extend_schema(
        parameters=DECISION_PARAMETERS,
        **guarded_responses(
            {200: ServiceSerializer, 204: None},
            "Deletes a service nobody has booked (204). A service that has bookings is "
            "deactivated instead, and the answer is the deactivated service (200); future "
            "active bookings need `affected_bookings` (else 409 listing them).",
        ),
    ),
)
class ServiceViewSet(GuardedWrites, viewsets.ModelViewSet):
    """The service catalogue: anyone reads active services, admins read all and write."""

    serializer_class = ServiceSerializer
    permission_classes = [IsAdminOrReadOnly]
    filterset_class = ServiceFilter
    search_fields = ["name", "description"]
    ordering_fields = ["name", "modality", "duration_minutes", "price"]

    def get_queryset(self):
        services = Service.objects.all()
        return services if is_admin(self.request.user) else services.filter(active=True)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        self.take_decision(data)  # a new service strands nobody
        serializer.instance = schedule.create_service(**data)

    def perform_update(self, serializer):
        changes = dict(serializer.validated_data)
        decision = self.take_decision(changes)
        change = schedule.update_service(serializer.instance, changes=changes, **decision)
        self.answer(serializer, change)

    def destroy(self, request, *args, **kwargs):
        service = self.get_object()
        change = schedule.retire_service(service, **self.query_decision())
        if change.result:
            return Response(status=status.HTTP_204_NO_CONTENT)
        context = {**self.get_serializer_context(), "affected_bookings": change.affected}
        return Response(ServiceSerializer(service, context=context).data)


@extend_schema_view(
    create=extend_schema(
        **guarded_responses(
            {201: RoomSerializer},
            "The first active room puts rooms in use: every active service must then have a "
            "suitable active room (400 naming those left without), and bookings made before "
            "take a free room or are listed with outcome `needs_room`.",
        )
    ),
    update=extend_schema(
        **guarded_responses(
            {200: RoomSerializer},
            "Taking a room out of use or changing its services moves its future bookings to "
            "another free suitable room; those that cannot move need `affected_bookings` (else "
            "409 listing them). A change leaving an active service without a room is a 400.",
        )
    ),
    partial_update=extend_schema(**guarded_responses({200: RoomSerializer}, "As PUT.")),
)
@extend_schema(
    description=(
        "Treatment rooms and the services each suits. Any signed-in user reads them; admins "
        "create and change them (deactivate with `active: false`; rooms are never deleted, "
        "bookings keep theirs). Once any room is active, a booking needs a free room that "
        "suits its service, and availability offers only such slots."
    )
)
class RoomViewSet(GuardedWrites, viewsets.ModelViewSet):
    serializer_class = RoomSerializer
    http_method_names = ["get", "post", "put", "patch", "head", "options"]
    ordering_fields = ["name", "id"]
    ordering = ["name", "id"]
    search_fields = ["name"]

    def get_permissions(self):
        if self.request.method in permissions.SAFE_METHODS:
            return [permissions.IsAuthenticated()]
        return [IsAdmin()]

    def get_queryset(self):
        return Room.objects.prefetch_related("services")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        decision = self.take_decision(data)
        self.answer(serializer, schedule.create_room(**data, **decision))

    def perform_update(self, serializer):
        changes = dict(serializer.validated_data)
        decision = self.take_decision(changes)
        change = schedule.update_room(serializer.instance, changes=changes, **decision)
        self.answer(serializer, change)
