"""Reads for the staff screens' calendars: the front desk's day board, the week view and a
therapist's agenda. One loader, a fixed number of queries however many therapists, rooms and
bookings (seven: clinic, therapists, hours, time off, bookings, rooms, latest intakes).

Times are the clinic's: a day is local midnight to local midnight, working hours are wall-clock
times on that day (so 09:00 stays 09:00 across DST)."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Exists, OuterRef, Q

from bookings.models import Booking, Room
from clients.contraindications import Flag, Severity
from clients.selectors import VISITED_STATUSES, active_flags_by_client
from clinic.models import Clinic
from clinic.statuses import BookingStatus
from therapists.models import Therapist, TimeOff, WorkingHours

# The grid when nobody works that day (and its bounds always include every booking shown).
DEFAULT_OPENS, DEFAULT_CLOSES = time(8), time(18)
SERIOUS = frozenset({Severity.HIGH, Severity.CRITICAL})  # shown so that nobody can miss them


@dataclass
class Block:
    """A booking on a calendar, with what the staff need to see at a glance."""

    booking: Booking
    first_visit: bool
    flags: list[Flag]

    @property
    def high_risk(self) -> bool:
        return any(flag.severity in SERIOUS for flag in self.flags)

    @property
    def arrived(self) -> bool:
        return self.booking.status in (BookingStatus.CHECKED_IN, BookingStatus.COMPLETED)


@dataclass
class Column:
    """One therapist's (or one room's) day."""

    key: str
    label: str
    day: date
    therapist: Therapist | None = None
    room: Room | None = None
    hours: list[tuple[datetime, datetime]] = field(default_factory=list)
    time_off: list[tuple[datetime, datetime, str]] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)

    @property
    def works(self) -> bool:
        return bool(self.hours)


@dataclass
class Board:
    first_day: date
    days: list[date]
    opens: datetime  # the grid of the first day, local
    closes: datetime
    columns: list[Column]
    arrivals: list[Block]  # the first day's visits in time order (cancelled ones left out)
    tz: object = None

    def columns_on(self, day: date) -> list[Column]:
        return [c for c in self.columns if c.day == day]

    def therapist_columns(self) -> list[Column]:
        return [c for c in self.columns if c.therapist is not None]

    def room_columns(self) -> list[Column]:
        return [c for c in self.columns if c.room is not None]


def _local(day: date, moment: time, tz) -> datetime:
    return datetime.combine(day, moment, tzinfo=tz)


def board(
    first_day: date,
    *,
    days: int = 1,
    therapist: Therapist | None = None,
    with_rooms: bool = True,
    clinic: Clinic | None = None,
) -> Board:
    """The calendar from `first_day` for `days` days: a column per therapist per day (active
    therapists, and any other with a booking shown), then, when the clinic has rooms in use
    and `with_rooms`, one per room per day. Only `therapist`'s columns when given (a week
    view, an agenda). Blocks are the bookings that are not cancelled; each says whether it is
    the client's first visit (no earlier visit that took place) and carries the client's
    contraindication flags."""
    clinic = clinic or Clinic.get()
    tz = clinic.tz
    dates = [first_day + timedelta(days=n) for n in range(days)]
    start = _local(first_day, time(0), tz)
    end = _local(dates[-1] + timedelta(days=1), time(0), tz)

    earlier_visit = Booking.objects.filter(
        client=OuterRef("client"), start__lt=OuterRef("start"), status__in=VISITED_STATUSES
    )
    bookings = (
        Booking.objects.filter(start__lt=end, end__gt=start)
        .exclude(status=BookingStatus.CANCELLED)
        .select_related("client", "service", "room", "therapist")
        .annotate(had_visit=Exists(earlier_visit))
        .order_by("start", "id")
    )
    if therapist is not None:
        bookings = bookings.filter(therapist=therapist)
    bookings = list(bookings)

    if therapist is not None:
        therapists = [therapist]
    else:
        booked = {b.therapist_id for b in bookings}
        therapists = list(Therapist.objects.filter(Q(active=True) | Q(pk__in=booked)))
    ids = [t.pk for t in therapists]
    weekdays = {d.weekday() for d in dates}
    hours = defaultdict(list)
    for row in WorkingHours.objects.filter(therapist_id__in=ids, weekday__in=weekdays):
        hours[(row.therapist_id, row.weekday)].append(row)
    time_off = defaultdict(list)
    for row in TimeOff.objects.filter(therapist_id__in=ids, start__lt=end, end__gt=start):
        time_off[row.therapist_id].append(row)
    rooms = list(Room.objects.filter(active=True)) if with_rooms and therapist is None else []
    flags = active_flags_by_client({b.client_id for b in bookings})

    blocks = [
        Block(booking=b, first_visit=not b.had_visit, flags=flags.get(b.client_id, []))
        for b in bookings
    ]
    columns: list[Column] = []
    opens, closes = DEFAULT_OPENS, DEFAULT_CLOSES
    seen_hours = []
    for day in dates:
        day_start, day_end = _local(day, time(0), tz), _local(day + timedelta(days=1), time(0), tz)
        for person in therapists:
            column = Column(key=f"t{person.pk}-{day:%Y%m%d}", label=str(person), day=day)
            column.therapist = person
            for row in sorted(hours[(person.pk, day.weekday())], key=lambda h: h.start_time):
                opening = (_local(day, row.start_time, tz), _local(day, row.end_time, tz))
                column.hours.append(opening)
                seen_hours.append((row.start_time, row.end_time))
            for row in time_off[person.pk]:
                if row.start < day_end and row.end > day_start:
                    column.time_off.append(
                        (max(row.start, day_start), min(row.end, day_end), row.reason)
                    )
            column.blocks = [
                b
                for b in blocks
                if b.booking.therapist_id == person.pk and day_start <= b.booking.start < day_end
            ]
            columns.append(column)
        for room in rooms:
            column = Column(key=f"r{room.pk}-{day:%Y%m%d}", label=room.name, day=day, room=room)
            column.blocks = [
                b
                for b in blocks
                if b.booking.room_id == room.pk and day_start <= b.booking.start < day_end
            ]
            columns.append(column)

    if seen_hours:
        opens = min(opens, *(s for s, _ in seen_hours))
        closes = max(closes, *(e for _, e in seen_hours))
    first_start, first_end = start, _local(first_day + timedelta(days=1), time(0), tz)
    grid_opens = _local(first_day, opens, tz)
    grid_closes = _local(first_day, closes, tz)
    for block in blocks:  # a booking outside the usual hours still shows
        local_start = block.booking.start.astimezone(tz)
        local_end = block.booking.end.astimezone(tz)
        grid_opens = min(grid_opens, _local(first_day, local_start.time(), tz))
        if local_end.date() == local_start.date():
            grid_closes = max(grid_closes, _local(first_day, local_end.time(), tz))
    # Whole hours, so that the grid's rows are o'clock.
    grid_opens = grid_opens.replace(minute=0, second=0, microsecond=0)
    if (grid_closes.minute, grid_closes.second) != (0, 0):
        grid_closes = _local(first_day, time(min(23, grid_closes.hour + 1)), tz)
        if grid_closes.hour == 23:
            grid_closes = first_end
    arrivals = [b for b in blocks if first_start <= b.booking.start < first_end]
    return Board(
        first_day=first_day,
        days=dates,
        opens=grid_opens,
        closes=grid_closes,
        columns=columns,
        arrivals=arrivals,
        tz=tz,
    )
