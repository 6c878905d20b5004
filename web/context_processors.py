from django.utils.functional import SimpleLazyObject

from clinic.models import Clinic
from clinic.roles import role_of
from web.colours import palette


def _clinic(request):
    if not hasattr(request, "_web_clinic"):
        request._web_clinic = Clinic.get()
    return request._web_clinic


def site(request):
    """`clinic` (the settings row, read once a request), `colours` (the brand palette, see
    web.colours) and `role` (admin, therapist, client or None) for every page."""
    return {
        "clinic": SimpleLazyObject(lambda: _clinic(request)),
        "colours": SimpleLazyObject(lambda: palette(_clinic(request).brand_colour)),
        "role": SimpleLazyObject(lambda: role_of(getattr(request, "user", None))),
    }
