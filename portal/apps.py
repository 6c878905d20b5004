from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The clinic's public site and the client portal (booking, intake, my account)."""

    name = "portal"
    verbose_name = "Client portal"
