from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class ClinicConfig(AppConfig):
    name = "clinic"


class KneadlyAdminConfig(admin_apps.AdminConfig):
    """Django's admin, on our site: staff who must use two-factor sign-in give a code."""

    default = False
    default_site = "clinic.admin_site.KneadlyAdminSite"
