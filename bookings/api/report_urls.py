from django.urls import path

from bookings.api.reports import ReportView

urlpatterns = [path("reports/", ReportView.as_view(), name="reports")]
