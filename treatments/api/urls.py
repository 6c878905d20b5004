from django.urls import path
from rest_framework.routers import SimpleRouter

from treatments.api import privacy, views

router = SimpleRouter()
router.register("treatment-notes", views.TreatmentNoteViewSet, basename="treatment-note")

urlpatterns = [
    path(
        "clients/<int:client_id>/trigger-point-progress/",
        views.TriggerPointProgressView.as_view(),
        name="trigger-point-progress",
    ),
    path(
        "clients/<int:client_id>/export/", privacy.ClientExportView.as_view(), name="client-export"
    ),
    path(
        "clients/<int:client_id>/anonymise/",
        privacy.ClientAnonymiseView.as_view(),
        name="client-anonymise",
    ),
    *router.urls,
]
