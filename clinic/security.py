"""Response headers for a health-records service, on every answer (one middleware).

- `Cache-Control: no-store` on every /api/ answer except an anonymous read of the public
  catalogue (the clinic, services, therapist profiles, availability, health): whatever a
  signed-in caller gets may carry personal or health data, and no browser, proxy or shared
  cache may keep it.
- `Content-Security-Policy` (scripts only from this site, no framing, no plugins) and
  `Permissions-Policy` (no camera, microphone, location, payment, USB...) on every answer.
  The Swagger UI (drf-spectacular's split view, served by the sidecar) and the admin work
  under it: they load their scripts from this site, never inline.
"""

import re

from django.conf import settings

PUBLIC_API = re.compile(
    r"^/api/v1/(health|clinic|services(/\d+)?|therapists(/\d+)?|availability)/$"
)


def _is_public(request) -> bool:
    user = getattr(request, "user", None)
    signed_in = user is not None and user.is_authenticated
    return (
        request.method in ("GET", "HEAD")
        and not signed_in
        and PUBLIC_API.match(request.path_info) is not None
    )


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        if request.path_info.startswith("/api/") and not _is_public(request):
            response.headers["Cache-Control"] = "no-store"
            response.headers.setdefault("Pragma", "no-cache")
        return response
