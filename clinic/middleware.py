import time

from django.utils import timezone

from clinic.models import Clinic

_TTL_SECONDS = 30
_cached: dict = {"tz": None, "at": 0.0}


def clinic_timezone():
    """The clinic's zone, read at most every 30 s per process (it changes once in a blue moon;
    Clinic.save() forgets it at once in the process that saved)."""
    now = time.monotonic()
    if _cached["tz"] is None or now - _cached["at"] > _TTL_SECONDS:
        _cached["tz"], _cached["at"] = Clinic.get().tz, now
    return _cached["tz"]


def forget_clinic_timezone() -> None:
    _cached["tz"] = None


class ClinicTimezoneMiddleware:
    """API answers give datetimes in the clinic's time zone, and naive datetimes sent to the API
    are read in it (DRF's DateTimeField uses the current zone both ways)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith("/api/"):
            return self.get_response(request)
        with timezone.override(clinic_timezone()):
            return self.get_response(request)
