from django.urls import path
from rest_framework.routers import SimpleRouter

from bookings.api import availability, bookings, calendar, rooms, series

router = SimpleRouter()
router.register("bookings", bookings.BookingViewSet, basename="booking")
router.register("rooms", rooms.RoomViewSet, basename="room")
router.register("booking-series", series.BookingSeriesViewSet, basename="booking-series")

urlpatterns = [
    path("availability/", availability.AvailabilityView.as_view(), name="availability"),
    # The therapist's calendar lives with the bookings it shows (therapists must not import
    # bookings).
    path(
        "therapists/<int:pk>/calendar.ics",
        calendar.TherapistCalendarView.as_view(),
        name="therapist-calendar",
    ),
    *router.urls,
]
