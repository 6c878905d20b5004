"""What pages share about HTTP: personal pages are never cached, and the API's `auth`
throttle counts sign-ins on pages too (the same Redis counter per address)."""

from functools import wraps

from django.utils.cache import add_never_cache_headers

from clinic.api.throttling import ResilientScopedRateThrottle


def no_store(response):
    add_never_cache_headers(response)  # Cache-Control: max-age=0, no-cache, no-store, ...
    response["Cache-Control"] = "no-store, " + response["Cache-Control"]
    response.setdefault("Pragma", "no-cache")
    return response


def personal(view):
    """A page with personal data: no browser, proxy or shared cache may keep it."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        return no_store(view(request, *args, **kwargs))

    return wrapped


class PersonalMixin:
    """For class-based views: see `personal`."""

    def dispatch(self, request, *args, **kwargs):
        return no_store(super().dispatch(request, *args, **kwargs))


class _Scope:
    def __init__(self, scope: str):
        self.throttle_scope = scope


def throttle_wait(request, scope: str = "auth") -> float | None:
    """None when the request may go on; else seconds to wait (the API's throttle, by address,
    shared with the API's routes of the same scope)."""
    throttle = ResilientScopedRateThrottle()
    if throttle.allow_request(request, _Scope(scope)):
        return None
    return throttle.wait() or 60.0
