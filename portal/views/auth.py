"""Registering, finishing sign-up from the mailed link, and resetting a forgotten password:
the pages over clients.services and clinic.accounts (no account enumeration, as the API)."""

from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from clients.services import SIGN_UP_SENT, activate_login, register_client
from clinic import accounts
from portal.forms import EmailForm, NewPasswordForm, RegisterForm, apply_errors
from portal.views.booking import DRAFT
from web.http import no_store, personal, throttle_wait
from web.views import safe_next

BACKEND = "django.contrib.auth.backends.ModelBackend"


def _throttled(request):
    wait = throttle_wait(request)
    if wait is None:
        return None
    message = _("Too many attempts from your address. Try again in a minute.")
    return render(
        request, "portal/message.html", {"title": _("Please wait"), "message": message}, status=429
    )


@require_http_methods(["GET", "POST"])
def register(request):
    form = RegisterForm(request.POST or None)
    if request.method == "POST":
        if (refused := _throttled(request)) is not None:
            return refused
        if form.is_valid():
            try:
                register_client(**form.cleaned_data)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                return no_store(
                    render(
                        request,
                        "portal/message.html",
                        {
                            "title": _("Check your email"),
                            "message": SIGN_UP_SENT,
                            "hint": _(
                                "Keep this window open: the link brings you back to finish "
                                "your booking."
                            )
                            if request.session.get(DRAFT)
                            else "",
                        },
                    )
                )
    return no_store(
        render(
            request,
            "portal/auth/register.html",
            {
                "form": form,
                "status": 400 if form.errors else 200,
            },
            status=400 if form.errors else 200,
        )
    )


@personal
@require_http_methods(["GET", "POST"])
def activate(request):
    """The sign-up link: a button to finish (a mail scanner's GET does not use up the link)."""
    uid, token = request.GET.get("uid", ""), request.GET.get("token", "")
    if request.method == "POST":
        try:
            with transaction.atomic():
                user = activate_login(uid=uid, token=token)
        except ValidationError:
            return render(
                request,
                "portal/message.html",
                {
                    "title": _("This link does not work"),
                    "message": accounts.LINK_INVALID,
                },
                status=400,
            )
        login(request, user, backend=BACKEND)
        messages.success(request, _("Welcome! Your account is ready."))
        if request.session.get(DRAFT):
            return redirect("portal:book-review")
        return redirect("portal:account")
    return render(request, "portal/auth/activate.html", {"uid": uid, "token": token})


@require_http_methods(["GET", "POST"])
def password_reset(request):
    form = EmailForm(request.POST or None)
    if request.method == "POST":
        if (refused := _throttled(request)) is not None:
            return refused
        if form.is_valid():
            accounts.request_password_reset(form.cleaned_data["email"])
            return render(
                request,
                "portal/message.html",
                {
                    "title": _("Check your email"),
                    "message": _(
                        "If an account has this address, we have sent it a link to "
                        "choose a new password."
                    ),
                },
            )
    return render(request, "portal/auth/password_reset.html", {"form": form})


@personal
@require_http_methods(["GET", "POST"])
def password_reset_confirm(request):
    """The link in the reset email: choose a new password."""
    uid, token = request.GET.get("uid", ""), request.GET.get("token", "")
    form = NewPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            accounts.confirm_password_reset(
                uid=uid, token=token, new_password=form.cleaned_data["new_password"]
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Your password is changed: sign in with it."))
            return redirect(reverse("web:sign-in"))
    return render(
        request,
        "portal/auth/password_reset_confirm.html",
        {
            "form": form,
            "uid": uid,
            "token": token,
            "next": safe_next(request, ""),
        },
    )
