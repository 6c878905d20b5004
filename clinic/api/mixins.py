from django.utils import timezone

from clinic.models import Clinic


class ClinicTimeZoneMixin:
    """Datetimes in and out of this view are in the clinic's time zone: answers carry its
    offset, and a naive datetime in input is read as the clinic's wall time."""

    def initial(self, request, *args, **kwargs):
        timezone.activate(Clinic.get().tz)
        super().initial(request, *args, **kwargs)

    def finalize_response(self, request, response, *args, **kwargs):
        try:
            return super().finalize_response(request, response, *args, **kwargs)
        finally:
            timezone.deactivate()
