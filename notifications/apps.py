from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Reminders and notices"

    def ready(self):
        from notifications import receivers

        receivers.connect()
