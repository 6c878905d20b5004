from django.apps import AppConfig


class WebConfig(AppConfig):
    """The screens' shared foundation: base templates, our stylesheet and scripts, the body
    map, error pages, session sign-in and sign-out."""

    name = "web"
    verbose_name = "Web foundation"
