from django.urls import path

from staff.views import agenda, board, bookings, charting, clients, referrals, reports, schedules

app_name = "staff"

urlpatterns = [
    path("", agenda.home, name="home"),
    path("today/", agenda.today, name="today"),
    path("week/", agenda.week, name="week"),
    path("bookings/<int:booking_id>/", bookings.booking, name="booking"),
    path("bookings/<int:booking_id>/reschedule/", bookings.reschedule, name="reschedule"),
    path("bookings/<int:booking_id>/cancel/", bookings.cancel, name="cancel"),
    path("bookings/<int:booking_id>/<str:action>/", agenda.booking_action, name="booking-action"),
    path("visits/<int:booking_id>/chart/", charting.chart, name="chart"),
    path("visits/<int:booking_id>/chart/draft/", charting.draft, name="chart-draft"),
    path("visits/<int:booking_id>/chart/amend/", charting.amend, name="chart-amend"),
    path("referrals/", referrals.referrals, name="referrals"),
    path("board/", board.day, name="board"),
    path("board/fragment/", board.fragment, name="board-fragment"),
    path("book/", bookings.book, name="book"),
    path("clients/", clients.client_list, name="clients"),
    path("clients/<int:client_id>/", clients.client_detail, name="client"),
    path("clients/<int:client_id>/export/", clients.client_export_view, name="client-export"),
    path("clients/<int:client_id>/progress/", clients.progress, name="progress"),
    path("schedules/", schedules.schedule_list, name="schedules"),
    path("schedules/<int:therapist_id>/", schedules.schedule, name="schedule"),
    path("reports/", reports.reports, name="reports"),
    path("reports/csv/", reports.reports_csv, name="reports-csv"),
]
