"""A visit's page, reached signed in or from the signed link in any of its emails: see it, add
it to a calendar, reschedule or cancel it (bookings.services, as through the API; who may act
is bookings' own rule, `refusal_for`)."""

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from bookings import selectors
from bookings import services as booking_services
from bookings.api.permissions import refusal_for
from bookings.models import CancelledBy
from clinic.errors import Conflict
from clinic.models import Clinic
from clinic.statuses import BookingStatus
from notifications.channels import appointment_ics
from portal.access import visit_access
from portal.forms import CancelForm
from portal.slots import parse_value
from portal.views.booking import times_context
from therapists.models import Therapist
from web.http import personal

CHANGEABLE = {BookingStatus.REQUESTED, BookingStatus.CONFIRMED}


def _visit_url(access, **extra) -> str:
    url = reverse("portal:visit", args=[access.obj.pk]) + access.query
    for key, value in extra.items():
        url += ("&" if "?" in url else "?") + f"{key}={value}"
    return url


def _why_not(access, action: str) -> str | None:
    booking = access.obj
    if access.actor is None:
        return _("Please call the clinic to change this visit.")
    return refusal_for(access.actor, action, booking)


def _context(access, clinic):
    booking = access.obj
    return {
        "booking": booking,
        "access": access,
        "start": timezone.localtime(booking.start, clinic.tz),
        "end": timezone.localtime(booking.end, clinic.tz),
        "changeable": booking.status in CHANGEABLE and booking.start > timezone.now(),
        "inside_window": booking_services.inside_window(booking, clinic),
        "can_cancel": _why_not(access, "cancel") is None,
        "can_reschedule": _why_not(access, "reschedule") is None,
    }


@personal
def visit(request, pk: int):
    access = visit_access(request, pk)
    clinic = Clinic.get()
    context = _context(access, clinic)
    context["booked"] = request.GET.get("booked") == "1"
    return render(request, "portal/visit/detail.html", context)


@personal
def visit_ics(request, pk: int):
    access = visit_access(request, pk)
    booking = access.obj
    method = "CANCEL" if booking.status == BookingStatus.CANCELLED else "PUBLISH"
    response = HttpResponse(
        appointment_ics(booking, Clinic.get(), method), content_type="text/calendar"
    )
    response["Content-Disposition"] = f'attachment; filename="visit-{booking.pk}.ics"'
    return response


def _therapist_at(booking, therapist_id: int | None, start, clinic) -> Therapist | None:
    """Who the visit moves to: the therapist picked (one who offers its service), or for a
    time picked under "anyone", its own therapist when free then, else whoever is."""
    offering = Therapist.objects.filter(active=True, services=booking.service_id)
    if therapist_id is not None:
        return offering.filter(pk=therapist_id).first()
    free = {
        slot.therapist_id
        for slot in selectors.available_slots(
            service=booking.service,
            start=start,
            end=start + timedelta(seconds=1),
            clinic=clinic,
            client_id=booking.client_id,
        )
        if slot.start == start
    }
    if booking.therapist_id in free:
        return booking.therapist
    return offering.filter(pk__in=free).order_by("pk").first()


@personal
@require_http_methods(["GET", "POST"])
def cancel(request, pk: int):
    access = visit_access(request, pk)
    clinic = Clinic.get()
    booking = access.obj
    context = _context(access, clinic)
    why_not = _why_not(access, "cancel")
    form = CancelForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and why_not is None and form.is_valid():
        try:
            booking_services.cancel_booking(
                booking,
                actor=access.actor,
                reason=form.cleaned_data["reason"],
                initiated_by=CancelledBy.CLIENT,
            )
        except (Conflict, ValidationError) as exc:
            messages.error(request, getattr(exc, "message", None) or " ".join(exc.messages))
        else:
            messages.success(request, _("Your visit is cancelled."))
        return redirect(_visit_url(access))
    context.update(form=form, why_not=why_not)
    return render(request, "portal/visit/cancel.html", context)


@personal
@require_http_methods(["GET", "POST"])
def reschedule(request, pk: int):
    access = visit_access(request, pk)
    clinic = Clinic.get()
    booking = access.obj
    why_not = _why_not(access, "reschedule")
    if request.method == "POST" and why_not is None:
        parsed = parse_value(request.POST.get("slot", ""))
        if parsed is None:
            messages.error(request, _("Choose a new time first."))
            return redirect(reverse("portal:visit-reschedule", args=[pk]) + access.query)
        therapist_id, start = parsed
        therapist = _therapist_at(booking, therapist_id, start, clinic)
        try:
            if therapist is None:
                raise Conflict(_("That time has just been taken: please choose another."))
            moved = booking_services.reschedule_booking(
                booking,
                start=start,
                therapist=therapist,
                actor=access.actor,
                reason=_("Moved online by the client"),
            )
        except (Conflict, ValidationError) as exc:
            messages.error(request, getattr(exc, "message", None) or " ".join(exc.messages))
            return redirect(reverse("portal:visit-reschedule", args=[pk]) + access.query)
        if moved.therapist_id != booking.therapist_id:
            messages.success(
                request,
                _("Your visit has moved, now with %(name)s, who will confirm it.")
                % {"name": moved.therapist.display_name},
            )
        else:
            messages.success(request, _("Your visit has moved."))
        return redirect(_visit_url(access))
    context = _context(access, clinic)
    context.update(why_not=why_not)
    if why_not is None and context["changeable"] and not context["inside_window"]:
        context.update(
            times_context(
                request,
                booking.service,
                clinic=clinic,
                client_id=booking.client_id,
                exclude_start=booking.start,
                default_therapist=booking.therapist,
            )
        )
        context["action"] = reverse("portal:visit-reschedule", args=[pk])
    return render(request, "portal/visit/reschedule.html", context)
