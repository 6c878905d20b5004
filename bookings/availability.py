"""Availability: pure functions over time intervals (no ORM, no Django).

This module holds the one rule that says whether a therapist can take a service at a time
(`refusal`), and the search for free slots (`free_slots`) that uses it. `bookings.selectors`
loads the data; booking validation (`bookings.services`) and the availability endpoint both
end up here.

Rules
- A booking at `start` *blocks* the span `[start, start + duration + buffer)`: the buffer
  (cleanup and notes) is the therapist's time. The whole blocked span must lie inside one
  stretch of working hours, outside time off and clear of every other active booking's blocked
  span. Intervals are half-open, so back-to-back bookings do not collide.
- The slot grid: starts are local wall-clock times `k * slot_interval` after local midnight of
  each clinic day, so 09:00 stays 09:00 across a daylight saving change.
- Starts must be at least `min_lead_time` after now and at most `horizon` after now.
- The therapist must be active and offer the service, the service must be active, and the
  therapist's licence must be valid on the (local) date of the start.
- Rooms: once the clinic has any active room, the blocked span also needs an active room that
  suits the service and is free (`RoomPool`); the first free one in name order is assigned.
  Without rooms nothing changes.

Daylight saving time
- A wall time that does not exist (the spring-forward gap) is never a slot.
- A wall time that happens twice (fall-back) is a slot once, at its first occurrence (fold=0,
  the daylight-time instant); the second occurrence is off the grid.
- Durations are real elapsed time: a 60-minute slot at 01:30 EDT on fall-back night ends at
  01:30 EST.
- Working-hours boundaries are wall times resolved with fold=0; a boundary inside a gap moves
  forward by the gap (PEP 495), e.g. 02:30 on spring-forward day means 03:30 EDT.

Every datetime is normalised to UTC on the way in: Python compares two datetimes that share a
tzinfo by wall time, ignoring `fold`, which would misorder instants around a fall-back. Inside,
time is whole seconds since 1970 (plain integers: cheap to compare, sort and merge): busy time
is widened to whole seconds and working hours narrowed to them, which decides every
whole-second span exactly (grid instants and service spans are whole minutes).
"""

from __future__ import annotations

import enum
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from itertools import chain, compress, repeat
from operator import add, floordiv, gt, itemgetter, mod, mul, sub
from typing import NamedTuple
from zoneinfo import ZoneInfo

Interval = tuple[datetime, datetime]
DAY = timedelta(days=1)
SECOND = timedelta(seconds=1)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
NEVER, FOREVER = -(2**62), 2**62  # seconds before and after any time worth booking


class Reason(enum.StrEnum):
    """Why a therapist cannot take a service at a time; `field` says which input is at fault."""

    THERAPIST_INACTIVE = "therapist_inactive"
    SERVICE_INACTIVE = "service_inactive"
    SERVICE_NOT_OFFERED = "service_not_offered"
    IN_PAST = "in_past"
    INSIDE_LEAD_TIME = "inside_lead_time"
    BEYOND_HORIZON = "beyond_horizon"
    OFF_GRID = "off_grid"
    LICENSE_EXPIRED = "license_expired"
    OUTSIDE_HOURS = "outside_hours"
    TIME_OFF = "time_off"
    BUSY = "busy"
    NO_ROOM = "no_room"
    ROOM_BUSY = "room_busy"

    @property
    def field(self) -> str:
        if self in (Reason.THERAPIST_INACTIVE, Reason.SERVICE_NOT_OFFERED, Reason.LICENSE_EXPIRED):
            return "therapist"
        if self in (Reason.SERVICE_INACTIVE, Reason.NO_ROOM):
            return "service"
        return "start"

    @property
    def is_collision(self) -> bool:
        return self in (Reason.BUSY, Reason.ROOM_BUSY)


