from django.urls import path
from rest_framework.routers import SimpleRouter

from therapists.api import views

router = SimpleRouter()
router.register("therapists", views.TherapistViewSet, basename="therapist")
router.register(
    r"therapists/(?P<therapist_id>[0-9]+)/working-hours",
    views.WorkingHoursViewSet,
    basename="therapist-working-hours",
)
router.register(
    r"therapists/(?P<therapist_id>[0-9]+)/time-off",
    views.TimeOffViewSet,
    basename="therapist-time-off",
)

urlpatterns = [
    path(
        "therapists/<int:pk>/calendar-token/",
        views.CalendarTokenView.as_view(),
        name="therapist-calendar-token",
    ),
    *router.urls,
]
