"""`/rooms/`: treatment rooms and the services each suits."""

from drf_spectacular.utils import extend_schema
from rest_framework import permissions, viewsets

from bookings.api.serializers import RoomSerializer
from bookings.models import Room
from clinic.api.permissions import IsAdmin


@extend_schema(
    description=(
        "Treatment rooms and the services each suits. Any signed-in user reads them; admins "
        "create and change them (deactivate with `active: false`; rooms are never deleted, "
        "bookings keep theirs). Once any room is active, a booking needs a free room that "
        "suits its service, and availability offers only such slots."
    )
)
class RoomViewSet(viewsets.ModelViewSet):
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
