"""Clinic reports: computed by SQL aggregates in a fixed number of queries, whatever the range.

Definitions (also in the README):
- A booking belongs to the period and therapist of its start, in the clinic's time zone.
- Working minutes: the therapist's weekly hours laid over each local date of the period, minus
  time off overlapping them (time off never overlaps itself: the therapists app refuses it).
- Booked minutes: service minutes of every booking that was not cancelled (a no-show held the
  slot). Utilisation = booked minutes / working minutes (null when there are no working minutes).
- No-show rate = no-shows / bookings; late-cancellation rate = late cancellations / bookings.
- Revenue: the price of completed bookings, as recorded on each booking when it was made
  (a later change of the service's price does not rewrite the past).
- Clinic cancellations: cancellations the clinic initiated, a figure of their own; never
  counted as late, whatever the booking's flag says.
- Clients with a booking (not cancelled) in the range are "new" when their first booking ever
  (not cancelled) lies in the range, "returning" otherwise.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import Count, DecimalField, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce

from bookings.models import Booking, CancelledBy
from clinic.statuses import BookingStatus

PERIODS = ("day", "week", "month")
MAX_RANGE = timedelta(days=731)

UTILISATION_SQL = """
WITH days AS (
    SELECT d::date AS day FROM generate_series(%(d0)s::date, %(d1)s::date, interval '1 day') d
),
work AS (
    SELECT wh.therapist_id,
           date_trunc(%(period)s, days.day)::date AS period,
           tstzrange((days.day + wh.start_time) AT TIME ZONE %(tz)s,
                     (days.day + wh.end_time) AT TIME ZONE %(tz)s) AS r
    FROM days
    JOIN therapists_workinghours wh ON wh.weekday = extract(isodow FROM days.day)::int - 1
    WHERE %(therapist)s::bigint IS NULL OR wh.therapist_id = %(therapist)s::bigint
),
work_minutes AS (
    SELECT w.therapist_id, w.period,
           SUM(extract(epoch FROM upper(w.r) - lower(w.r)) - COALESCE(off.secs, 0)) / 60
               AS working_minutes
    FROM work w
    LEFT JOIN LATERAL (
        SELECT SUM(extract(epoch FROM upper(w.r * tstzrange(o.start, o."end"))
                                    - lower(w.r * tstzrange(o.start, o."end")))) AS secs
        FROM therapists_timeoff o
        WHERE o.therapist_id = w.therapist_id AND tstzrange(o.start, o."end") && w.r
    ) off ON true
    GROUP BY 1, 2
),
booked AS (
    SELECT b.therapist_id,
           date_trunc(%(period)s, b.start AT TIME ZONE %(tz)s)::date AS period,
           count(*) AS bookings,
           count(*) FILTER (WHERE b.status = %(completed)s) AS completed,
           count(*) FILTER (WHERE b.status = %(cancelled)s) AS cancelled,
           count(*) FILTER (WHERE b.status = %(cancelled)s AND b.late_cancellation
                            AND b.cancelled_by IS DISTINCT FROM %(by_clinic)s)
               AS late_cancellations,
           count(*) FILTER (WHERE b.status = %(cancelled)s AND b.cancelled_by = %(by_clinic)s)
               AS clinic_cancellations,
           count(*) FILTER (WHERE b.status = %(no_show)s) AS no_shows,
           COALESCE(SUM(extract(epoch FROM b."end" - b.start) / 60)
                    FILTER (WHERE b.status <> %(cancelled)s), 0) AS booked_minutes,
           COALESCE(SUM(COALESCE(b.price, s.price)) FILTER (WHERE b.status = %(completed)s), 0)
               AS revenue
    FROM bookings_booking b
    JOIN clinic_service s ON s.id = b.service_id
    WHERE b.start >= %(start)s AND b.start < %(end)s
      AND (%(therapist)s::bigint IS NULL OR b.therapist_id = %(therapist)s::bigint)
    GROUP BY 1, 2
)
SELECT period, therapist_id, t.display_name,
       COALESCE(bookings, 0), COALESCE(completed, 0), COALESCE(cancelled, 0),
       COALESCE(late_cancellations, 0), COALESCE(clinic_cancellations, 0), COALESCE(no_shows, 0),
       COALESCE(booked_minutes, 0)::int, COALESCE(working_minutes, 0)::int,
       COALESCE(revenue, 0)
