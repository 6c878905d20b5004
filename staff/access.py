"""Who may open the staff screens: admins (the front desk) and therapists, signed in with a
session (web's sign-in), and with a two-factor code when they have one or the clinic requires
it: the rule of the API's token view and of the admin site (`clinic.admin_site.needs_code`).

A client or anyone else is refused (403); someone signed out is sent to sign in; a record the
user may not see is a 404, decided by the same selectors as the API."""

from functools import wraps

from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from clinic import two_factor
from clinic.admin_site import needs_code
from clinic.roles import Role, role_of, therapist_of
from web.http import no_store

STAFF_ROLES = (Role.ADMIN, Role.THERAPIST)


def _two_factor_refusal(request):
    """A page when the session lacks the code its user needs, else None."""
    user = request.user
    if user.is_verified() or not needs_code(user):
        return None
    if not two_factor.is_enrolled(user):
        return no_store(render(request, "staff/enrol_first.html", status=403))
    # Enrolled since this session began (or signed in some other way): sign in again.
    logout(request)
    return redirect_to_login(request.get_full_path())


def staff_page(view=None, *, roles=STAFF_ROLES):
    """Decorate a staff view: signed in, one of `roles`, two-factor when needed, never cached.
    The view gets `request.role` and `request.therapist` (None for an admin without one)."""
    if view is None:
        return lambda v: staff_page(v, roles=roles)

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        role = role_of(request.user)
        if role not in STAFF_ROLES:
            raise PermissionDenied("These pages are for the clinic's staff.")
        refusal = _two_factor_refusal(request)
        if refusal is not None:
            return refusal
        if role not in roles:
            raise PermissionDenied("This page is for the front desk.")
        request.role = role
        request.therapist = therapist_of(request.user)
        return no_store(view(request, *args, **kwargs))

    return wrapped


def front_desk(view):
    return staff_page(view, roles=(Role.ADMIN,))


def therapists_only(view):
    return staff_page(view, roles=(Role.THERAPIST,))
