from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Reminders and notices"

    def ready(self):
        # Register the app's Celery tasks in every process (services publish them by name,
        # see clinic.tasks), and connect its signal receivers.
        from notifications import receivers, tasks  # noqa: F401

        receivers.connect()