@dataclass(frozen=True)
class Rules:
    """The clinic's booking rules at one moment (`now`)."""

    tz: ZoneInfo
    slot_interval_minutes: int
    min_lead_time: timedelta
    horizon: timedelta
    now: datetime

    @property
    def earliest(self) -> datetime:
        return self.now + self.min_lead_time

    @property
    def latest(self) -> datetime:
        return self.now + self.horizon

    def explain(self, reason: Reason) -> str:
        """A sentence a person understands."""
        lead = int(self.min_lead_time.total_seconds() // 60)
        return {
            Reason.THERAPIST_INACTIVE: "This therapist is not taking bookings.",
            Reason.SERVICE_INACTIVE: "This service is no longer offered.",
            Reason.SERVICE_NOT_OFFERED: "This therapist does not offer this service.",
            Reason.IN_PAST: "This time is in the past.",
            Reason.INSIDE_LEAD_TIME: f"Bookings must be made at least {lead} minutes ahead.",
            Reason.BEYOND_HORIZON: (
                f"Bookings can be made at most {self.horizon.days} days ahead."
            ),
            Reason.OFF_GRID: (
                f"Appointments start on the clinic's {self.slot_interval_minutes}-minute grid, "
                "counted from midnight in clinic time."
            ),
            Reason.LICENSE_EXPIRED: "This therapist's licence is not valid on that date.",
            Reason.OUTSIDE_HOURS: (
                "This therapist is not working then (the appointment and its buffer must fit "
                "inside their working hours)."
            ),
            Reason.TIME_OFF: "This therapist is away then.",
            Reason.BUSY: "This therapist is already booked then.",
            Reason.NO_ROOM: "No treatment room suits this service.",
            Reason.ROOM_BUSY: "No suitable treatment room is free then.",
        }[reason]


@dataclass(frozen=True)
class ServiceSpec:
    id: int
    duration: timedelta
    buffer: timedelta = timedelta(0)
    active: bool = True

    @property
    def span(self) -> timedelta:
        """How long a booking of this service blocks the therapist."""
        return self.duration + self.buffer

    @property
    def span_seconds(self) -> int:
        """The span in whole seconds (rounded up)."""
        return -(-self.span // SECOND)


@dataclass(frozen=True)
class WeeklyHours:
    """A weekly stretch of work in local wall time; weekday 0 = Monday."""

    weekday: int
    start: time
    end: time


class Slot(NamedTuple):
    therapist_id: int
    start: datetime
    end: datetime


def to_utc(value: datetime) -> datetime:
    if value.tzinfo is UTC:
        return value
    if value.tzinfo is None:
        raise ValueError("availability works on aware datetimes only")
    return value.astimezone(UTC)


def seconds(value: datetime) -> int:
    """An aware datetime as whole seconds since 1970, rounded down."""
    return (to_utc(value) - EPOCH) // SECOND


def seconds_up(value: datetime) -> int:
    """An aware datetime as whole seconds since 1970, rounded up."""
    return -((EPOCH - to_utc(value)) // SECOND)


def instant(epoch_seconds: int) -> datetime:
    """Seconds since 1970 as a UTC datetime."""
    return EPOCH + timedelta(seconds=epoch_seconds)


# Slots start on a few thousand grid instants, asked for again and again: each is made once.
_grid_instant = lru_cache(maxsize=16384)(instant)  # half a year of a 15-minute grid


def wall_to_utc(day: date, wall: time, tz: ZoneInfo) -> datetime:
    """The instant of a local wall time (fold=0: first occurrence; gaps move forward)."""
    return datetime.combine(day, wall, tzinfo=tz).astimezone(UTC)


def wall_exists(day: date, wall: time, tz: ZoneInfo) -> bool:
    """False for a wall time skipped by a clock change (it does not survive a round trip)."""
    naive = datetime.combine(day, wall)
    return wall_to_utc(day, wall, tz).astimezone(tz).replace(tzinfo=None) == naive


# The interval work below iterates in C (map, zip, compress, sort, bisect) rather than in
# Python loops: a month of a clinic is thousands of intervals, and each Python-level step costs
# as much as a dozen C-level ones.


def _union(starts: list[int], ends: list[int]) -> tuple[list[int], list[int]]:
    """The union of intervals (`starts[i]`, `ends[i]`, none of them empty; in any order,
    overlapping or not), sorted and merged where they overlap or touch.

    Which moments a union covers depends only on how many intervals have begun and how many
    have ended by then, so the starts and the ends are sorted apart (pairing the i-th earliest
    start with the i-th earliest end covers the same moments). A merged run then begins at each
    start that comes after the end just before it, and ends at the end just before the next."""
    if not starts:
        return [], []
    starts, ends = sorted(starts), sorted(ends)
    begins = [True, *map(gt, starts[1:], ends)]
    return list(compress(starts, begins)), list(compress(ends, [*begins[1:], True]))


_FIRST, _SECOND = itemgetter(0), itemgetter(1)


class IntervalSet:
    """Sorted, merged, half-open intervals in whole seconds since 1970 (`starts`, `ends`), with
    O(log n) queries. Made from aware datetimes (each interval widened to whole seconds: its
    start rounded down, its end up, which answers every question about whole-second times
    exactly) or from seconds (`of_seconds`, `of_bounds`); iterating gives UTC datetimes.

    The merge waits until something asks (`starts`, `ends`, a query): a set that is only ever
    taken out of another (`minus`) is never merged on its own."""

    __slots__ = ("_bounds", "_ends", "_starts")

    def __init__(self, intervals: Iterable[Interval] = ()):
        starts: list[int] = []
        ends: list[int] = []
        for start, end in intervals:
            if to_utc(start) < to_utc(end):  # an empty one is nothing
                starts.append(seconds(start))
                ends.append(seconds_up(end))
        self._starts = self._ends = None
        self._bounds = (starts, ends)

    @classmethod
    def of_seconds(cls, pairs: Iterable[tuple[int, int]]) -> IntervalSet:
        """From (start, end) pairs, in any order; empty ones are dropped."""
        pairs = [pair for pair in pairs if pair[0] < pair[1]]
        return cls.of_bounds(list(map(_FIRST, pairs)), list(map(_SECOND, pairs)))

    @classmethod
    def of_bounds(cls, starts: Sequence[int], ends: Sequence[int]) -> IntervalSet:
        """From the starts and ends of intervals (`starts[i]` with `ends[i]`), in any order;
        none may be empty (`starts[i] < ends[i]`, as the database's constraints keep them)."""
        result = cls.__new__(cls)
        result._starts = result._ends = None
        result._bounds = (starts, ends)
        return result

    @classmethod
    def _disjoint(cls, starts: list[int], ends: list[int]) -> IntervalSet:
        """Already sorted, disjoint and apart: nothing to merge."""
        result = cls.__new__(cls)
        result._starts, result._ends, result._bounds = starts, ends, None
        return result

    def _merge(self) -> None:
        self._starts, self._ends = _union(*self._bounds)
        self._bounds = None

    @property
    def starts(self) -> list[int]:
        if self._starts is None:
            self._merge()
        return self._starts

    @property
    def ends(self) -> list[int]:
        if self._ends is None:
            self._merge()
        return self._ends

    def bounds(self) -> tuple[Sequence[int], Sequence[int]]:
        """The starts and ends as given, merged or not: enough for a union."""
        if self._bounds is not None:
            return self._bounds
        return self._starts, self._ends

    def __iter__(self) -> Iterator[Interval]:
        return ((instant(s), instant(e)) for s, e in zip(self.starts, self.ends, strict=True))

    def __len__(self) -> int:
        return len(self.starts)

    def covers(self, start: datetime, end: datetime) -> bool:
        """Whether one interval holds all of [start, end)."""
        return self.covers_seconds(seconds(start), seconds_up(end))

    def covers_seconds(self, start: int, end: int) -> bool:
        i = bisect_right(self.starts, start) - 1
        return i >= 0 and end <= self.ends[i]

    def overlaps(self, start: datetime, end: datetime) -> bool:
        """Whether any interval shares time with [start, end)."""
        return self.overlaps_seconds(seconds(start), seconds_up(end))

    def overlaps_seconds(self, start: int, end: int) -> bool:
        ends = self.ends
        i = bisect_right(ends, start)  # first interval ending after `start`
        return i < len(ends) and self._starts[i] < end

    def minus(self, *others: IntervalSet) -> IntervalSet:
        """What is left of these intervals once every one of `others` is taken out: the gaps
        between the runs of blocked time, blocked being outside these intervals (before the
        first, between two, after the last) or in one of `others`."""
        starts, ends = self.starts, self.ends
        cuts = [o.bounds() for o in others]
        if not starts or not any(cut_starts for cut_starts, _ in cuts):
            return self
        blocked_starts, blocked_ends = _union(
            list(chain((NEVER,), ends, *(cut_starts for cut_starts, _ in cuts))),
            list(chain(starts, (FOREVER,), *(cut_ends for _, cut_ends in cuts))),
        )
        return IntervalSet._disjoint(blocked_ends[:-1], blocked_starts[1:])


def local_days(start: datetime, end: datetime, tz: ZoneInfo) -> tuple[date, date]:
    """The first and last clinic-local dates that [start, end] touches."""
    return start.astimezone(tz).date(), end.astimezone(tz).date()


class Calendar:
    """The clinic-local dates `first_day`..`last_day` of one zone, for laying weekly hours and
    the slot grid on them in seconds since 1970. A date of 24 hours whose midnight exists has
    no clock change (no zone changes twice in a day), so its wall times are plain arithmetic
    from midnight; only the dates of a clock change ask the zone for each wall time. Weekly
    hours are laid out once per distinct set of hours (therapists often share theirs).

    The dates and the grid are pure functions of the zone, the dates and the interval, so they
    are kept (`_days`, `_grid`) however often asked; nothing read from the database is."""

    def __init__(self, tz: ZoneInfo, first_day: date, last_day: date):
        self.tz, self.first_day, self.last_day = tz, first_day, last_day
        self.days = _days(tz, first_day, last_day)
        self._working: dict[tuple[WeeklyHours, ...], IntervalSet] = {}

    def _wall(self, day: date, midnight: int | None, wall: time, *, up: bool) -> int:
        if midnight is not None:
            return (
                midnight
                + wall.hour * 3600
                + wall.minute * 60
                + wall.second
                + (1 if up and wall.microsecond else 0)
            )
        at = wall_to_utc(day, wall, self.tz)
        return seconds_up(at) if up else seconds(at)

    def working(self, hours: Iterable[WeeklyHours]) -> IntervalSet:
        """Weekly hours laid out on these dates. Each stretch is narrowed to whole seconds (its
        start rounded up, its end down), so a whole-second span fits exactly when it fits the
        wall times."""
        key = tuple(hours)
        laid_out = self._working.get(key)
        if laid_out is None:
            by_weekday: dict[int, list[WeeklyHours]] = {}
            for item in key:
                by_weekday.setdefault(item.weekday, []).append(item)
            pairs = []
            for day, midnight in self.days:
                for item in by_weekday.get(day.weekday(), ()):
                    pairs.append(
                        (
                            self._wall(day, midnight, item.start, up=True),
                            self._wall(day, midnight, item.end, up=False),
                        )
                    )
            laid_out = self._working[key] = IntervalSet.of_seconds(pairs)
        return laid_out

    def grid(self, interval_minutes: int) -> tuple[list[int], list[int], bool]:
        """Every grid instant of these dates, ascending; the local date (as an ordinal) of
        each; and whether they are evenly spaced, one interval apart (no clock change, and an
        interval that divides the day). Shared: not to be changed."""
        return _grid(self.tz, self.first_day, self.last_day, interval_minutes)


@lru_cache(maxsize=64)
def _days(tz: ZoneInfo, first_day: date, last_day: date) -> tuple[tuple[date, int | None], ...]:
    """Each local date with its midnight in seconds, if it is a plain day (else None)."""
    days = []
    day = first_day
    midnight = seconds(wall_to_utc(day, time(0), tz))
    while day <= last_day:
        following = day + DAY
        next_midnight = seconds(wall_to_utc(following, time(0), tz))
        plain = next_midnight - midnight == 86400 and wall_exists(day, time(0), tz)
        days.append((day, midnight if plain else None))
        day, midnight = following, next_midnight
    return tuple(days)


@lru_cache(maxsize=16)  # a month's grid is some 100 kB
def _grid(tz: ZoneInfo, first_day: date, last_day: date, interval_minutes: int):
    step = interval_minutes * 60
    starts: list[int] = []
    days: list[int] = []
    calendar = _days(tz, first_day, last_day)
    for day, midnight in calendar:
        count = len(starts)
        if midnight is not None:
            starts.extend(range(midnight, midnight + 86400, step))
        else:
            for minutes in range(0, 1440, interval_minutes):
                wall = time(minutes // 60, minutes % 60)
                if wall_exists(day, wall, tz):
                    starts.append(seconds(wall_to_utc(day, wall, tz)))
        days.extend([day.toordinal()] * (len(starts) - count))
    even = 1440 % interval_minutes == 0 and all(m is not None for _, m in calendar)
    return starts, days, even


def working_intervals(
    hours: Iterable[WeeklyHours], tz: ZoneInfo, first_day: date, last_day: date
) -> IntervalSet:
    """Weekly hours laid out on the real calendar, one local date at a time."""
    return Calendar(tz, first_day, last_day).working(hours)


@dataclass
class Schedule:
    """One therapist's facts for a stretch of time, ready for `refusal` and `free_slots`."""

    therapist_id: int
    active: bool
    service_ids: frozenset[int]
    license_expires_on: date | None
    working: IntervalSet
    time_off: IntervalSet
    busy: IntervalSet

    @classmethod
    def build(
        cls,
        *,
        therapist_id: int,
        active: bool = True,
        service_ids: Iterable[int],
        license_expires_on: date | None = None,
        hours: Iterable[WeeklyHours],
        time_off: Iterable[Interval] = (),
        busy: Iterable[Interval] = (),
        tz: ZoneInfo,
        first_day: date,
        last_day: date,
    ) -> Schedule:
        return cls(
            therapist_id=therapist_id,
            active=active,
            service_ids=frozenset(service_ids),
            license_expires_on=license_expires_on,
            working=working_intervals(hours, tz, first_day, last_day),
            time_off=IntervalSet(time_off),
            busy=IntervalSet(busy),
        )

    def license_valid_on(self, day: date) -> bool:
        return self.license_expires_on is None or self.license_expires_on >= day

    def open_starts(self, span: int) -> tuple[list[int], list[int]]:
        """The whole seconds at which a span of `span` seconds fits in free time (working
        hours less time off and bookings), as intervals: starts [a, b) for each a, b in zip.

        A span starting at s shares time with a blocked interval [x, y) (outside working hours,
        time off, a booking) when x - span < s < y: s in [x - span + 1, y). So the open starts
        are the gaps in the union of the blocked intervals each moved earlier by the span less
        a second, and a stretch of free time too short for the span is no gap at all."""
        starts, ends = self.working.starts, self.working.ends
        if not starts:
            return [], []
        off_starts, off_ends = self.time_off.bounds()
        busy_starts, busy_ends = self.busy.bounds()
        shift = repeat(1 - span)  # constant, so the maps below may share it
        blocked_starts, blocked_ends = _union(
            list(
                chain(
                    (NEVER,),
                    map(add, ends, shift),
                    map(add, off_starts, shift),
                    map(add, busy_starts, shift),
                )
            ),
            list(chain(starts, (FOREVER,), off_ends, busy_ends)),
        )
        return blocked_ends[:-1], blocked_starts[1:]


@dataclass
class RoomPool:
    """The rooms a service may use over a stretch of time, in assignment order: (room id, its
    busy intervals) for each active room that suits the service. A clinic without rooms has no
    pool at all (None), and bookings there hold no room."""

    rooms: list[tuple[int, IntervalSet]]

    @classmethod
    def build(cls, rooms: Iterable[tuple[int, Iterable[Interval]]]) -> RoomPool:
        return cls([(room_id, IntervalSet(busy)) for room_id, busy in rooms])

    def free_room(self, start: datetime, end: datetime, prefer: int | None = None) -> int | None:
        """The room to assign for [start, end): `prefer` if it is among them and free, else
        the first free one in order, else None."""
        return self.free_room_seconds(seconds(start), seconds_up(end), prefer)

    def free_room_seconds(self, start: int, end: int, prefer: int | None = None) -> int | None:
        free = [room_id for room_id, busy in self.rooms if not busy.overlaps_seconds(start, end)]
        if prefer in free:
            return prefer
        return free[0] if free else None

    def any_free_seconds(self, start: int, end: int) -> bool:
        return any(not busy.overlaps_seconds(start, end) for _, busy in self.rooms)


def on_grid(start: datetime, rules: Rules) -> bool:
    """Whether `start` is a grid instant: a whole multiple of the slot interval after local
    midnight, and the first occurrence of that wall time."""
    return _on_grid_local(to_utc(start).astimezone(rules.tz), rules.slot_interval_minutes)


def _on_grid_local(local: datetime, interval_minutes: int) -> bool:
    return (
        local.second == 0
        and local.microsecond == 0
        and (local.hour * 60 + local.minute) % interval_minutes == 0
        and local.fold == 0  # astimezone() sets fold=1 on the repeated hour of a fall-back
    )


def refusal(
    schedule: Schedule,
    service: ServiceSpec,
    start: datetime,
    rules: Rules,
    rooms: RoomPool | None = None,
):
    """The one rule: why this therapist cannot take this service at `start`, or None if they can.

    Checks, in order: therapist active, service active, service offered, not in the past,
    outside the lead time, inside the horizon, on the grid, licence valid on the local date,
    inside working hours, not during time off, not overlapping another booking (each counting
    the service buffer), and, when the clinic has rooms (`rooms` not None), some room that
    suits the service exists and is free for the same span. The schedule and the pool must
    cover [start, start + span].
    """
    start = to_utc(start)
    reason = _offer_refusal(schedule, service) or _timing_refusal(start, rules)
    if reason is not None:
        return reason
    # On the grid, so a whole second: the span's checks are exact in seconds.
    begin = seconds(start)
    end = begin + service.span_seconds
    reason = _schedule_refusal(schedule, start, begin, end, rules.tz)
    if reason is not None:
        return reason
    if schedule.busy.overlaps_seconds(begin, end):
        return Reason.BUSY
    if rooms is not None:
        if not rooms.rooms:
            return Reason.NO_ROOM
        if rooms.free_room_seconds(begin, end) is None:
            return Reason.ROOM_BUSY
    return None


def misfit(
    schedule: Schedule, service: ServiceSpec, start: datetime, until: datetime, tz: ZoneInfo
):
    """Why a booking already made for [start, until) (its blocked span, buffer included) no
    longer fits its therapist's schedule, or None: the parts of `refusal` that a schedule
    change can break (therapist and service active, service offered, licence valid, inside
    working hours, not during time off). The booking-time rules (lead time, horizon, grid)
    bound new bookings only, and the database keeps bookings from overlapping."""
    start = to_utc(start)
    return _offer_refusal(schedule, service) or _schedule_refusal(
        schedule, start, seconds(start), seconds_up(until), tz
    )


def _offer_refusal(schedule: Schedule, service: ServiceSpec):
    if not schedule.active:
        return Reason.THERAPIST_INACTIVE
    if not service.active:
        return Reason.SERVICE_INACTIVE
    if service.id not in schedule.service_ids:
        return Reason.SERVICE_NOT_OFFERED
    return None


def _timing_refusal(start: datetime, rules: Rules):
    if start < rules.now:
        return Reason.IN_PAST
    if start < rules.earliest:
        return Reason.INSIDE_LEAD_TIME
    if start > rules.latest:
        return Reason.BEYOND_HORIZON
    if not _on_grid_local(start.astimezone(rules.tz), rules.slot_interval_minutes):
        return Reason.OFF_GRID
    return None


def _schedule_refusal(schedule: Schedule, start: datetime, begin: int, end: int, tz: ZoneInfo):
    """`start` (UTC) is `begin` as a datetime, for the licence's local date; [begin, end) in
    seconds is the blocked span."""
    if not schedule.license_valid_on(start.astimezone(tz).date()):
        return Reason.LICENSE_EXPIRED
    if not schedule.working.covers_seconds(begin, end):
        return Reason.OUTSIDE_HOURS
    if schedule.time_off.overlaps_seconds(begin, end):
        return Reason.TIME_OFF
    return None


def grid_starts(tz: ZoneInfo, interval_minutes: int, first_day: date, last_day: date):
    """Every grid instant of the local dates first_day..last_day, ascending, in UTC."""
    starts, _, _ = Calendar(tz, first_day, last_day).grid(interval_minutes)
    return [instant(s) for s in starts]


def free_slots(
    schedules: Sequence[Schedule],
    service: ServiceSpec,
    rules: Rules,
    window_start: datetime,
    window_end: datetime,
    rooms: RoomPool | None = None,
) -> list[Slot]:
    """Slots starting in [window_start, window_end) that `refusal` accepts, by start then
    therapist. Candidates come from each schedule's free time: grid instants (on the grid,
    past the lead time, inside the horizon) whose blocked span fits in a free interval
    (working hours less time off and bookings), of an active therapist offering an active
    service, up to the last local date of a valid licence. Those checks of `refusal` hold by
    construction, so only a free suitable room (with `rooms`) is checked per candidate. (The
    tests hold this equal to `refusal` on every grid instant.) All of it is integer seconds;
    datetimes are made only for the slots returned, once per start."""
    window_start, window_end = to_utc(window_start), to_utc(window_end)
    lo = max(window_start, rules.earliest)
    if lo >= window_end or not service.active or (rooms is not None and not rooms.rooms):
        return []
    first_day, last_day = local_days(lo, window_end, rules.tz)
    step = rules.slot_interval_minutes * 60
    grid, grid_days, even = Calendar(rules.tz, first_day, last_day).grid(step // 60)
    # A whole-second start g is >= x when g >= ceil(x), < x when g < ceil(x), <= x when
    # g <= floor(x).
    first = bisect_left(grid, seconds_up(lo))
    last = min(bisect_left(grid, seconds_up(window_end)), bisect_right(grid, seconds(rules.latest)))
    grid, grid_days = grid[first:last], grid_days[first:last]
    count = len(grid)
    span = service.span_seconds
    offering = [s for s in schedules if s.active and service.id in s.service_ids]
    if not count or not offering:
        return []
    # Each candidate is one integer, grid index * radix + therapist id: one sort of plain
    # integers orders them by start, then therapist.
    radix = max(s.therapist_id for s in offering) + 1
    keys: list[int] = []
    for schedule in offering:
        therapist_id = schedule.therapist_id
        opens, closes = schedule.open_starts(span)
        # The grid indices of the open starts [a, b) are [lo, hi): the first grid instant at or
        # after a, to the first at or after b; none past the last local date of a valid
        # licence.
        cut = count
        if schedule.license_expires_on is not None:
            cut = bisect_right(grid_days, schedule.license_expires_on.toordinal())
        if even:
            # grid[i] = grid[0] + i * step: the first at or after x is ceil((x - grid[0]) / step).
            base = repeat(grid[0] - step + 1)
            lo = map(max, map(floordiv, map(sub, opens, base), repeat(step)), repeat(0))
            hi = map(floordiv, map(sub, closes, base), repeat(step))
        else:
            lo = map(bisect_left, repeat(grid), opens)
            hi = map(bisect_left, repeat(grid), closes)
        hi = map(min, hi, repeat(cut))
        if rooms is None:
            firsts = map(add, map(mul, lo, repeat(radix)), repeat(therapist_id))
            keys.extend(
                chain.from_iterable(map(range, firsts, map(mul, hi, repeat(radix)), repeat(radix)))
            )
        else:
            for i, j in zip(lo, hi, strict=True):
                for k in range(i, j):
                    if rooms.any_free_seconds(grid[k], grid[k] + span):
                        keys.append(k * radix + therapist_id)
    keys.sort()
    # A datetime for each start offered (once, however many therapists share it), then the
    # slots, made without a Python-level call each.
    indices = list(map(floordiv, keys, repeat(radix)))
    used = list(dict.fromkeys(indices))
    starts = list(map(_grid_instant, map(grid.__getitem__, used)))
    start_of = dict(zip(used, starts, strict=True))
    end_of = dict(zip(used, map(add, starts, repeat(service.duration)), strict=True))
    return list(
        map(
            tuple.__new__,
            repeat(Slot),
            zip(
                map(mod, keys, repeat(radix)),
                map(start_of.__getitem__, indices),
                map(end_of.__getitem__, indices),
                strict=True,
            ),
        )
    )
