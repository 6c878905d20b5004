"""Charting at the table: the client's flags first, the body map with what they reported at
intake and what was treated last visit, the points treated now, the SOAP note; saved as a
draft as the therapist works (treatments.services.save_draft: a resend is harmless), signed
with a confirmation that it locks the note, amended afterwards. Every read of a chart, an
intake or a previous note is in the audit log, as through the API."""

import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings.models import Booking
from bookings.selectors import bookings_visible_to
from clients.contraindications import flags_for_intake
from clients.models import Intake
from clients.selectors import clinic_today, latest_intake_of
from clinic import audit
from clinic.errors import DomainError
from clinic.vocabulary import Muscle, Side, referral_pattern
from staff.access import therapists_only
from staff.forms import AmendmentForm, SignForm, SoapForm, TreatedPointFormSet
from staff.referral_map import shapes_for
from staff.views.common import refusal_text
from treatments import services
from treatments.models import TreatmentNote
from treatments.selectors import notes_visible_to

POINT_FIELDS = (
    "muscle",
    "side",
    "technique",
    "pressure",
    "pain_before",
    "pain_after",
    "referral_reproduced",
    "note",
)


def _booking(request, booking_id: int) -> Booking:
    """The therapist's own booking (anyone else's is a 404, as in the API)."""
    return get_object_or_404(
        bookings_visible_to(request.user).select_related("client", "service", "room"),
        pk=booking_id,
    )


def _note_of(booking: Booking, user) -> TreatmentNote | None:
    return notes_visible_to(user).filter(booking=booking).first()


def _previous_note(booking: Booking, user) -> TreatmentNote | None:
    return (
        notes_visible_to(user)
        .filter(booking__client_id=booking.client_id, booking__start__lt=booking.start)
        .order_by("-booking__start")
        .first()
    )


def _points_from(formset) -> list[dict]:
    return [
        {name: form.cleaned_data[name] for name in POINT_FIELDS}
        for form in formset.forms
        if form.cleaned_data and not form.cleaned_data.get("DELETE")
    ]


def _initial_points(note: TreatmentNote | None) -> list[dict]:
    if note is None:
        return []
    return [
        {name: getattr(p, name) for name in POINT_FIELDS} for p in note.treated_trigger_points.all()
    ]


def _soap_initial(note: TreatmentNote | None) -> dict:
    if note is None:
        return {}
    return {f: getattr(note, f) for f in services.SOAP_FIELDS}


def _context(request, booking, note, *, soap=None, points=None, sign=None, amend=None):
    intake = latest_intake_of(booking.client)
    previous = _previous_note(booking, request.user)
    # The chart, the intake and the previous note are read: each goes in the audit log.
    if note is not None:
        audit.record(request, audit.AuditAction.READ, note)
    if intake is not None:
        audit.record(request, audit.AuditAction.READ, Intake, intake.pk)
    if previous is not None:
        audit.record(request, audit.AuditAction.READ, previous)
    flags = flags_for_intake(intake, clinic_today())
    signed = note is not None and note.is_signed
    return {
        "booking": booking,
        "client": booking.client,
        "note": note,
        "signed": signed,
        "flags": flags,
        "serious": [f for f in flags if f.severity in ("high", "critical")],
        "intake": intake,
        "reported": list(intake.reported_trigger_points.all()) if intake else [],
        "previous": previous,
        "previous_points": list(previous.treated_trigger_points.all()) if previous else [],
        "current_points": list(note.treated_trigger_points.all()) if note else [],
        "soap": soap or SoapForm(initial=_soap_initial(note)),
        "points": points or TreatedPointFormSet(prefix="points", initial=_initial_points(note)),
        "sign_form": sign or SignForm(),
        "amend_form": amend or AmendmentForm(),
        "amendments": list(note.amendments.all()) if note else [],
        "muscles": Muscle.choices,
        "sides": Side.choices,
        "draft_url": reverse("staff:chart-draft", args=[booking.pk]),
        "updated_at": note.updated_at.isoformat() if note else "",
    }


def _save(request, booking, soap, points) -> TreatmentNote:
    with transaction.atomic():
        existed = TreatmentNote.objects.filter(booking=booking).exists()
        note = services.save_draft(
            user=request.user,
            booking=booking,
            treated_trigger_points=_points_from(points),
            **soap.cleaned_data,
        )
        action = audit.AuditAction.UPDATE if existed else audit.AuditAction.CREATE
        audit.record(request, action, note)
    return note


