from django.urls import path
from rest_framework.routers import SimpleRouter

from bookings.api import availability, bookings, calendar, schedule, series

router = SimpleRouter()
router.register("bookings", bookings.BookingViewSet, basename="booking")
router.register("rooms", schedule.RoomViewSet, basename="room")
router.register("booking-series", series.BookingSeriesViewSet, basename="booking-series")
# Everything a schedule change touches (bookings.api.schedule): it must not strand booked
# clients, which only bookings knows about (therapists and clinic must not import bookings).
router.register("services", schedule.ServiceViewSet, basename="service")
router.register("therapists", schedule.TherapistViewSet, basename="therapist")
router.register(
    r"therapists/(?P<therapist_id>[0-9]+)/working-hours",
    schedule.WorkingHoursViewSet,
    basename="therapist-working-hours",
)
router.register(
    r"therapists/(?P<therapist_id>[0-9]+)/time-off",
    schedule.TimeOffViewSet,
    basename="therapist-time-off",
)

urlpatterns = [
    path("clinic/", schedule.ClinicView.as_view(), name="clinic"),
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
