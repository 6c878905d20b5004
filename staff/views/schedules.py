"""Schedules: working hours by weekday name and time off in clinic time, through
therapists.services (the same checks as the API). The front desk edits anyone's; a therapist
their own."""

from datetime import timedelta

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from clinic.roles import Role
from staff.access import staff_page
from staff.forms import TimeOffForm, WorkingHoursForm
from staff.views.common import REFUSALS, add_errors
from therapists import services
from therapists.models import Therapist, TimeOff, Weekday, WorkingHours


def _therapist(request, therapist_id: int) -> Therapist:
    """Any therapist for the front desk; a therapist only themself (anyone else: 404)."""
    if request.role == Role.ADMIN:
        return get_object_or_404(Therapist, pk=therapist_id)
    own = request.therapist
    return get_object_or_404(Therapist.objects.filter(pk=own.pk if own else None), pk=therapist_id)


@staff_page
def schedule_list(request):
    if request.role != Role.ADMIN:
        return redirect("staff:schedule", therapist_id=request.therapist.pk)
    return render(
        request,
        "staff/schedules.html",
        {"therapists": Therapist.objects.prefetch_related("working_hours")},
    )


def _page(request, therapist, *, hours_form=None, off_form=None, status=200):
    hours = list(therapist.working_hours.order_by("weekday", "start_time"))
    days = [
        {"label": label, "hours": [h for h in hours if h.weekday == value]}
        for value, label in Weekday.choices
    ]
    recent = timezone.now() - timedelta(days=14)
    return render(
        request,
        "staff/schedule.html",
        {
            "therapist": therapist,
            "days": days,
            "time_off": list(therapist.time_off.filter(end__gte=recent).order_by("start")),
            "hours_form": hours_form or WorkingHoursForm(),
            "off_form": off_form or TimeOffForm(),
        },
        status=status,
    )


@staff_page
def schedule(request, therapist_id: int):
    therapist = _therapist(request, therapist_id)
    if request.method != "POST":
        return _page(request, therapist)
    what = request.POST.get("what")
    if what == "hours":
        form = WorkingHoursForm(request.POST)
        if form.is_valid():
            try:
                services.add_working_hours(therapist, **form.cleaned_data)
            except REFUSALS as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("Working hours added."))
                return redirect("staff:schedule", therapist_id=therapist.pk)
        return _page(request, therapist, hours_form=form, status=400)
    if what == "time_off":
        form = TimeOffForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.add_time_off(
                    therapist, start=data["start"], end=data["end"], reason=data["reason"]
                )
            except REFUSALS as exc:
                # Where the schedules work lands, a refusal lists the bookings it would strand.
                add_errors(form, exc)
            else:
                messages.success(request, _("Time off added."))
                return redirect("staff:schedule", therapist_id=therapist.pk)
        return _page(request, therapist, off_form=form, status=400)
    if what == "delete_hours":
        hours = get_object_or_404(WorkingHours, pk=request.POST.get("id") or 0, therapist=therapist)
        _delete(request, lambda: services.delete_working_hours(hours), _("Working hours removed."))
    elif what == "delete_time_off":
        off = get_object_or_404(TimeOff, pk=request.POST.get("id") or 0, therapist=therapist)
        _delete(request, lambda: services.delete_time_off(off), _("Time off removed."))
    return redirect("staff:schedule", therapist_id=therapist.pk)


def _delete(request, action, done):
    try:
        action()
    except REFUSALS as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, done)
