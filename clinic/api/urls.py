from django.urls import path
from rest_framework.routers import SimpleRouter

from clinic.api import views

router = SimpleRouter()
router.register("services", views.ServiceViewSet, basename="service")

urlpatterns = [
    path("health/", views.HealthView.as_view(), name="health"),
    path("health/live/", views.LiveView.as_view(), name="health-live"),
    path("health/ready/", views.ReadyView.as_view(), name="health-ready"),
    path("auth/token/", views.TokenView.as_view(), name="auth-token"),
    path("auth/me/", views.MeView.as_view(), name="auth-me"),
    path("clinic/", views.ClinicView.as_view(), name="clinic"),
    *router.urls,
]
