from django.apps import AppConfig


class WaitlistConfig(AppConfig):
    name = "waitlist"
    verbose_name = "Waitlist"

    def ready(self):
        # Register the app's Celery tasks in every process (services publish them by name,
        # see clinic.tasks), and connect its signal receivers.
        from waitlist import receivers, tasks  # noqa: F401

        receivers.connect()
