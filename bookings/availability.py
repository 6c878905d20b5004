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
tzinfo by wall time, ignoring `fold`, which would misorder instants around a fall-back.
"""

from __future__ import annotations

import enum
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

Interval = tuple[datetime, datetime]
DAY = timedelta(days=1)


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


def wall_to_utc(day: date, wall: time, tz: ZoneInfo) -> datetime:
    """The instant of a local wall time (fold=0: first occurrence; gaps move forward)."""
    return datetime.combine(day, wall, tzinfo=tz).astimezone(UTC)


def wall_exists(day: date, wall: time, tz: ZoneInfo) -> bool:
    """False for a wall time skipped by a clock change (it does not survive a round trip)."""
    naive = datetime.combine(day, wall)
    return wall_to_utc(day, wall, tz).astimezone(tz).replace(tzinfo=None) == naive


class IntervalSet:
    """Sorted, merged, half-open UTC intervals with O(log n) queries."""

    __slots__ = ("ends", "intervals", "starts")

    def __init__(self, intervals: Iterable[Interval] = ()):
        merged: list[list[datetime]] = []
        for start, end in sorted((to_utc(s), to_utc(e)) for s, e in intervals):
            if start >= end:
                continue
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        self._set([(s, e) for s, e in merged])

    def _set(self, intervals: list[Interval]) -> None:
        self.intervals = intervals
        self.starts = [s for s, _ in intervals]
        self.ends = [e for _, e in intervals]

    @classmethod
    def _from_disjoint(cls, intervals: list[Interval]) -> IntervalSet:
        """Already sorted, disjoint and in UTC: skip the merge."""
        result = cls.__new__(cls)
        result._set(intervals)
        return result

    def __iter__(self):
        return iter(self.intervals)

    def __len__(self) -> int:
        return len(self.intervals)

    def covers(self, start: datetime, end: datetime) -> bool:
        """Whether one interval holds all of [start, end)."""
        i = bisect_right(self.starts, start) - 1
        return i >= 0 and end <= self.ends[i]

    def overlaps(self, start: datetime, end: datetime) -> bool:
        """Whether any interval shares time with [start, end)."""
        i = bisect_right(self.ends, start)  # first interval ending after `start`
        return i < len(self.starts) and self.starts[i] < end

    def minus(self, other: IntervalSet) -> IntervalSet:
        result: list[Interval] = []
        j = 0
        cuts = other.intervals
        for start, end in self.intervals:
            while j < len(cuts) and cuts[j][1] <= start:
                j += 1
            cursor = start
            k = j
            while k < len(cuts) and cuts[k][0] < end:
                if cuts[k][0] > cursor:
                    result.append((cursor, cuts[k][0]))
                cursor = max(cursor, cuts[k][1])
                k += 1
            if cursor < end:
                result.append((cursor, end))
        return IntervalSet._from_disjoint(result)


def local_days(start: datetime, end: datetime, tz: ZoneInfo) -> tuple[date, date]:
    """The first and last clinic-local dates that [start, end] touches."""
    return start.astimezone(tz).date(), end.astimezone(tz).date()


def working_intervals(
    hours: Iterable[WeeklyHours], tz: ZoneInfo, first_day: date, last_day: date
) -> IntervalSet:
    """Weekly hours laid out on the real calendar, one local date at a time."""
    by_weekday: dict[int, list[WeeklyHours]] = {}
    for item in hours:
        by_weekday.setdefault(item.weekday, []).append(item)
    intervals = []
    day = first_day
    while day <= last_day:
        for item in by_weekday.get(day.weekday(), ()):
            intervals.append((wall_to_utc(day, item.start, tz), wall_to_utc(day, item.end, tz)))
        day += DAY
    return IntervalSet(intervals)


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
    _free: IntervalSet | None = field(default=None, repr=False)

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

    @property
    def free(self) -> IntervalSet:
        """Working time with time off and other bookings taken out."""
        if self._free is None:
            self._free = self.working.minus(self.time_off).minus(self.busy)
        return self._free


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
        start, end = to_utc(start), to_utc(end)
        free = [room_id for room_id, busy in self.rooms if not busy.overlaps(start, end)]
        if prefer in free:
            return prefer
        return free[0] if free else None


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
    end = start + service.span
    reason = _offer_refusal(schedule, service) or _timing_refusal(start, rules)
    reason = reason or _schedule_refusal(schedule, start, end, rules.tz)
    if reason is not None:
        return reason
    if schedule.busy.overlaps(start, end):
        return Reason.BUSY
    if rooms is not None:
        if not rooms.rooms:
            return Reason.NO_ROOM
        if rooms.free_room(start, end) is None:
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
    start, until = to_utc(start), to_utc(until)
    return _offer_refusal(schedule, service) or _schedule_refusal(schedule, start, until, tz)


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


def _schedule_refusal(schedule: Schedule, start: datetime, end: datetime, tz: ZoneInfo):
    if not schedule.license_valid_on(start.astimezone(tz).date()):
        return Reason.LICENSE_EXPIRED
    if not schedule.working.covers(start, end):
        return Reason.OUTSIDE_HOURS
    if schedule.time_off.overlaps(start, end):
        return Reason.TIME_OFF
    return None


def grid_starts(tz: ZoneInfo, interval_minutes: int, first_day: date, last_day: date):
    """Every grid instant of the local dates first_day..last_day, ascending, in UTC."""
    step = timedelta(minutes=interval_minutes)
    result: list[datetime] = []
    day = first_day
    while day <= last_day:
        midnight = wall_to_utc(day, time(0), tz)
        next_midnight = wall_to_utc(day + DAY, time(0), tz)
        if next_midnight - midnight == DAY and wall_exists(day, time(0), tz):
            # A 24-hour day has no clock change (no zone changes twice in a day): wall time
            # and elapsed time agree, so the grid is plain arithmetic.
            count = (1440 + interval_minutes - 1) // interval_minutes
            result.extend(midnight + step * k for k in range(count))
        else:
            for minutes in range(0, 1440, interval_minutes):
                wall = time(minutes // 60, minutes % 60)
                if wall_exists(day, wall, tz):
                    result.append(wall_to_utc(day, wall, tz))
        day += DAY
    return result


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
    service. Those checks of `refusal` hold by construction, so only the rest are made per
    candidate: the licence on the local date and, with `rooms`, a free suitable room. (The
    tests hold this equal to `refusal` on every grid instant.)"""
    window_start, window_end = to_utc(window_start), to_utc(window_end)
    lo = max(window_start, rules.earliest)
    if lo >= window_end or not service.active or (rooms is not None and not rooms.rooms):
        return []
    first_day, last_day = local_days(lo, window_end, rules.tz)
    grid = grid_starts(rules.tz, rules.slot_interval_minutes, first_day, last_day)
    grid = grid[bisect_left(grid, lo) : bisect_left(grid, window_end)]
    grid = grid[: bisect_right(grid, rules.latest)]
    span = service.span
    slots: list[Slot] = []
    duration, tz = service.duration, rules.tz
    for schedule in schedules:
        if not schedule.active or service.id not in schedule.service_ids:
            continue
        licence_ends = schedule.license_expires_on
        for free_start, free_end in schedule.free:
            i = bisect_left(grid, free_start)
            while i < len(grid) and grid[i] + span <= free_end:
                start = grid[i]
                i += 1
                if licence_ends is not None and start.astimezone(tz).date() > licence_ends:
                    continue
                if rooms is not None and rooms.free_room(start, start + span) is None:
                    continue
                slots.append(Slot(schedule.therapist_id, start, start + duration))
    slots.sort(key=lambda slot: (slot.start, slot.therapist_id))
    return slots
