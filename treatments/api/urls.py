from django.urls import path
from rest_framework.routers import SimpleRouter

from treatments.api import views

router = SimpleRouter()
router.register("treatment-notes", views.TreatmentNoteViewSet, basename="treatment-note")

urlpatterns = [
    path(
        "clients/<int:client_id>/trigger-point-progress/",
        views.TriggerPointProgressView.as_view(),
        name="trigger-point-progress",
    ),
    *router.urls,
]
