from django.urls import path

from therapists.api import views

# Profiles, working hours and time off are routed by bookings.api.urls (bookings.api.schedule).
urlpatterns = [
    path(
        "therapists/<int:pk>/calendar-token/",
        views.CalendarTokenView.as_view(),
        name="therapist-calendar-token",
    ),
]
