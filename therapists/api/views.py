"""The therapist's private calendar link. Profiles, working hours and time off are served by
`bookings.api.schedule`: every change to them goes through `bookings.schedule`, which knows who
is booked (therapists must not import bookings)."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from clinic.roles import is_admin, therapist_of
from therapists import services
from therapists.api.serializers import CalendarLinkSerializer
from therapists.models import Therapist


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
