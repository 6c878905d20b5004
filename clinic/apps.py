from celery.signals import task_postrun
from django.apps import AppConfig
from django.core.signals import request_finished


class ClinicConfig(AppConfig):
    name = "clinic"

    def ready(self):
        from clinic import heartbeat, request_id

        task_postrun.connect(heartbeat.worker_finished_a_task, dispatch_uid="kneadly-heartbeat")
        request_finished.connect(request_id.forget, dispatch_uid="kneadly-request-id")
