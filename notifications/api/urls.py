from django.urls import path

from notifications.api.views import BookingRemindersView

urlpatterns = [
    path(
        "bookings/<int:booking_id>/reminders/",
        BookingRemindersView.as_view(),
        name="booking-reminders",
    ),
]
