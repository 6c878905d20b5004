"""Clients: search, the client's page (flags first, visits, intakes, notes for whoever may
read them, export), and trigger point progress. A therapist sees only the clients in their
care (clients.selectors.clients_in_care_of: anyone else is a 404); each read of a chart, an
intake or progress is in the audit log, as through the API."""

import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from bookings.selectors import bookings_visible_to
from clients import services as client_services
from clients.models import Intake
from clients.selectors import (
    active_flags_by_client,
    clients_in_care_of,
    flag_resolutions_of,
    may_export_client,
    may_resolve_flags,
    may_see_staff_notes,
)
from clinic import audit
from privacy.selectors import client_export
from staff.access import staff_page
from staff.charts import LineChart, Series, line_chart
from staff.forms import ClientSearchForm
from staff.views.bookings import SEARCH_LIMIT, search_clients
from staff.views.common import refusal_text
from treatments.selectors import notes_visible_to, pain_progress


@staff_page
def client_list(request):
    search = ClientSearchForm(request.GET or None)
    query = search.cleaned_data["q"].strip() if search.is_valid() else ""
    clients = search_clients(request.user, query) if query else clients_in_care_of(request.user)
    clients = list(clients.order_by("last_name", "first_name", "id")[: SEARCH_LIMIT * 5])
    return render(
        request,
        "staff/clients.html",
        {
            "search": search,
            "query": query,
            "clients": clients,
            "flags": active_flags_by_client([c.pk for c in clients]),
        },
    )


def _client(request, client_id: int):
    return get_object_or_404(clients_in_care_of(request.user), pk=client_id)


@staff_page
def client_detail(request, client_id: int):
    client = _client(request, client_id)
    may_resolve = may_resolve_flags(request.user, client)
    refused = None
    if request.method == "POST":
        if request.POST.get("what") != "resolve_flag" or not may_resolve:
            raise Http404
        code = request.POST.get("code", "")
        try:
            client_services.resolve_flag(
                client, code=code, reason=request.POST.get("reason", ""), resolved_by=request.user
            )
        except ValidationError as exc:
            refused = {"code": code, "text": refusal_text(exc)}
            if code not in {flag.code for flag in active_flags_by_client([client.pk])[client.pk]}:
                messages.error(request, refused["text"])  # no form of its own to show it on
        else:
            messages.success(request, _("Flag resolved."))
            return redirect("staff:client", client_id=client.pk)
    intakes = list(client.intakes.prefetch_related("reported_trigger_points"))
    notes = list(
        notes_visible_to(request.user)
        .filter(booking__client=client)
        .order_by("-booking__start", "-id")
    )
    visits = list(
        bookings_visible_to(request.user)
        .filter(client=client)
        .select_related("therapist", "service", "room")
        .order_by("-start")[:100]
    )
    if intakes:
        audit.record(request, audit.AuditAction.LIST, Intake, object_ids=[i.pk for i in intakes])
    if notes:
        audit.record(request, audit.AuditAction.LIST, notes[0], object_ids=[n.pk for n in notes])
    return render(
        request,
        "staff/client.html",
        {
            "client": client,
            "flags": active_flags_by_client([client.pk])[client.pk],
            "intakes": intakes,
            "notes": notes,
            "visits": visits,
            "staff_notes": client.staff_notes
            if may_see_staff_notes(request.user, client)
            else None,
            "may_export": may_export_client(request.user, client),
            "may_resolve": may_resolve,
            "refused": refused,
            "resolutions": list(flag_resolutions_of(client)),
        },
        status=400 if refused else 200,
    )


@staff_page
def client_export_view(request, client_id: int):
    """The client's data as JSON (the right of access, answered at the desk: admins only)."""
    client = _client(request, client_id)
    if not may_export_client(request.user, client):
        raise Http404
    body = json.dumps(client_export(client), cls=DjangoJSONEncoder, indent=2)
    audit.record(request, audit.AuditAction.READ, "clients.client.export", client.pk)
    response = HttpResponse(body, content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="client-{client.pk}.json"'
    return response


def progress_charts(progress: dict) -> dict:
    """The SVG charts of the progress page: one per muscle and side, one per complaint."""
    series_charts = []
    for series in progress["series"]:
        points = series["points"]
        chart = LineChart(
            title=f"{series['muscle_label']}, {series['side']}",
            series=[
                Series(
                    _("At intake"),
                    [(p["at"], p["pain"]) for p in points if p["pain"] is not None],
                    style=1,
                ),
                Series(
                    _("Before treatment"),
                    [(p["at"], p["pain_before"]) for p in points if p["pain_before"] is not None],
                    style=3,
                ),
                Series(
                    _("After treatment"),
                    [(p["at"], p["pain_after"]) for p in points if p["pain_after"] is not None],
                    style=0,
                ),
            ],
            y_label=_("Pain (0-10)"),
        )
        series_charts.append({"series": series, "svg": line_chart(chart)})
    trend_charts = []
    for trend in progress["trends"]:
        points = trend["points"]
        chart = LineChart(
            title=_("%(complaint)s across visits") % {"complaint": trend["label"]},
            series=[
                Series(
                    _("At intake"),
                    [(p["at"], p.get("pain")) for p in points if "pain" in p],
                    style=1,
                ),
                Series(
                    _("Before treatment"),
                    [(p["at"], p["pain_before"]) for p in points if "pain_before" in p],
                    style=3,
                ),
                Series(
                    _("After treatment"),
                    [(p["at"], p["pain_after"]) for p in points if "pain_after" in p],
                    style=0,
                ),
            ],
        )
        trend_charts.append({"trend": trend, "svg": line_chart(chart) if points else None})
    return {"series_charts": series_charts, "trend_charts": trend_charts}


@staff_page
def progress(request, client_id: int):
    client = _client(request, client_id)
    data = pain_progress(client)
    audit.record(request, audit.AuditAction.READ, "trigger_point_progress", client.pk)
    return render(
        request,
        "staff/progress.html",
        {"client": client, "progress": data, **progress_charts(data)},
    )
