"""My account: visits to come and past, intakes, the waitlist and its offers, my data, my
password. Every read goes through the selectors the API uses; every write through services."""

import json
from datetime import date

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bookings.selectors import bookings_visible_to
from clinic import accounts, audit
from clinic.models import AuditAction, Clinic
from clinic.statuses import ACTIVE_STATUSES
from portal.forms import ChangePasswordForm, WaitlistForm, apply_errors
from portal.views.booking import active_services
from portal.views.common import client_required
from privacy.selectors import client_export
from therapists.models import Therapist
from waitlist import services as waitlist_services
from waitlist.models import OfferStatus, WaitlistStatus
from waitlist.selectors import entries_visible_to, offers_visible_to

PAST_SHOWN = 20


@client_required
def dashboard(request):
    now = timezone.now()
    visits = bookings_visible_to(request.user).select_related("service", "therapist")
    upcoming = list(visits.filter(start__gte=now, status__in=ACTIVE_STATUSES).order_by("start"))
    past = list(
        visits.exclude(start__gte=now, status__in=ACTIVE_STATUSES).order_by("-start")[:PAST_SHOWN]
    )
    entries = list(
        entries_visible_to(request.user)
        .filter(status__in=(WaitlistStatus.WAITING, WaitlistStatus.OFFERED))
        .select_related("service", "therapist")
        .order_by("earliest_date")
    )
    offers = list(
        offers_visible_to(request.user)
        .filter(status=OfferStatus.OFFERED, hold_until__gt=now)
        .select_related("entry__service", "therapist")
        .order_by("start")
    )
    latest = request.client.intakes.order_by("-created_at", "-id").first()
    return render(
        request,
        "portal/account/dashboard.html",
        {
            "upcoming": upcoming,
            "past": past,
            "entries": entries,
            "offers": offers,
            "latest_intake": latest,
        },
    )


@client_required
def join_waitlist(request):
    clinic = Clinic.get()
    service = get_object_or_404(
        active_services(), pk=request.GET.get("service") or request.POST.get("service") or 0
    )
    therapist = None
    wanted = request.GET.get("therapist") or request.POST.get("therapist")
    if wanted and wanted != "any":
        therapist = Therapist.objects.filter(pk=wanted, active=True).first()
    try:
        day = date.fromisoformat(request.GET.get("day", ""))
    except ValueError:
        day = timezone.localtime(timezone.now(), clinic.tz).date()
    form = WaitlistForm(request.POST or None, initial={"earliest_date": day, "latest_date": day})
    if request.method == "POST" and form.is_valid():
        try:
            waitlist_services.join(
                client=request.client, service=service, therapist=therapist, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request, _("You are on the waitlist: we will email you when a time frees up.")
            )
            return redirect("portal:account")
    return render(
        request,
        "portal/account/waitlist_join.html",
        {
            "form": form,
            "service": service,
            "therapist": therapist,
        },
    )


@require_POST
@client_required
def leave_waitlist(request, pk: int):
    entry = entries_visible_to(request.user).filter(pk=pk).first()
    if entry is None:
        raise Http404
    try:
        waitlist_services.leave(entry)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("You have left the waitlist for %(service)s.") % {"service": entry.service.name},
        )
    return redirect("portal:account")


@client_required
def my_data(request):
    if request.method != "POST":
        return render(request, "portal/account/data.html")
    with transaction.atomic():
        data = client_export(request.client)
        audit.record(request, AuditAction.READ, "clients.client.export", request.client.pk)
    body = json.dumps(data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False)
    response = HttpResponse(body, content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="my-data-{request.client.pk}.json"'
    return response


@client_required
def change_password(request):
    form = ChangePasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            accounts.change_password(request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            update_session_auth_hash(request, request.user)  # this session stays signed in
            messages.success(request, _("Your password is changed. Other sign-ins have ended."))
            return redirect("portal:account")
    return render(request, "portal/account/password.html", {"form": form})
