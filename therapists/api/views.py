from django.db.models import Prefetch, Q
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import permissions, status, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from clinic.models import Service
from clinic.roles import is_admin, therapist_of
from therapists import services
from therapists.api.filters import TherapistFilter, TimeOffFilter, WorkingHoursFilter
from therapists.api.permissions import TherapistProfilePermission
from therapists.api.serializers import (
    ADMIN_ONLY_FIELDS,
    CalendarLinkSerializer,
    TherapistCreateSerializer,
    TherapistSerializer,
    TimeOffSerializer,
    WorkingHoursSerializer,
)
from therapists.models import Therapist, TimeOff, WorkingHours


def _profile_changes(validated_data: dict) -> dict:
    """The serializer nests `email` under `user` (its source); the service takes it flat."""
    data = dict(validated_data)
    user = data.pop("user", {})
    if "email" in user:
        data["email"] = user["email"]
    return data


@extend_schema_view(
    create=extend_schema(
        request=TherapistCreateSerializer,
        responses={201: TherapistSerializer},
        description="An admin creates a therapist and their login in one call (all or nothing).",
    ),
    destroy=extend_schema(
        responses={200: TherapistSerializer, 204: None},
        description="Deletes a therapist nobody has booked, with their login (204). One who "
        "has bookings is deactivated instead and the answer is their profile (200).",
    ),
)
class TherapistViewSet(viewsets.ModelViewSet):
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
        return TherapistCreateSerializer if self.action == "create" else TherapistSerializer

    def get_serializer_context(self):
        context = super().get_serializer_context()
        admin = is_admin(self.request.user)
        me = self.me()
        context["show_private"] = lambda therapist: admin or (me is not None and me == therapist)
        return context

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        therapist = services.create_therapist(**serializer.validated_data)
        body = TherapistSerializer(therapist, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_201_CREATED)

    def perform_update(self, serializer):
        changes = _profile_changes(serializer.validated_data)
        if not is_admin(self.request.user):
            # Sending back the current value (a PUT of what GET answered) is not a change.
            therapist = serializer.instance
            refused = sorted(
                field
                for field in ADMIN_ONLY_FIELDS
                if field in changes and changes[field] != getattr(therapist, field)
            )
            if refused:
                raise PermissionDenied(f"Only an admin can change: {', '.join(refused)}.")
        serializer.instance = services.update_therapist(serializer.instance, **changes)

    def destroy(self, request, *args, **kwargs):
        therapist = self.get_object()
        if services.remove_therapist(therapist):
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(self.get_serializer(therapist).data, status=status.HTTP_200_OK)


THERAPIST_PATH = OpenApiParameter(
    "therapist_id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The therapist's id."
)


class TherapistScheduleViewSet(viewsets.ModelViewSet):
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


@extend_schema(parameters=[THERAPIST_PATH])
class WorkingHoursViewSet(TherapistScheduleViewSet):
    """Weekly working hours in the clinic's local time: several intervals a day, none
    overlapping (touching is fine), each ending after it starts and before midnight."""

    model = WorkingHours
    serializer_class = WorkingHoursSerializer
    filterset_class = WorkingHoursFilter
    ordering_fields = ["weekday", "start_time"]

    def perform_create(self, serializer):
        serializer.instance = services.add_working_hours(
            self.get_therapist(), **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.update_working_hours(
            serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.delete_working_hours(instance)


@extend_schema(parameters=[THERAPIST_PATH])
class TimeOffViewSet(TherapistScheduleViewSet):
    """Time off: start before end. Overlapping time off is refused (400), not merged: change
    the existing entry instead. Naive datetimes are read in the clinic's time zone."""

    model = TimeOff
    serializer_class = TimeOffSerializer
    filterset_class = TimeOffFilter
    ordering_fields = ["start"]

    def perform_create(self, serializer):
        serializer.instance = services.add_time_off(
            self.get_therapist(), **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.update_time_off(
            serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.delete_time_off(instance)


class CalendarTokenView(APIView):
    """The therapist's private calendar link: GET shows it, POST rotates it (the old link stops
    working). The therapist themselves or an admin."""

    def therapist(self, request, pk: int) -> Therapist:
        therapist = get_object_or_404(Therapist, pk=pk)
        own = therapist_of(request.user)
        if not (is_admin(request.user) or (own is not None and own.pk == therapist.pk)):
            raise PermissionDenied("Only this therapist or an admin can see this link.")
        return therapist

    def link(self, request, therapist: Therapist) -> Response:
        url = request.build_absolute_uri(
            f"/api/v1/therapists/{therapist.pk}/calendar.ics?token={therapist.calendar_token}"
        )
        return Response(CalendarLinkSerializer({"calendar_url": url}).data)

    @extend_schema(request=None, responses=CalendarLinkSerializer)
    def get(self, request, pk: int):
        return self.link(request, self.therapist(request, pk))

    @extend_schema(
        operation_id="therapists_calendar_token_rotate",
        request=None,
        responses=CalendarLinkSerializer,
    )
    def post(self, request, pk: int):
        therapist = services.rotate_calendar_token(self.therapist(request, pk))
        return self.link(request, therapist)
