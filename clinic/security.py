"""Response headers for a health-records service, on every answer (one middleware).

- `Cache-Control: no-store` on every /api/ answer except an anonymous read of the public
  catalogue (the clinic, services, therapist profiles, availability, health): whatever a
  signed-in caller gets may carry personal or health data, and no browser, proxy or shared
  cache may keep it.
- `Cache-Control: no-store` on every page (outside /api/) answered to a signed-in user: their
  pages carry their visits and health answers. Pages that show personal data to someone not
  signed in (a visit opened from an emailed link) say so themselves (web.http.personal).
- `Content-Security-Policy` (scripts only from this site, no framing, no plugins) and
  `Permissions-Policy` (no camera, microphone, location, payment, USB...) on every answer.
  The Swagger UI (drf-spectacular's split view, served by the sidecar) and the admin work
  under it: they load their scripts from this site, never inline.
"""

import re

from django.conf import settings

from clinic.unavailable import UNAVAILABLE

PUBLIC_API = re.compile(
    r"^/api/v1/(health|clinic|services(/\d+)?|therapists(/\d+)?|availability)/$"
)


def _signed_in(request) -> bool:
    user = getattr(request, "user", None)
    try:
        return user is not None and user.is_authenticated
    except UNAVAILABLE:  # the session's user could not be read: assume the answer is personal
        return True


def _is_public(request) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and not _signed_in(request)
        and PUBLIC_API.match(request.path_info) is not None
    )


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        api = request.path_info.startswith("/api/")
        if (api and not _is_public(request)) or (not api and _signed_in(request)):
            if "no-store" not in response.headers.get("Cache-Control", ""):
                response.headers["Cache-Control"] = "no-store"
            response.headers.setdefault("Pragma", "no-cache")
        return response
