from django.http import JsonResponse
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from clinic.api.fields import MESSAGES, control_problem
from clinic.models import clinic_read_once, clinic_timezone, last_known_clinic_timezone
from clinic.unavailable import UNAVAILABLE

HEALTH_PATH = "/api/v1/health/"
NO_ZONE_PATHS = (HEALTH_PATH, "/static/", "/metrics")


class ClinicTimezoneMiddleware:
    """API answers and pages (the admin site's included: time off is typed in clinic time) give
    datetimes in the clinic's time zone, and naive datetimes sent to the API or entered in a
    form are read in it (DRF's DateTimeField and Django's forms use the current zone both
    ways). Static files and /metrics need no zone. The clinic row is read at most once per
    request (`clinic_read_once`)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Health probes must answer (503) when the database, which holds the zone, is down.
        if request.path.startswith(NO_ZONE_PATHS):
            return self.get_response(request)
        try:
            zone = clinic_timezone()
        except UNAVAILABLE:
            # The database is not answering: keep the zone last read (None: the default one)
            # and let the view answer (health says so; others answer 503).
            zone = last_known_clinic_timezone()
        with timezone.override(zone), clinic_read_once():
            return self.get_response(request)


class QueryParameterMiddleware:
    """Query parameters are refused before any view runs, as a 400 naming the parameter
    (`{"search": ["..."]}`), when:

    - a name or value holds a control character such as NUL (the database cannot store or
      compare NUL; no parameter of the API needs any control character);
    - a value is empty (`?therapist=`, `?status=`, `?page=`): an empty value is never read as
      "no filter"; to mean no filter, leave the parameter out. One rule for every list, filter,
      search, ordering and page parameter of the API (the schema says `minLength: 1`). The
      documentation pages under `/api/docs/` are not the API: Swagger UI's own start-up script
      is fetched as `?script=`.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/api/"):
            errors = {}
            for name, values in request.GET.lists():
                if control_problem(name) or any(control_problem(v) for v in values):
                    errors[name if not control_problem(name) else repr(name)] = [
                        MESSAGES["control"]
                    ]
                elif request.path.startswith("/api/v1/") and any(not v.strip() for v in values):
                    errors[name] = [MESSAGES["empty"]]
            if errors:
                return JsonResponse(errors, status=400)
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
