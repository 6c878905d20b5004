from django.urls import path

from clinic.api import accounts, views

# The clinic's settings and the service catalogue are routed by bookings.api.urls
# (bookings.api.schedule): a new time zone or a retired service must not strand booked
# clients, which only bookings knows about.
urlpatterns = [
    path("health/", views.HealthView.as_view(), name="health"),
    path("health/live/", views.LiveView.as_view(), name="health-live"),
    path("health/ready/", views.ReadyView.as_view(), name="health-ready"),
    path("auth/token/", views.TokenView.as_view(), name="auth-token"),
    path("auth/me/", views.MeView.as_view(), name="auth-me"),
    path("auth/logout/", accounts.LogoutView.as_view(), name="auth-logout"),
    path("auth/logout-all/", accounts.LogoutAllView.as_view(), name="auth-logout-all"),
    path("auth/sessions/", accounts.SessionList.as_view(), name="auth-sessions"),
    path("auth/sessions/<int:pk>/", accounts.SessionDetail.as_view(), name="auth-session"),
    path(
        "auth/password/change/", accounts.PasswordChangeView.as_view(), name="auth-password-change"
    ),
    path("auth/2fa/", accounts.TwoFactorView.as_view(), name="auth-2fa"),
    path("auth/2fa/confirm/", accounts.TwoFactorConfirmView.as_view(), name="auth-2fa-confirm"),
    path("auth/password/reset/", accounts.PasswordResetView.as_view(), name="auth-password-reset"),
    path(
        "auth/password/reset/confirm/",
        accounts.PasswordResetConfirmView.as_view(),
        name="auth-password-reset-confirm",
    ),
]
