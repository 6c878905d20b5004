"""Schedules: working hours by weekday name and time off in clinic time. Changes that could
strand a booked client (time off, removing hours) go through bookings.schedule, as the API's
do: refused, the page lists the affected bookings and asks what to do with them (cancel them
for the clinic, or keep them), and says what happened to each once decided. Changes that strand
nobody (adding hours, removing time off) call therapists.services. The front desk edits
anyone's; a therapist their own."""

from datetime import timedelta

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from bookings import schedule as guarded
from clinic.roles import Role
from staff.access import staff_page
from staff.forms import DecisionForm, TimeOffForm, WorkingHoursForm
from staff.views.common import REFUSALS, add_errors, refusal_text
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


def _page(
    request,
    therapist,
    *,
    hours_form=None,
    off_form=None,
    decision_form=None,
    stranded=None,
    editing_hours=None,
    editing_off=None,
    status=200,
):
    """The schedule page; `stranded`: the bookings a refused change would strand, with what
    the change was (`what`: "time_off" inside the time off form, "hours" inside the hours
    form, "delete_hours" on its own). `editing_hours` / `editing_off`: the interval or time
    off the forms change instead of adding one (asked for by `?edit_hours=` /
    `?edit_time_off=`)."""
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
            "decision_form": decision_form or DecisionForm(),
            "stranded": stranded,
            "editing_hours": editing_hours,
            "editing_off": editing_off,
        },
        status=status,
    )


@staff_page
def schedule(request, therapist_id: int):
    therapist = _therapist(request, therapist_id)
    if request.method != "POST":
        return _edit_page(request, therapist)
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
    if what == "edit_hours":
        hours = get_object_or_404(WorkingHours, pk=_id(request.POST), therapist=therapist)
        return _change_hours(request, therapist, hours)
    if what == "time_off":
        return _save_time_off(request, therapist)
    if what == "edit_time_off":
        off = get_object_or_404(TimeOff, pk=_id(request.POST), therapist=therapist)
        return _save_time_off(request, therapist, off)
    if what == "delete_hours":
        hours = get_object_or_404(WorkingHours, pk=_id(request.POST), therapist=therapist)
        return _delete_hours(request, therapist, hours)
    if what == "delete_time_off":
        off = get_object_or_404(TimeOff, pk=_id(request.POST), therapist=therapist)
        services.delete_time_off(off)  # frees time: strands nobody
        messages.success(request, _("Time off removed."))
    return redirect("staff:schedule", therapist_id=therapist.pk)


def _id(data, key: str = "id") -> int:
    """An object's id from the form or the address (anything else: 0, which is nobody's)."""
    value = data.get(key, "")
    return int(value) if value.isdigit() else 0


def _edit_page(request, therapist):
    """The page; with `?edit_hours=` or `?edit_time_off=`, that one's values in the form."""
    if "edit_hours" in request.GET:
        hours = get_object_or_404(
            WorkingHours, pk=_id(request.GET, "edit_hours"), therapist=therapist
        )
        form = WorkingHoursForm(
            initial={"weekday": hours.weekday, "start_time": hours.start_time,
                     "end_time": hours.end_time}
        )  # fmt: skip
        return _page(request, therapist, hours_form=form, editing_hours=hours)
    if "edit_time_off" in request.GET:
        off = get_object_or_404(TimeOff, pk=_id(request.GET, "edit_time_off"), therapist=therapist)
        start, end = timezone.localtime(off.start), timezone.localtime(off.end)
        form = TimeOffForm(
            initial={"start_date": start.date(), "start_time": start.time(),
                     "end_date": end.date(), "end_time": end.time(), "reason": off.reason}
        )  # fmt: skip
        return _page(request, therapist, off_form=form, editing_off=off)
    return _page(request, therapist)


def _decision(request, decision_form: DecisionForm) -> dict:
    return {
        "affected_bookings": decision_form.cleaned_data["affected_bookings"] or None,
        "cancel_reason": decision_form.cleaned_data["cancel_reason"].strip(),
        "actor": request.user,
    }


