from django.urls import path

from privacy.api import views

urlpatterns = [
    path("clients/<int:pk>/export/", views.ClientExportView.as_view(), name="client-export"),
    path(
        "clients/<int:pk>/anonymise/",
        views.ClientAnonymiseView.as_view(),
        name="client-anonymise",
    ),
]
