from django.urls import path

from privacy.api import views

urlpatterns = [
    path("clients/<int:client_id>/export/", views.ClientExportView.as_view(), name="client-export"),
    path(
        "clients/<int:client_id>/anonymise/",
        views.ClientAnonymiseView.as_view(),
        name="client-anonymise",
    ),
]
