from django.urls import path

from portal.views import account, auth, booking, intake, offers, public, visits

app_name = "portal"

urlpatterns = [
    path("", public.home, name="home"),
    path("sitemap.xml", public.sitemap, name="sitemap"),
    path("book/", booking.choose_service, name="book"),
    path("book/<int:service_id>/", booking.choose_time, name="book-times"),
    path("book/<int:service_id>/hold/", booking.hold_time, name="book-hold"),
    path("book/account/", booking.account_step, name="book-account"),
    path("book/review/", booking.review, name="book-review"),
    path("book/confirm/", booking.confirm, name="book-confirm"),
    path("visits/<int:pk>/", visits.visit, name="visit"),
    path("visits/<int:pk>/calendar.ics", visits.visit_ics, name="visit-ics"),
    path("visits/<int:pk>/cancel/", visits.cancel, name="visit-cancel"),
    path("visits/<int:pk>/reschedule/", visits.reschedule, name="visit-reschedule"),
    path("offers/<int:pk>/", offers.offer, name="offer"),
    path("account/", account.dashboard, name="account"),
    path("account/intake/", intake.intakes, name="intakes"),
    path("account/intake/new/", intake.new_intake, name="intake-new"),
    path("account/intake/<int:pk>/", intake.intake_detail, name="intake"),
    path("account/waitlist/join/", account.join_waitlist, name="waitlist-join"),
    path("account/waitlist/<int:pk>/leave/", account.leave_waitlist, name="waitlist-leave"),
    path("account/data/", account.my_data, name="my-data"),
    path("account/password/", account.change_password, name="password"),
    path("register/", auth.register, name="register"),
    path("activate/", auth.activate, name="activate"),
    path("password-reset/", auth.password_reset, name="password-reset"),
    path("reset-password/", auth.password_reset_confirm, name="password-reset-confirm"),
]
