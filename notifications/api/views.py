"""`GET /api/v1/bookings/{id}/reminders/`: the booking's reminders, for the people it concerns."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics

from bookings.models import Booking
from bookings.selectors import bookings_visible_to
from clinic.api.fields import ModelSerializer
from clinic.roles import is_admin
from notifications.models import Reminder


class ReminderSerializer(ModelSerializer):
    """Times come out in the clinic's zone (clinic.middleware.ClinicTimezoneMiddleware)."""

    class Meta:
        model = Reminder
        fields = ["id", "offset_hours", "channel", "due_at", "status", "sent_at", "skip_reason"]
        read_only_fields = fields


class StaffReminderSerializer(ReminderSerializer):
    """Admins also see why a send failed and how often it was tried."""

    class Meta(ReminderSerializer.Meta):
        fields = [*ReminderSerializer.Meta.fields, "attempts", "error"]
        read_only_fields = fields


@extend_schema(tags=["reminders"])
class BookingRemindersView(generics.ListAPIView):
    """The booking's reminders, soonest first: admin, the booking's client and therapist.
    A booking the caller may not see answers 404."""

    filterset_fields = ["status", "channel"]
    ordering_fields = ["due_at"]

    def get_booking(self) -> Booking:
        if not hasattr(self, "_booking"):
            queryset = bookings_visible_to(self.request.user)
            self._booking = get_object_or_404(queryset, pk=self.kwargs["booking_id"])
        return self._booking

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Reminder.objects.none()
        return Reminder.objects.filter(booking=self.get_booking()).order_by("due_at", "channel")

    def get_serializer_class(self):
        return StaffReminderSerializer if is_admin(self.request.user) else ReminderSerializer
