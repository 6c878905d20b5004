"""The front desk's day board: therapists (and rooms, when the clinic uses them) as columns,
the day's time as rows, bookings as blocks coloured by status, time off shaded, today's
arrivals; the page's script asks for the grid again every few seconds so a booking made online
appears by itself. An empty time opens the booking form."""

import hashlib
from datetime import datetime, timedelta

from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import urlencode

from bookings.board import board
from clinic.models import Clinic
from staff.access import front_desk
from staff.views.agenda import actions_for
from staff.views.common import day_from

REFRESH_SECONDS = 15


def _wall_minutes(moment: datetime, opens: datetime, tz) -> float:
    """Minutes of wall-clock time from `opens` (the grid's rows are wall-clock)."""
    local = moment.astimezone(tz).replace(tzinfo=None)
    return (local - opens.replace(tzinfo=None)).total_seconds() / 60


def _box(start, end, opens, total, tz) -> dict | None:
    top = max(0.0, _wall_minutes(start, opens, tz))
    bottom = min(float(total), _wall_minutes(end, opens, tz))
    if bottom <= top:
        return None
    return {"top": round(top / total * 100, 3), "height": round((bottom - top) / total * 100, 3)}


def layout(day_board, clinic) -> dict:
    """Every column's blocks, shaded time and free slots as percentages of the grid."""
    tz, opens, closes = day_board.tz, day_board.opens, day_board.closes
    total = max(1.0, _wall_minutes(closes, opens, tz))
    step = timedelta(minutes=clinic.slot_interval_minutes)
    rows = []
    moment = opens
    while moment < closes:
        if moment.minute == 0:
            box = _box(moment, moment + timedelta(hours=1), opens, total, tz)
            rows.append({"label": f"{moment:%H:%M}", **(box or {})})
        moment = (moment.replace(tzinfo=None) + step).replace(tzinfo=tz)
    columns = []
    for column in day_board.columns:
        shaded, free = [], []
        if column.therapist is not None:
            edges = [opens, *[t for interval in column.hours for t in interval], closes]
            for start, end in zip(edges[::2], edges[1::2], strict=False):
                box = _box(start, end, opens, total, tz)
                if box:
                    shaded.append({**box, "kind": "closed", "label": ""})
            for start, end, reason in column.time_off:
                box = _box(start, end, opens, total, tz)
                if box:
                    shaded.append({**box, "kind": "time-off", "label": reason or "Time off"})
            busy = [(b.booking.start, b.booking.blocks_until) for b in column.blocks] + [
                (s, e) for s, e, _ in column.time_off
            ]
            for start, end in column.hours:
                slot = start
                while slot + step <= end:
                    if not any(s < slot + step and slot < e for s, e in busy):
                        box = _box(slot, slot + step, opens, total, tz)
                        query = urlencode(
                            {
                                "therapist": column.therapist.pk,
                                "date": f"{slot.astimezone(tz):%Y-%m-%d}",
                                "time": f"{slot.astimezone(tz):%H:%M}",
                            }
                        )
                        free.append(
                            {
                                **box,
                                "url": f"{reverse('staff:book')}?{query}",
                                "label": f"{slot.astimezone(tz):%H:%M}",
                            }
                        )
                    slot = (slot.replace(tzinfo=None) + step).replace(tzinfo=tz)
        blocks = []
        for block in column.blocks:
            box = _box(block.booking.start, block.booking.end, opens, total, tz)
            if box:
                blocks.append({**box, "block": block, "actions": actions_for(block.booking)})
        columns.append({"column": column, "shaded": shaded, "free": free, "blocks": blocks})
    return {"rows": rows, "columns": columns}


def _grid_context(request):
    clinic = Clinic.get()
    day = day_from(request)
    day_board = board(day, clinic=clinic)
    return {
        "day": day,
        "previous": day - timedelta(days=1),
        "next": day + timedelta(days=1),
        "board": day_board,
        "grid": layout(day_board, clinic),
        "arrivals": [(b, actions_for(b.booking)) for b in day_board.arrivals],
        "zone": f"{day_board.opens:%Z}",
        "here": request.get_full_path(),
    }


@front_desk
def day(request):
    context = _grid_context(request)
    context["fragment_url"] = f"{reverse('staff:board-fragment')}?date={context['day']:%Y-%m-%d}"
    context["refresh_seconds"] = REFRESH_SECONDS
    context["version"] = version(context["board"])
    return render(request, "staff/board.html", context)


@front_desk
def fragment(request):
    """The grid and the arrivals alone, for the page's script; `X-Board-Version` changes
    whenever what they show does."""
    context = _grid_context(request)
    context["here"] = f"{reverse('staff:board')}?date={context['day']:%Y-%m-%d}"
    html = render_to_string("staff/includes/board_grid.html", context, request=request)
    response = HttpResponse(html)
    response["X-Board-Version"] = version(context["board"])
    return response


def version(day_board) -> str:
    """Changes whenever a booking, time off or hours on the board do (not with the page's
    per-render CSRF token, so an unchanged board is not redrawn)."""
    seen = [
        (
            c.key,
            c.hours,
            c.time_off,
            [(b.booking.pk, b.booking.status, b.booking.updated_at) for b in c.blocks],
        )
        for c in day_board.columns
    ]
    return hashlib.sha256(repr(seen).encode()).hexdigest()[:16]
