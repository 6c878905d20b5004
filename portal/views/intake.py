"""The intake: health history, consent (shown in full, signed by version) and the trigger
points that bother the client, on the body map or its plain list. Written by
clients.services.record_intake, as through the API; a new intake starts from the last one."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from clients.models import Intake
from clients.selectors import current_consent_text, intake_draft
from clients.services import record_intake
from clinic import audit
from clinic.errors import Conflict
from clinic.models import AuditAction
from portal.forms import (
    FLAG_FIELDS,
    HEALTH_FIELDS,
    PREGNANCY_FIELDS,
    IntakeForm,
    TriggerPointFormSet,
    apply_errors,
)
from portal.views.common import as_id, client_required
from web.views import safe_next

POINT_FIELDS = ("muscle", "side", "pain", "refers_to")


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in text.split("\n\n") if p.strip()]


@client_required
def new_intake(request):
    """A new intake, filled in from the client's draft (clients.selectors.intake_draft: their
    last answers, carried forward) and recorded by clients.services.record_intake against the
    draft it started from (a newer intake in between is a message, never overwritten)."""
    draft = intake_draft(request.client)
    consent = current_consent_text()
    based_on = draft["based_on"]
    if request.method == "POST":
        form = IntakeForm(request.POST)
        formset = TriggerPointFormSet(request.POST, prefix="tp")
        based_on = as_id(request.POST.get("based_on"))
        if consent is None:
            form.add_error(None, _("The clinic has not published its consent text yet."))
        elif form.is_valid() and formset.is_valid():
            fields = {k: v for k, v in form.cleaned_data.items() if k != "consent_given"}
            try:
                with transaction.atomic():
                    intake = record_intake(
                        request.client,
                        recorded_by=request.user,
                        reported_trigger_points=formset.points(),
                        based_on=based_on,
                        consent_given=True,
                        consent_version=consent.version,
                        **fields,
                    )
                    audit.record(request, AuditAction.CREATE, intake)
            except ValidationError as exc:
                apply_errors(form, exc)
            except Conflict as exc:
                messages.error(request, exc.message)
                return redirect(request.get_full_path())
            else:
                messages.success(request, _("Thank you: your intake is saved."))
                return redirect(safe_next(request, "portal:intakes"))
    else:
        if based_on is not None:
            audit.record(request, AuditAction.READ, Intake, based_on)  # the form shows it
        initial = {name: draft[name] for name in IntakeForm.Meta.fields if name in draft}
        points = [{f: p[f] for f in POINT_FIELDS} for p in draft["reported_trigger_points"]]
        form = IntakeForm(initial=initial)
        formset = TriggerPointFormSet(initial=points, prefix="tp")
    return render(
        request,
        "portal/intake/form.html",
        {
            "form": form,
            "formset": formset,
            "based_on": based_on,
            "consent_text": _paragraphs(consent.text) if consent else [],
            "consent_version": consent.version if consent else "",
            "returning": draft["based_on"] is not None,
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
