from celery.signals import task_postrun
from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.core.signals import request_finished


class ClinicConfig(AppConfig):
    name = "clinic"

    def ready(self):
        from clinic import heartbeat, request_id

        task_postrun.connect(heartbeat.worker_finished_a_task, dispatch_uid="kneadly-heartbeat")
        request_finished.connect(request_id.forget, dispatch_uid="kneadly-request-id")


class KneadlyAdminConfig(admin_apps.AdminConfig):
    """Django's admin, on our site: staff who must use two-factor sign-in give a code."""

    default = False
    default_site = "clinic.admin_site.KneadlyAdminSite"
