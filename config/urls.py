from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from clinic.api.views import ApiRootView
from reports.metrics import metrics_view
from web import views as web_views

RESOURCES = {
    "health": "health",
    "auth_token": "auth-token",
    "auth_register": "auth-register",
    "auth_me": "auth-me",
    "clinic": "clinic",
    "services": "service-list",
    "therapists": "therapist-list",
    "clients": "client-list",
    "consent_texts": "consent-text-list",
    "availability": "availability",
    "bookings": "booking-list",
    "booking_series": "booking-series-list",
    "rooms": "room-list",
    "waitlist": "waitlist-entry-list",
    "waitlist_offers": "waitlist-offer-list",
    "treatment_notes": "treatment-note-list",
    "reports": "reports",
    "schema": "schema",
    "docs": "swagger-ui",
}

api_v1 = [
    path("", ApiRootView.as_view(resources=RESOURCES), name="api-root"),
    path("", include("clinic.api.urls")),
    path("", include("therapists.api.urls")),
    path("", include("clients.api.urls")),
    path("", include("bookings.api.urls")),
    path("", include("notifications.api.urls")),
    path("", include("waitlist.api.urls")),
    path("", include("treatments.api.urls")),
    path("", include("reports.api.urls")),
    path("", include("privacy.api.urls")),
]

urlpatterns = [
    path("api/v1/", include(api_v1)),
    path("admin/", admin.site.urls),
    path("metrics", metrics_view, name="metrics"),
    path("", include("web.urls")),
    path("", include("portal.urls")),
    path("staff/", include("staff.urls")),
]
if settings.API_DOCS_PUBLIC:  # off in production unless API_DOCS_PUBLIC=1
    urlpatterns += [
        path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
        # The split view serves its start-up script as a file: it runs under the CSP.
        path(
            "api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"
        ),
    ]

# HTML pages for people, JSON under /api/ (web.views).
handler403 = web_views.forbidden
handler404 = web_views.not_found
handler500 = web_views.server_error
