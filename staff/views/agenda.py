"""A therapist's Today and Week: their visits with what matters at the table (first visit,
contraindications, the status and the next step), and the status buttons the rules allow."""

from datetime import timedelta

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from bookings import services
from bookings.api.permissions import refusal_for
from bookings.board import board
from bookings.selectors import bookings_visible_to
from clinic.roles import Role
from staff.access import staff_page
from staff.views.common import back_to, day_from, monday_of, run
from therapists.models import Therapist

# The status buttons, in the order they are offered: (action, label, the service).
ACTIONS = {
    "confirm": (_("Confirm"), services.confirm_booking),
    "check_in": (_("Check in"), services.check_in_booking),
    "complete": (_("Complete"), services.complete_booking),
    "no_show": (_("No-show"), services.mark_no_show),
}
NEXT_STEPS = {
    "requested": ("confirm", "check_in", "no_show"),
    "confirmed": ("check_in", "no_show"),
    "checked_in": ("complete",),
}
DONE = {
    "confirm": _("Confirmed."),
    "check_in": _("Checked in."),
    "complete": _("Completed."),
    "no_show": _("Marked as a no-show."),
}


def actions_for(booking) -> list[tuple[str, str]]:
    """The buttons a booking's status allows (the services still check the times)."""
    return [(name, ACTIONS[name][0]) for name in NEXT_STEPS.get(booking.status, ())]


@staff_page
def home(request):
    if request.role == Role.ADMIN:
        return redirect("staff:board")
    return redirect("staff:today")


def _therapist_for(request):
    """The therapist whose agenda is shown: one's own; an admin picks (`?therapist=`)."""
    if request.role == Role.ADMIN:
        chosen = request.GET.get("therapist", "")
        if chosen.isdigit():
            return get_object_or_404(Therapist, pk=int(chosen))
        return request.therapist or Therapist.objects.filter(active=True).first()
    return request.therapist


@staff_page
def today(request):
    therapist = _therapist_for(request)
    day = day_from(request)
    agenda = board(day, therapist=therapist) if therapist else None
    blocks = agenda.columns[0].blocks if agenda else []
    return render(
        request,
        "staff/today.html",
        {
            "therapist": therapist,
            "day": day,
            "previous": day - timedelta(days=1),
            "next": day + timedelta(days=1),
            "column": agenda.columns[0] if agenda else None,
            "rows": [(b, actions_for(b.booking)) for b in blocks],
            "therapists": Therapist.objects.filter(active=True)
            if request.role == Role.ADMIN
            else [],
        },
    )


@staff_page
def week(request):
    therapist = _therapist_for(request)
    first = monday_of(day_from(request))
    agenda = board(first, days=7, therapist=therapist) if therapist else None
    return render(
        request,
        "staff/week.html",
        {
            "therapist": therapist,
            "first": first,
            "previous": first - timedelta(days=7),
            "next": first + timedelta(days=7),
            "columns": agenda.columns if agenda else [],
            "therapists": Therapist.objects.filter(active=True)
            if request.role == Role.ADMIN
            else [],
        },
    )


@staff_page
def booking_action(request, booking_id: int, action: str):
    """POST: confirm, check in, complete or mark a no-show, through the booking services;
    the booking's therapist or the front desk (bookings.api.permissions.refusal_for)."""
    if request.method != "POST" or action not in ACTIONS:
        return redirect("staff:home")
    booking = get_object_or_404(bookings_visible_to(request.user), pk=booking_id)
    _label, service = ACTIONS[action]
    why_not = refusal_for(request.user, action, booking, role=request.role)
    if why_not:
        messages.error(request, why_not)
    else:
        run(request, lambda: service(booking, actor=request.user), done=DONE[action])
    return back_to(request, reverse("staff:today"))