FROM work_minutes FULL OUTER JOIN booked USING (therapist_id, period)
JOIN therapists_therapist t ON t.id = therapist_id
ORDER BY period, t.display_name, therapist_id
"""

ROW_FIELDS = (
    "period",
    "therapist",
    "therapist_name",
    "bookings",
    "completed",
    "cancelled",
    "late_cancellations",
    "clinic_cancellations",
    "no_shows",
    "booked_minutes",
    "working_minutes",
    "revenue",
)


def _rate(part, whole):
    return round(part / whole, 4) if whole else None


@dataclass(frozen=True)
class ReportRange:
    start: date  # inclusive, clinic-local
    end: date  # inclusive, clinic-local
    tz: object  # ZoneInfo

    @property
    def start_at(self) -> datetime:
        return datetime.combine(self.start, time(), tzinfo=self.tz)

    @property
    def end_at(self) -> datetime:
        return datetime.combine(self.end + timedelta(days=1), time(), tzinfo=self.tz)


def _with_rates(row: dict) -> dict:
    row["utilisation"] = _rate(row["booked_minutes"], row["working_minutes"])
    row["no_show_rate"] = _rate(row["no_shows"], row["bookings"])
    row["late_cancellation_rate"] = _rate(row["late_cancellations"], row["bookings"])
    return row


def therapist_rows(rng: ReportRange, period: str, therapist_id: int | None) -> list[dict]:
    """Per period and therapist: counts, minutes, utilisation, rates and revenue (one query)."""
    params = {
        "d0": rng.start,
        "d1": rng.end,
        "period": period,
        "tz": str(rng.tz),
        "therapist": therapist_id,
        "start": rng.start_at,
        "end": rng.end_at,
        "completed": BookingStatus.COMPLETED.value,
        "cancelled": BookingStatus.CANCELLED.value,
        "no_show": BookingStatus.NO_SHOW.value,
        "by_clinic": CancelledBy.CLINIC.value,
    }
    with connection.cursor() as cursor:
        cursor.execute(UTILISATION_SQL, params)
        return [_with_rates(dict(zip(ROW_FIELDS, row, strict=True))) for row in cursor.fetchall()]


def _bookings_in(rng: ReportRange, therapist_id: int | None):
    bookings = Booking.objects.filter(start__gte=rng.start_at, start__lt=rng.end_at)
    if therapist_id is not None:
        bookings = bookings.filter(therapist_id=therapist_id)
    return bookings


def _breakdown(rng: ReportRange, therapist_id: int | None, *keys: str) -> list[dict]:
    completed = Q(status=BookingStatus.COMPLETED)
    return list(
        _bookings_in(rng, therapist_id)
        .values(*keys)
        .annotate(
            bookings=Count("id"),
            completed=Count("id", filter=completed),
            no_shows=Count("id", filter=Q(status=BookingStatus.NO_SHOW)),
            cancelled=Count("id", filter=Q(status=BookingStatus.CANCELLED)),
            revenue=Coalesce(
                Sum(Coalesce("price", "service__price"), filter=completed),
                Decimal("0"),
                output_field=DecimalField(max_digits=12, decimal_places=2),
            ),
        )
        .order_by(*keys)
    )


def client_mix(rng: ReportRange, therapist_id: int | None) -> dict:
    """New versus returning clients among those with a (not cancelled) booking in the range."""
    first_booking = (
        Booking.objects.filter(client=OuterRef("client"))
        .exclude(status=BookingStatus.CANCELLED)
        .order_by("start")
        .values("start")[:1]
    )
    seen = (
        _bookings_in(rng, therapist_id)
        .exclude(status=BookingStatus.CANCELLED)
        .values("client")
        .distinct()
        .annotate(first=Subquery(first_booking))
    )
    return seen.aggregate(
        new=Count("client", filter=Q(first__gte=rng.start_at)),
        returning=Count("client", filter=Q(first__lt=rng.start_at)),
    )


def clinic_report(rng: ReportRange, period: str = "month", therapist_id: int | None = None):
    """The whole report: 4 queries whatever the range and the number of bookings."""
    rows = therapist_rows(rng, period, therapist_id)
    totals = {
        key: sum((row[key] for row in rows), Decimal("0") if key == "revenue" else 0)
        for key in ROW_FIELDS[3:]
    }
    return {
        "start": rng.start,
        "end": rng.end,
        "period": period,
        "timezone": str(rng.tz),
        "rows": rows,
        "totals": _with_rates(totals),
        "by_service": _breakdown(
            rng, therapist_id, "service", "service__name", "service__modality"
        ),
        "by_modality": _breakdown(rng, therapist_id, "service__modality"),
        "clients": client_mix(rng, therapist_id),
    }