def _guarded_form(request, therapist, form, write, *, what: str, done: str, page: dict):
    """Run a guarded schedule change from a valid `form` (`write(cleaned, **decision)`);
    refused, the page again with the form, and with the bookings it would strand inside it
    (the `what` of `_page`). Done: back to the page, saying what happened to each."""
    decision_form = DecisionForm(request.POST)
    stranded = None
    status = 400
    if form.is_valid() and decision_form.is_valid():
        try:
            change = write(form.cleaned_data, **_decision(request, decision_form))
        except guarded.StrandedBookings as exc:
            stranded = {"what": what, "affected": exc.affected}
            status = 409
        except guarded.CheckedInBookings as exc:  # asked again, the list still shown
            add_errors(decision_form, exc)
            stranded = {"what": what, "affected": exc.affected}
        except REFUSALS as exc:
            add_errors(form, exc)
        else:
            _say_done(request, done, change)
            return redirect("staff:schedule", therapist_id=therapist.pk)
    return _page(
        request, therapist, decision_form=decision_form, stranded=stranded, status=status, **page
    )


def _save_time_off(request, therapist, off: TimeOff | None = None):
    """Add time off, or change `off`: either way guarded (it may fall over bookings)."""
    form = TimeOffForm(request.POST)

    def write(data, **decision):
        fields = {"start": data["start"], "end": data["end"], "reason": data["reason"]}
        if off is None:
            return guarded.add_time_off(therapist, **fields, **decision)
        return guarded.update_time_off(off, changes=fields, **decision)

    done = _("Time off added.") if off is None else _("Time off changed.")
    page = {"off_form": form, "editing_off": off}
    return _guarded_form(request, therapist, form, write, what="time_off", done=done, page=page)


def _change_hours(request, therapist, hours: WorkingHours):
    """Change an interval of working hours: guarded (shortened or moved, it may strand)."""
    form = WorkingHoursForm(request.POST)

    def write(data, **decision):
        return guarded.update_working_hours(hours, changes=data, **decision)

    page = {"hours_form": form, "editing_hours": hours}
    return _guarded_form(
        request, therapist, form, write, what="hours", done=_("Working hours changed."), page=page
    )


def _delete_hours(request, therapist, hours):
    decision_form = DecisionForm(request.POST)
    if not decision_form.is_valid():
        messages.error(request, " ".join(e for es in decision_form.errors.values() for e in es))
        return _page(request, therapist, status=400)
    try:
        change = guarded.delete_working_hours(hours, **_decision(request, decision_form))
    except (guarded.StrandedBookings, guarded.CheckedInBookings) as exc:
        if isinstance(exc, guarded.CheckedInBookings):  # asked again, the list still shown
            add_errors(decision_form, exc)
        stranded = {
            "what": "delete_hours",
            "hours": hours,
            "day": Weekday(hours.weekday).label,
            "affected": exc.affected,
        }
        status = 409 if isinstance(exc, guarded.StrandedBookings) else 400
        return _page(
            request, therapist, decision_form=decision_form, stranded=stranded, status=status
        )
    except REFUSALS as exc:
        messages.error(request, refusal_text(exc))
        return _page(request, therapist, decision_form=decision_form, status=400)
    _say_done(request, _("Working hours removed."), change)
    return redirect("staff:schedule", therapist_id=therapist.pk)


def _say_done(request, done: str, change: guarded.ScheduleChange) -> None:
    """The change, then what happened to each booking it concerned (one message each)."""
    messages.success(request, done)
    for item in change.affected:
        booking = item.booking
        messages.success(
            request,
            _("%(client)s, %(service)s, %(start)s: %(outcome)s")
            % {
                "client": booking.client.full_name,
                "service": booking.service.name,
                "start": formats.date_format(timezone.localtime(booking.start), "DATETIME_FORMAT"),
                "outcome": guarded.Outcome(item.outcome).label,
            },
        )