@therapists_only
def chart(request, booking_id: int):
    """GET: the chart. POST: save it (the "Save" button), or save and sign it ("Sign and
    lock", with the confirmation ticked)."""
    booking = _booking(request, booking_id)
    note = _note_of(booking, request.user)
    if request.method != "POST":
        return render(request, "staff/chart.html", _context(request, booking, note))
    soap = SoapForm(request.POST)
    points = TreatedPointFormSet(request.POST, prefix="points")
    if "add_point" in request.POST:
        return _add_point_without_script(request, booking, note, soap, points)
    signing = "sign" in request.POST
    sign = SignForm(request.POST) if signing else None
    if not (soap.is_valid() and points.is_valid()) or (signing and not sign.is_valid()):
        context = _context(request, booking, note, soap=soap, points=points, sign=sign)
        return render(request, "staff/chart.html", context, status=400)
    try:
        note = _save(request, booking, soap, points)
        if signing:
            with transaction.atomic():
                services.sign_note(user=request.user, note=note)
                audit.record(request, audit.AuditAction.SIGN, note)
    except (ValidationError, PermissionDenied, DomainError) as exc:
        messages.error(request, refusal_text(exc))
        note = _note_of(booking, request.user)
        context = _context(request, booking, note, soap=soap, points=points)
        return render(request, "staff/chart.html", context, status=400)
    messages.success(request, _("Signed: the note is locked.") if signing else _("Saved."))
    return redirect("staff:chart", booking_id=booking.pk)


def _add_point_without_script(request, booking, note, soap, points):
    """ "Add point" with scripts off: keep what was typed (saved as a draft where it is complete)
    and show the page again with a new row for the chosen muscle and side."""
    if soap.is_valid():
        points_ok = points.is_valid()
        try:
            with transaction.atomic():
                note = services.save_draft(
                    user=request.user,
                    booking=booking,
                    treated_trigger_points=_points_from(points) if points_ok else None,
                    **soap.cleaned_data,
                )
                audit.record(request, audit.AuditAction.UPDATE, note)
        except (ValidationError, PermissionDenied, DomainError) as exc:
            messages.error(request, refusal_text(exc))
    rows = []
    for index in range(points.total_form_count()):
        row = {name: request.POST.get(f"points-{index}-{name}", "") for name in POINT_FIELDS}
        if request.POST.get(f"points-{index}-DELETE"):
            continue
        row["referral_reproduced"] = bool(row["referral_reproduced"])
        rows.append(row)
    muscle, side = request.POST.get("add_muscle", ""), request.POST.get("add_side", "")
    if muscle in Muscle.values and side in Side.values:
        rows.append({"muscle": muscle, "side": side, "pressure": 3})
    context = _context(
        request,
        booking,
        note,
        soap=SoapForm(initial={f: request.POST.get(f, "") for f in services.SOAP_FIELDS}),
        points=TreatedPointFormSet(prefix="points", initial=rows),
    )
    return render(request, "staff/chart.html", context)


@therapists_only
def draft(request, booking_id: int):
    """POST (from the page's script, the chart form as it stands): save the draft. The SOAP
    text is always kept; the points once every row is complete. Answers JSON; sending the same
    draft again changes nothing."""
    if request.method != "POST":
        raise Http404
    booking = _booking(request, booking_id)
    soap = SoapForm(request.POST)
    points = TreatedPointFormSet(request.POST, prefix="points")
    if not soap.is_valid():
        return JsonResponse({"saved": False, "errors": soap.errors}, status=400)
    points_ok = points.is_valid()
    try:
        with transaction.atomic():
            existed = TreatmentNote.objects.filter(booking=booking).exists()
            note = services.save_draft(
                user=request.user,
                booking=booking,
                treated_trigger_points=_points_from(points) if points_ok else None,
                **soap.cleaned_data,
            )
            action = audit.AuditAction.UPDATE if existed else audit.AuditAction.CREATE
            audit.record(request, action, note)
    except (ValidationError, PermissionDenied, DomainError) as exc:
        return JsonResponse({"saved": False, "detail": refusal_text(exc)}, status=409)
    at = timezone.localtime(note.updated_at)
    return JsonResponse(
        {
            "saved": True,
            "note": note.pk,
            "points_saved": points_ok,
            "point_errors": [] if points_ok else [dict(e) for e in points.errors],
            "updated_at": note.updated_at.isoformat(),
            "saved_at": f"{at:%H:%M:%S}",
        }
    )


@therapists_only
def amend(request, booking_id: int):
    booking = _booking(request, booking_id)
    note = _note_of(booking, request.user)
    if request.method != "POST" or note is None:
        return redirect("staff:chart", booking_id=booking.pk)
    form = AmendmentForm(request.POST)
    if form.is_valid():
        try:
            with transaction.atomic():
                services.add_amendment(user=request.user, note=note, text=form.cleaned_data["text"])
                audit.record(request, audit.AuditAction.AMEND, note)
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, refusal_text(exc))
        else:
            messages.success(request, _("Amendment added."))
            return redirect("staff:chart", booking_id=booking.pk)
    context = _context(request, booking, note, amend=form)
    return render(request, "staff/chart.html", context, status=400)


def referral_context(muscle: str, side: str) -> dict:
    pattern = referral_pattern(muscle)
    return {
        "pattern": pattern,
        "muscle_label": Muscle(muscle).label,
        "side": side,
        "side_label": Side(side).label,
        "shapes": shapes_for(pattern, side),
    }


def points_json(points) -> str:
    return json.dumps([{"muscle": p.muscle, "side": p.side} for p in points])
