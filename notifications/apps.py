from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Reminders and notices"

    def ready(self):
        from notifications import booking_kinds, receivers

        booking_kinds.register()  # reminders and notices, for the dispatcher
        receivers.connect()
