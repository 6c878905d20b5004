from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from clinic.models import clinic_timezone


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


class CreatedLocationMiddleware:
    """Every 201 from the API says where the new thing lives (`Location`). A create on a
    collection route (`<name>-list`) points at its detail route (`<name>-detail`); a view that
    creates elsewhere (an offer accepted into a booking) sets `Location` itself."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code != 201 or response.has_header("Location"):
            return response
        match, data = request.resolver_match, getattr(response, "data", None)
        if match is None or not (match.url_name or "").endswith("-list"):
            return response
        if not isinstance(data, dict) or "id" not in data:
            return response
        try:
            path = reverse(
                f"{match.url_name[: -len('-list')]}-detail",
                kwargs={**match.kwargs, "pk": data["id"]},
            )
        except NoReverseMatch:
            return response
        response["Location"] = request.build_absolute_uri(path)
        return response
