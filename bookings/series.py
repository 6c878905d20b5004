"""Recurring series: one request books the same service with the same therapist every N weeks.

Each occurrence keeps the first visit's local wall time (10:00 stays 10:00 across a daylight
saving change) and goes through the one booking path (`services.create_booking`: the same
availability rule, rooms and database constraints), so a series can never book what a single
booking could not. A wall time that does not exist on some day (the spring-forward gap) is
refused for that occurrence.

Modes: `all_or_nothing` books every occurrence or none (one transaction; any refusal rolls all
back and answers 409 with the list); `book_what_fits` books those that can be booked and lists
the others with the reason (409 if none fits).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from bookings import services
from bookings.availability import to_utc, wall_exists, wall_to_utc
from bookings.models import (
    MAX_EVERY_WEEKS,
    MAX_SERIES_VISITS,
    Booking,
    BookingSeries,
    SeriesMode,
)
from bookings.signals import announce_series_booked, announce_series_cancelled
from clinic.errors import Conflict
from clinic.models import Clinic, Service
from clinic.transactions import retried_atomic
from therapists.models import Therapist

GAP_REASON = "This time does not exist on that day (the clocks change)."


def occurrences(
    first: datetime,
    tz: ZoneInfo,
    *,
    every_weeks: int,
    count: int | None = None,
    until: date | None = None,
    limit: int = MAX_SERIES_VISITS + 1,
) -> list[tuple[datetime, bool]]:
    """The visits of a series as (UTC instant, wall time exists), at most `limit` of them:
    every `every_weeks` weeks from `first` on the same local wall time, `count` of them or
    every one whose local date is on or before `until`."""
    local = to_utc(first).astimezone(tz)
    wall = local.time().replace(fold=0)
    step = timedelta(weeks=every_weeks)
    result = []
    day = local.date()
    while len(result) < limit:
        if count is not None and len(result) >= count:
            break
        if until is not None and day > until:
            break
        result.append((wall_to_utc(day, wall, tz), wall_exists(day, wall, tz)))
        day += step
    return result


@dataclass
class SeriesResult:
    series: BookingSeries
    booked: list[Booking] = field(default_factory=list)
    collided: list[dict] = field(default_factory=list)


class SeriesConflict(Conflict):
    """A refused series (409), carrying the refused visits: [{"start", "reason"}]."""

    def __init__(self, message: str, collided: list[dict]):
        super().__init__(message, code="series")
        self.collided = collided


def _why(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc)


def validate_plan(*, every_weeks: int, count: int | None, until: date | None, start, tz):
    """400 unless the plan is one of count or until, 1..52 visits, every 1..26 weeks."""
    if (count is None) == (until is None):
        raise ValidationError({"count": ["Give either `count` or `until`, not both."]})
    if not 1 <= every_weeks <= MAX_EVERY_WEEKS:
        raise ValidationError({"every_weeks": [f"Repeat every 1 to {MAX_EVERY_WEEKS} weeks."]})
    if count is not None and not 1 <= count <= MAX_SERIES_VISITS:
        raise ValidationError({"count": [f"A series has 1 to {MAX_SERIES_VISITS} visits."]})
    visits = occurrences(start, tz, every_weeks=every_weeks, count=count, until=until)
    if not visits:
        raise ValidationError({"until": ["The end date is before the first visit."]})
    if len(visits) > MAX_SERIES_VISITS:
        raise ValidationError(
            {"until": [f"A series has at most {MAX_SERIES_VISITS} visits; choose an earlier date."]}
        )
    return visits


@retried_atomic
def create_series(
    *,
    client,
    therapist: Therapist,
    service: Service,
    start: datetime,
    every_weeks: int = 1,
    count: int | None = None,
    until: date | None = None,
    mode: str = SeriesMode.ALL_OR_NOTHING,
    notes: str = "",
    actor=None,
    clinic: Clinic | None = None,
) -> SeriesResult:
    """Book a series in one transaction, each visit through `services.create_booking`, then
    announce them together (`series_booked`: one notice for the series).

    all_or_nothing: any refused visit (collision or rule) books nothing: SeriesConflict (409)
    listing the refused visits. book_what_fits: the bookable visits are booked and the others
    listed; if none is bookable, SeriesConflict. Bad plans (0 or over 52 visits, both or
    neither of count/until) are a 400 before anything is checked.
    """
    clinic = clinic or Clinic.get()
    visits = validate_plan(
        every_weeks=every_weeks, count=count, until=until, start=start, tz=clinic.tz
    )
    with transaction.atomic():
        series = BookingSeries.objects.create(
            client=client,
            therapist=therapist,
            service=service,
            start=start,
            every_weeks=every_weeks,
            count=count,
            until=until,
            mode=mode,
            created_by=actor if actor is not None and actor.is_authenticated else None,
        )
        result = SeriesResult(series)
        for when, exists in visits:
            if not exists:
                result.collided.append({"start": when, "reason": GAP_REASON})
                continue
            try:
                with transaction.atomic():
                    booking = services.create_booking(
                        client=client,
                        therapist=therapist,
                        service=service,
                        start=when,
                        notes=notes,
                        actor=actor,
                        clinic=clinic,
                        series=series,
                    )
            except (ValidationError, Conflict) as exc:
                result.collided.append({"start": when, "reason": _why(exc)})
            else:
                result.booked.append(booking)
        if mode == SeriesMode.ALL_OR_NOTHING and result.collided:
            raise SeriesConflict(
                "Some visits of the series cannot be booked; nothing was booked.",
                result.collided,
            )
        if not result.booked:
            raise SeriesConflict("No visit of the series can be booked.", result.collided)
        announce_series_booked(series, result.booked)
    return result


@retried_atomic
def cancel_series(
    series: BookingSeries,
    *,
    since: datetime | None = None,
    actor=None,
    reason: str = "",
    initiated_by: str | None = None,
) -> list[Booking]:
    """Cancel the series' requested and confirmed visits starting at or after `since` (default
    now), each through `services.cancel_booking` (history, who initiated it, late flag:
    `initiated_by` as there), then announce them
    together (`series_cancelled`: one notice for the series). Returns the cancelled bookings."""
    since = since or timezone.now()
    cancelled = []
    with transaction.atomic():
        for booking in series.bookings.filter(
            start__gte=since, status__in=services.CANCEL.sources
        ).order_by("start"):
            cancelled.append(
                services.cancel_booking(
                    booking,
                    actor=actor,
                    reason=reason or "Series cancelled",
                    initiated_by=initiated_by,
                )
            )
        announce_series_cancelled(series, cancelled)
    return cancelled
