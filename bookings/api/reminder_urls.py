from django.urls import path

from bookings.api.reminders import BookingRemindersView

urlpatterns = [
    path(
        "bookings/<int:booking_id>/reminders/",
        BookingRemindersView.as_view(),
        name="booking-reminders",
    ),
]
