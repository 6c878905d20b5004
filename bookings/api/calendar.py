"""`/therapists/{id}/calendar.ics`: a therapist's bookings as a calendar feed. It lives with the
bookings it shows (therapists must not import bookings); the private link itself is the
therapists app's (`therapists.api.views.CalendarTokenView`)."""

from django.http import HttpResponse
from django.utils.crypto import constant_time_compare
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions
from rest_framework.exceptions import NotFound
from rest_framework.views import APIView

from bookings import calendar, selectors
from clinic.models import Clinic
from clinic.roles import is_admin
from therapists.models import Therapist


class TherapistCalendarView(APIView):
    """A therapist's bookings as an iCalendar feed. Anyone with the private link (`token`)
    reads it, so calendar apps can subscribe; admins need no token. A wrong token is a 404."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(
        parameters=[OpenApiParameter("token", str, description="The therapist's private token")],
        responses={(200, "text/calendar"): OpenApiResponse(response=OpenApiTypes.STR)},
    )
    def get(self, request, pk: int):
        therapist = Therapist.objects.filter(pk=pk).first()
        token = request.query_params.get("token", "")
        allowed = therapist is not None and (
            is_admin(request.user)
            or (token and constant_time_compare(token, therapist.calendar_token))
        )
        if not allowed:
            raise NotFound()
        clinic = Clinic.get()
        body = calendar.therapist_feed(
            therapist,
            selectors.calendar_bookings(therapist),
            clinic_name=clinic.name,
            host=request.get_host().split(":")[0],
        )
        response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = f'inline; filename="therapist-{therapist.pk}.ics"'
        response["Cache-Control"] = "private, max-age=300"
        return response
