from django.urls import path
from rest_framework.routers import SimpleRouter

from clients.api import views

router = SimpleRouter()
router.register("clients", views.ClientViewSet, basename="client")
router.register(r"clients/(?P<client_id>\d+)/intakes", views.IntakeViewSet, basename="intake")
router.register(
    r"clients/(?P<client_id>\d+)/flag-resolutions",
    views.FlagResolutionViewSet,
    basename="flag-resolution",
)
router.register("consent-texts", views.ConsentTextViewSet, basename="consent-text")

urlpatterns = [
    path("auth/register/", views.RegisterView.as_view(), name="auth-register"),
    path(
        "auth/register/confirm/",
        views.RegisterConfirmView.as_view(),
        name="auth-register-confirm",
    ),
    path("auth/email/confirm/", views.EmailConfirmView.as_view(), name="auth-email-confirm"),
    *router.urls,
]
