"""The intake: health history, consent (shown in full, signed by version) and the trigger
points that bother the client, on the body map or its plain list. Written by
clients.services.record_intake, as through the API; a new intake starts from the last one."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms.models import model_to_dict
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from clients.models import Intake
from clients.selectors import latest_intake_of
from clients.services import record_intake
from clinic import audit
from clinic.models import AuditAction
from portal.consent import CONSENT_TEXT, CONSENT_VERSION
from portal.forms import (
    FLAG_FIELDS,
    HEALTH_FIELDS,
    PREGNANCY_FIELDS,
    IntakeForm,
    TriggerPointFormSet,
    apply_errors,
)
from portal.views.common import client_required
from web.views import safe_next

POINT_FIELDS = ("muscle", "side", "pain", "refers_to")


def _initial(last: Intake | None):
    if last is None:
        return {}, []
    fields = model_to_dict(last, fields=IntakeForm.Meta.fields)
    points = [{f: getattr(p, f) for f in POINT_FIELDS} for p in last.reported_trigger_points.all()]
    return fields, points


@client_required
def new_intake(request):
    last = latest_intake_of(request.client)
    initial, points = _initial(last)
    if request.method == "POST":
        form = IntakeForm(request.POST)
        formset = TriggerPointFormSet(request.POST, prefix="tp")
        if form.is_valid() and formset.is_valid():
            fields = {k: v for k, v in form.cleaned_data.items() if k != "consent_given"}
            try:
                with transaction.atomic():
                    intake = record_intake(
                        request.client,
                        recorded_by=request.user,
                        reported_trigger_points=formset.points(),
                        consent_given=True,
                        consent_version=CONSENT_VERSION,
                        **fields,
                    )
                    audit.record(request, AuditAction.CREATE, intake)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("Thank you: your intake is saved."))
                return redirect(safe_next(request, "portal:intakes"))
    else:
        if last is not None:
            audit.record(request, AuditAction.READ, last)  # the form shows its answers
        form = IntakeForm(initial=initial)
        formset = TriggerPointFormSet(initial=points, prefix="tp")
    return render(
        request,
        "portal/intake/form.html",
        {
            "form": form,
            "formset": formset,
            "consent_text": CONSENT_TEXT,
            "consent_version": CONSENT_VERSION,
            "returning": last is not None,
            "health_fields": [form[f] for f in HEALTH_FIELDS],
            "flag_fields": [form[f] for f in FLAG_FIELDS],
            "pregnancy_fields": [form[f] for f in PREGNANCY_FIELDS],
            "next": safe_next(request, ""),
            "step": 4 if "book" in safe_next(request, "") else None,
        },
    )


@client_required
def intakes(request):
    history = list(
        request.client.intakes.prefetch_related("reported_trigger_points").order_by(
            "-created_at", "-id"
        )
    )
    audit.record(request, AuditAction.LIST, Intake, object_ids=[i.pk for i in history])
    return render(request, "portal/intake/list.html", {"intakes": history})


@client_required
def intake_detail(request, pk: int):
    intake = (
        request.client.intakes.prefetch_related("reported_trigger_points").filter(pk=pk).first()
    )
    if intake is None:
        raise Http404
    audit.record(request, AuditAction.READ, intake)
    return render(
        request,
        "portal/intake/detail.html",
        {
            "intake": intake,
            "points": list(intake.reported_trigger_points.all()),
        },
    )
