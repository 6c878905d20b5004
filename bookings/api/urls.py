from django.urls import path
from rest_framework.routers import SimpleRouter

from bookings.api import views

router = SimpleRouter()
router.register("bookings", views.BookingViewSet, basename="booking")
router.register("rooms", views.RoomViewSet, basename="room")
router.register("booking-series", views.BookingSeriesViewSet, basename="booking-series")
router.register("waitlist", views.WaitlistEntryViewSet, basename="waitlist-entry")
router.register("waitlist-offers", views.WaitlistOfferViewSet, basename="waitlist-offer")

urlpatterns = [
    path("availability/", views.AvailabilityView.as_view(), name="availability"),
    # The therapist's calendar lives with the bookings it shows (therapists must not import
    # bookings).
    path(
        "therapists/<int:pk>/calendar.ics",
        views.TherapistCalendarView.as_view(),
        name="therapist-calendar",
    ),
    path(
        "therapists/<int:pk>/calendar-token/",
        views.CalendarTokenView.as_view(),
        name="therapist-calendar-token",
    ),
    *router.urls,
]
