from celery.signals import task_postrun
from django.apps import AppConfig


class ClinicConfig(AppConfig):
    name = "clinic"

    def ready(self):
        from clinic import heartbeat

        task_postrun.connect(heartbeat.worker_finished_a_task, dispatch_uid="kneadly-heartbeat")
