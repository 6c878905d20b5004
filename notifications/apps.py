from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Reminders and notices"

    def ready(self):
        # Register the app's Celery tasks in every process (services publish them by name,
        # see clinic.tasks), the delivery kinds the dispatcher sends, and the receivers.
        from notifications import booking_kinds, receivers, tasks  # noqa: F401

        booking_kinds.register()  # reminders and notices, for the dispatcher
        receivers.connect()
