"""Reports: utilisation per therapist per period, no-show and late-cancellation rates, clinic
cancellations and revenue by service, as SVG charts with their tables, and the rows as CSV
(reports.selectors, the same figures as the API)."""

import csv
import io
from datetime import timedelta

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from clients.selectors import clinic_today
from clinic.models import Clinic
from reports.selectors import ROW_FIELDS, ReportRange, clinic_report
from staff.access import front_desk
from staff.charts import Bar, LineChart, Series, bar_chart, line_chart
from staff.forms import ReportForm

RATE_FIELDS = ("utilisation", "no_show_rate", "late_cancellation_rate")


def _form(request) -> ReportForm:
    today = clinic_today()
    data = request.GET.copy()
    data.setdefault("start", f"{today - timedelta(weeks=8):%Y-%m-%d}")
    data.setdefault("end", f"{today:%Y-%m-%d}")
    data.setdefault("period", "week")
    return ReportForm(data)


def _report(form):
    data = form.cleaned_data
    rng = ReportRange(start=data["start"], end=data["end"], tz=Clinic.get().tz)
    therapist = data.get("therapist")
    return clinic_report(rng, data["period"], therapist.pk if therapist else None)


def _percent(value) -> str:
    return "-" if value is None else f"{value * 100:.0f}%"


def _utilisation(row) -> float | None:
    if row is None or row["utilisation"] is None:
        return None
    return row["utilisation"] * 100


def charts(report: dict) -> dict:
    periods = sorted({row["period"] for row in report["rows"]})
    labels = [f"{p:%d %b}" for p in periods]
    by_therapist: dict[str, dict] = {}
    for row in report["rows"]:
        by_therapist.setdefault(row["therapist_name"], {})[f"{row['period']:%d %b}"] = row
    utilisation = LineChart(
        title=_("Utilisation per therapist"),
        series=[
            Series(
                name,
                [
                    (
                        label,
                        (rows[label]["utilisation"] or 0) * 100
                        if label in rows and rows[label]["utilisation"] is not None
                        else None,
                    )
                    for label in labels
                ],
            )
            for name, rows in by_therapist.items()
        ],
        y_max=100,
        y_format="{:.0f}%",
        x_labels=labels,
    )
    totals_by_period = {}
    for row in report["rows"]:
        t = totals_by_period.setdefault(
            f"{row['period']:%d %b}", {"bookings": 0, "no_shows": 0, "late": 0, "clinic": 0}
        )
        t["bookings"] += row["bookings"]
        t["no_shows"] += row["no_shows"]
        t["late"] += row["late_cancellations"]
        t["clinic"] += row["clinic_cancellations"]

    def rate(part, label):
        t = totals_by_period.get(label)
        return round(t[part] / t["bookings"] * 100, 1) if t and t["bookings"] else None

    rates = LineChart(
        title=_("No-show and late-cancellation rates"),
        series=[
            Series(_("No-shows"), [(label, rate("no_shows", label)) for label in labels]),
            Series(_("Late cancellations"), [(label, rate("late", label)) for label in labels]),
        ],
        y_max=max([10] + [rate(k, lab) or 0 for k in ("no_shows", "late") for lab in labels]),
        y_format="{:.0f}%",
        x_labels=labels,
    )
    clinic_cancellations = bar_chart(
        _("Clinic cancellations per period"),
        [Bar(label, totals_by_period[label]["clinic"]) for label in labels],
    )
    revenue = bar_chart(
        _("Revenue by service"),
        [
            Bar(row["service__name"], float(row["revenue"]), f"{row['revenue']:.2f}")
            for row in report["by_service"]
        ],
    )
    return {
        "utilisation_svg": line_chart(utilisation),
        "rates_svg": line_chart(rates),
        "clinic_svg": clinic_cancellations,
        "revenue_svg": revenue,
        "periods": [(label, totals_by_period[label]) for label in labels],
    }


@front_desk
def reports(request):
    form = _form(request)
    if not form.is_valid():
        return render(request, "staff/reports.html", {"form": form}, status=400)
    report = _report(form)
    rows = [
        {**row, **{f"{k}_text": _percent(row[k]) for k in RATE_FIELDS}} for row in report["rows"]
    ]
    totals = {
        **report["totals"],
        **{f"{k}_text": _percent(report["totals"][k]) for k in RATE_FIELDS},
    }
    return render(
        request,
        "staff/reports.html",
        {
            "form": form,
            "report": report,
            "rows": rows,
            "totals": totals,
            "csv_query": request.GET.urlencode(),
            **charts(report),
        },
    )


@front_desk
def reports_csv(request):
    form = _form(request)
    if not form.is_valid():
        return HttpResponse(
            "\n".join(f"{field},{' '.join(errs)}" for field, errs in form.errors.items()),
            status=400,
            content_type="text/csv",
        )
    report = _report(form)
    out = io.StringIO()
    writer = csv.writer(out)
    header = [*ROW_FIELDS, *RATE_FIELDS]
    writer.writerow(header)
    for row in report["rows"]:
        writer.writerow([row[k] if row[k] is not None else "" for k in header])
    response = HttpResponse(out.getvalue(), content_type="text/csv")
    data = form.cleaned_data
    response["Content-Disposition"] = (
        f'attachment; filename="kneadly-report-{data["start"]}-{data["end"]}.csv"'
    )
    return response
