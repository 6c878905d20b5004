"""Session sign-in and sign-out for every screen, and the HTML error pages (the API keeps
answering JSON under /api/)."""

import math

import django_otp
from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth import login, logout
from django.http import HttpResponseRedirect, HttpResponseServerError, JsonResponse
from django.shortcuts import render, resolve_url
from django.template import loader
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.csrf import requires_csrf_token

from clinic.api.views import json_not_found, json_server_error
from clinic.roles import Role, role_of
from web.forms import SignInForm
from web.http import no_store, throttle_wait

# Where a role lands after signing in when no `next` was asked for (first that exists).
HOME_FOR_ROLE = {
    Role.ADMIN: ("staff:home", "admin:index"),
    Role.THERAPIST: ("staff:home",),
    Role.CLIENT: ("portal:account",),
}


def home_for(user) -> str:
    for name in HOME_FOR_ROLE.get(role_of(user), ()):
        try:
            return reverse(name)
        except NoReverseMatch:
            continue
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def safe_next(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def _lockout_minutes() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)


class SignInView(View):
    """Sign in with a session. The API's rules hold: the `auth` throttle per address, and
    django-axes' lockout per username and address (a locked pair is refused before its
    password is even checked)."""

    template_name = "web/sign_in.html"

    def get(self, request):
        if request.user.is_authenticated:
            return HttpResponseRedirect(safe_next(request, home_for(request.user)))
        return self._page(request, SignInForm(request))

    def post(self, request):
        wait = throttle_wait(request)
        if wait is not None:
            message = _("Too many attempts from your address. Try again in %(n)s seconds.") % {
                "n": math.ceil(wait)
            }
            return self._page(request, SignInForm(request), status=429, problem=message)
        username = str(request.POST.get("username", ""))
        if "\x00" not in username and AxesProxyHandler.is_locked(request, {"username": username}):
            return self._locked(request)
        form = SignInForm(request, data=request.POST)
        valid = form.is_valid()
        if getattr(request, "axes_locked_out", False):  # this failure reached the limit
            request.axes_locked_out = False  # our page says so, not axes' plain response
            return self._locked(request)
        if not valid:
            return self._page(request, form, status=400)
        user = form.get_user()
        login(request, user)
        if getattr(user, "otp_device", None) is not None:
            django_otp.login(request, user.otp_device)  # the session counts as verified
        return HttpResponseRedirect(safe_next(request, home_for(user)))

    def _locked(self, request):
        message = _(
            "Too many failed sign-ins for this account from your address. Try again in "
            "%(minutes)s minutes, or ask the clinic to unlock it."
        ) % {"minutes": _lockout_minutes()}
        return self._page(request, SignInForm(request), status=429, problem=message)

    def _page(self, request, form, *, status=200, problem=""):
        context = {"form": form, "next": safe_next(request, ""), "problem": problem}
        return no_store(render(request, self.template_name, context, status=status))


class SignOutView(View):
    """Sign out (POST only, with CSRF: a link or an image cannot sign anyone out)."""

    def post(self, request):
        logout(request)
        return HttpResponseRedirect(safe_next(request, "/"))

    def get(self, request):
        return no_store(render(request, "web/sign_out.html"))


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def not_found(request, exception=None):
    if _is_api(request):
        return json_not_found(request, exception)
    return render(request, "404.html", status=404)


def forbidden(request, exception=None):
    if _is_api(request):
        detail = "You do not have permission to perform this action."
        return JsonResponse({"detail": detail}, status=403)
    return render(request, "403.html", status=403)


@requires_csrf_token
def server_error(request):
    """No database, no context processors: whatever broke must not break this page too."""
    if _is_api(request):
        return json_server_error(request)
    page = loader.get_template("500.html").render({"request_path": request.path})
    return no_store(HttpResponseServerError(page))


def csrf_failure(request, reason=""):
    if _is_api(request):
        return JsonResponse({"detail": f"CSRF Failed: {reason}"}, status=403)
    return render(request, "403_csrf.html", {"reason": reason}, status=403)
