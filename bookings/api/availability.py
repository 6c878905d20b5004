"""`/availability/`: free slots, computed by the pure core through `selectors.available_slots`."""

from drf_spectacular.utils import extend_schema
from rest_framework import permissions
from rest_framework.response import Response
from rest_framework.views import APIView

from bookings import selectors
from bookings.api.serializers import AvailabilityQuerySerializer, AvailabilitySerializer
from clinic.models import Clinic
from clinic.roles import Role, client_of, role_of


class AvailabilityView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        parameters=[AvailabilityQuerySerializer],
        responses=AvailabilitySerializer,
        description=(
            "Free slots of a service, for one therapist or every therapist who offers it. "
            "`start` and `end` are dates (end inclusive) or datetimes (end exclusive; naive = "
            "clinic time); the range may span at most 62 days. A slot lies inside the "
            "therapist's working hours, clear of time off and of other bookings (with the "
            "service's buffer), on the clinic's slot grid (local time), between the minimum "
            "lead time and the booking horizon (the front desk books inside the lead time). "
            "Asked by a client, or by staff for a `client`, it leaves out times that client is "
            "already booked. Times are in the clinic's time zone."
        ),
    )
    def get(self, request):
        query = AvailabilityQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        clinic = Clinic.get()
        data = dict(query.validated_data)
        role = role_of(request.user)
        client = data.pop("client", None)
        if role == Role.CLIENT:
            client = client_of(request.user)  # always their own: never someone else's diary
        elif role not in (Role.ADMIN, Role.THERAPIST):
            client = None
        slots = selectors.available_slots(
            clinic=clinic,
            client_id=client.pk if client is not None else None,
            for_staff=role == Role.ADMIN,
            **data,
        )
        tz = clinic.tz
        # Hand-formatted (the same ISO 8601 the serializers write): thousands of slots.
        results = [
            {
                "therapist": slot.therapist_id,
                "start": slot.start.astimezone(tz).isoformat(),
                "end": slot.end.astimezone(tz).isoformat(),
            }
            for slot in slots
        ]
        return Response({"results": results})
