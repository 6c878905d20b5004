from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse

from portal.access import current_client
from web.http import no_store


def sign_in_url(next_url: str) -> str:
    return f"{reverse('web:sign-in')}?{urlencode({'next': next_url})}"


def client_required(view):
    """Signed in as a client (else the sign-in page, coming back here); staff get a 403: the
    portal is for clients. Every such page is personal (no-store)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect(sign_in_url(request.get_full_path()))
        client = current_client(request)
        if client is None:
            raise PermissionDenied
        request.client = client
        return no_store(view(request, *args, **kwargs))

    return wrapped


def say_conflict(request, exc) -> None:
    messages.error(request, exc.message)
