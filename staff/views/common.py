"""What the staff views share: the clinic's today, safe redirects, turning a service's
refusal into a message."""

from datetime import date, timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme

from clients.selectors import clinic_today
from clinic.errors import DomainError


def back_to(request, fallback: str) -> HttpResponseRedirect:
    """Redirect to the page's `next` (this site only), else `fallback`."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if not target or not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = fallback
    return HttpResponseRedirect(target)


def refusal_text(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc)


REFUSALS = (ValidationError, DomainError, PermissionDenied)


def run(request, action, *, done: str) -> bool:
    """Call `action()`; say `done` or the refusal (a service's own words). True when done."""
    try:
        action()
    except REFUSALS as exc:
        messages.error(request, refusal_text(exc))
        return False
    messages.success(request, done)
    return True


def add_errors(form, exc: Exception) -> None:
    """A service's refusal onto a form: by field where the form has it, else the form's."""
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        for field, said in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, said)
    else:
        form.add_error(None, refusal_text(exc))


def day_from(request, key: str = "date") -> date:
    value = request.GET.get(key, "")
    try:
        return date.fromisoformat(value) if value else clinic_today()
    except ValueError:
        return clinic_today()


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())
