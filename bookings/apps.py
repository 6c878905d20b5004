from django.apps import AppConfig


class BookingsConfig(AppConfig):
    name = "bookings"

    def ready(self):
        from bookings import (
            reminders_admin,  # noqa: F401  (registers its admin classes)
            signals,
        )

        signals.connect()
