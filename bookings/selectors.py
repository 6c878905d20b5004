"""Reads for bookings: who sees which bookings and series, and what availability needs, loaded
in a fixed number of queries."""

from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from itertools import chain, starmap

from django.db import connection
from django.db.models import Prefetch, QuerySet, prefetch_related_objects
from django.utils import timezone

from bookings.availability import (
    Calendar,
    IntervalSet,
    RoomPool,
    Rules,
    Schedule,
    ServiceSpec,
    Slot,
    WeeklyHours,
    free_slots,
    local_days,
)
from bookings.models import Booking, BookingEvent, BookingSeries, Room
from clinic.models import Clinic, Service
from clinic.roles import Role, client_of, role_of, therapist_of
from clinic.rows import from_row, select_list
from clinic.statuses import ACTIVE_STATUSES, BookingStatus
from therapists.models import Therapist, TimeOff, WorkingHours


def _scoped(queryset: QuerySet, user) -> QuerySet:
    role = role_of(user)
    if role == Role.ADMIN:
        return queryset
    if role == Role.THERAPIST:
        return queryset.filter(therapist=therapist_of(user))
    if role == Role.CLIENT:
        return queryset.filter(client=client_of(user))
    return queryset.none()


def bookings_visible_to(user) -> QuerySet[Booking]:
    """The one rule for seeing bookings: admins see every booking, a therapist their own, a
    client theirs; anyone else none. Everything that shows a booking (or something hanging off
    one, such as its reminders) starts from this; anything outside it answers 404."""
    return _scoped(Booking.objects.all(), user)


def series_visible_to(user) -> QuerySet[BookingSeries]:
    """Series are seen like bookings: admins all, a therapist theirs, a client their own."""
    return _scoped(BookingSeries.objects.all(), user)


# --- Slot holds ------------------------------------------------------------------------------
# An app above bookings may hold slots without a booking row (the waitlist holds an offered
# slot for the offered clients). It registers a source in its AppConfig.ready(); the bookings
# app imports none of them. A source is called as
#     source(start=..., until=..., now=..., client_id=...)
# and returns (sql, params): a SELECT of (therapist_id, start, end) rows, start and end in
# epoch seconds (`epoch_sql`), of the holds overlapping [start, until): busy time for every
# client except `client_id` when the hold is theirs. It becomes part of the schedule's one
# statement (`_ScheduleQuery`), narrowed to the therapists asked about.
HoldSource = Callable[..., tuple[str, Sequence]]
_HOLD_SOURCES: list[HoldSource] = []


def register_hold_source(source: HoldSource) -> None:
    if source not in _HOLD_SOURCES:
        _HOLD_SOURCES.append(source)


def epoch_sql(column: str, *, up: bool = False) -> str:
    """SQL for a timestamp as whole seconds since 1970, rounded down (or `up`). The float
    `date_part` is exact to the microsecond here and far cheaper for PostgreSQL than EXTRACT's
    numeric; psycopg hands a bigint over as a plain int."""
    return f"{'ceil' if up else 'floor'}(date_part('epoch', {column}))::bigint"


def booking_rules(clinic: Clinic, now: datetime | None = None, *, for_staff: bool = False) -> Rules:
    """The clinic's booking rules at `now`. The front desk (`for_staff`) books walk-ins and
    phone calls: the minimum lead time, which gives the clinic notice, does not bind it."""
    lead = 0 if for_staff else clinic.min_lead_time_minutes
    return Rules(
        tz=clinic.tz,
        slot_interval_minutes=clinic.slot_interval_minutes,
        min_lead_time=timedelta(minutes=lead),
        horizon=timedelta(days=clinic.booking_horizon_days),
        now=now or timezone.now(),
    )


def service_spec(service: Service) -> ServiceSpec:
    return ServiceSpec(
        id=service.pk, duration=service.duration, buffer=service.buffer, active=service.active
    )


# --- The schedule in one statement ----------------------------------------------------------
# What availability needs (therapists, offered service, working hours, time off, bookings,
# holds, the client's own bookings, rooms and their bookings) is one UNION ALL, a few rows of
# (kind, key, a, b, c): arrays of integers, one row per kind and therapist (or room). Times are
# epoch seconds, wall times microseconds of the day, dates days since 1970: no model instances,
# converters or timestamps to parse, a Python step per therapist rather than per booking, and
# the pure core works on the integers.
THERAPIST, OFFERED, HOURS, TIME_OFF, BUSY, CLIENT_BUSY, ROOM, ROOM_BUSY = range(8)
_ACTIVE = ", ".join(f"'{status}'" for status in ACTIVE_STATUSES)
_THERAPISTS = Therapist._meta.db_table
_OFFERS = Therapist.services.through._meta.db_table
_HOURS = WorkingHours._meta.db_table
_TIME_OFF = TimeOff._meta.db_table
_BOOKINGS = Booking._meta.db_table
_ROOMS = Room._meta.db_table
_ROOM_SERVICES = Room.services.through._meta.db_table
_DAY_ZERO = date(1970, 1, 1)
_END = '"end"'
_NONE = "NULL::bigint[]"  # typed, so the union's columns resolve alike whichever parts it has
_SPANS = f"array_agg({epoch_sql('start')}), array_agg({epoch_sql('blocks_until', up=True)})"


def _micro_of_day(column: str) -> str:
    return f"array_agg(round(date_part('epoch', {column}) * 1000000)::bigint)"


class _ScheduleQuery:
    """Builds the one statement. The therapists are either given (`given_therapists`) or every
    active therapist who offers the service (`every_therapist`: a CTE, and a THERAPIST row)."""

    def __init__(self, *, service: Service, start: datetime, until: datetime, exclude_id):
        self.service, self.start, self.until, self.exclude_id = service, start, until, exclude_id
        self.ctes: list[str] = []
        self.parts: list[str] = []
        self.params: list = []
        self.therapists = ""

    def _add(self, sql: str, *params) -> None:
        self.parts.append(sql)
        self.params.extend(params)

    def _bookings(self, select: str, *, end: str = "blocks_until") -> str:
        """SELECT `select` FROM active bookings overlapping [start, until) on [start, `end`).
        Its parameters are added now: the part it starts is the next one added."""
        sql = (
            f"SELECT {select} FROM {_BOOKINGS} WHERE status IN ({_ACTIVE})"
            f" AND start < %s AND {end} > %s"
        )
        self.params.extend((self.until, self.start))
        if self.exclude_id is not None:
            sql += " AND id <> %s"
            self.params.append(self.exclude_id)
        return sql

    def every_therapist(self) -> None:
        self.ctes.append(
            f"th AS (SELECT t.id, t.license_expires_on FROM {_THERAPISTS} t WHERE t.active AND"
            f" EXISTS (SELECT 1 FROM {_OFFERS} o WHERE o.therapist_id = t.id"
            f" AND o.service_id = {int(self.service.pk)}))"
        )
        # An array made once: a filter on each row whatever the planner's estimates.
        self.therapists = "= ANY (ARRAY (SELECT id FROM th))"
        self._add(
            f"SELECT {THERAPIST}, NULL::bigint, array_agg(id),"
            f" array_agg((license_expires_on - DATE '1970-01-01')::bigint), {_NONE} FROM th"
        )

    def given_therapists(self, ids: list[int]) -> None:
        self.therapists = f"IN ({', '.join(str(int(pk)) for pk in ids)})" if ids else "IN (NULL)"
        self._add(
            f"SELECT {OFFERED}, NULL::bigint, array_agg(therapist_id), {_NONE}, {_NONE}"
            f" FROM {_OFFERS} WHERE service_id = %s AND therapist_id {self.therapists}",
            self.service.pk,
        )

    def schedule(self, *, now: datetime, client_id, busy_client_id) -> None:
        th = self.therapists
        self._add(
            f"SELECT {HOURS}, therapist_id, array_agg(weekday::bigint),"
            f" {_micro_of_day('start_time')}, {_micro_of_day('end_time')} FROM {_HOURS}"
            f" WHERE therapist_id {th} GROUP BY therapist_id"
        )
        self._add(
            f"SELECT {TIME_OFF}, therapist_id, {_NONE}, array_agg({epoch_sql('start')}),"
            f" array_agg({epoch_sql(_END, up=True)}) FROM {_TIME_OFF}"
            f" WHERE therapist_id {th} AND start < %s AND {_END} > %s GROUP BY therapist_id",
            self.until,
            self.start,
        )
        sql = self._bookings(f"{BUSY}, therapist_id, {_NONE}, {_SPANS}")
        self.parts.append(f"{sql} AND therapist_id {th} GROUP BY therapist_id")
        if busy_client_id is not None:
            spans = f"array_agg({epoch_sql('start')}), array_agg({epoch_sql(_END, up=True)})"
            sql = self._bookings(f"{CLIENT_BUSY}, NULL::bigint, {_NONE}, {spans}", end=_END)
            self._add(f"{sql} AND client_id = %s", busy_client_id)
        for source in _HOLD_SOURCES:
            sql, params = source(start=self.start, until=self.until, now=now, client_id=client_id)
            self._add(
                f"SELECT {BUSY}, therapist_id, {_NONE}, array_agg(s), array_agg(e)"
                f" FROM ({sql}) h (therapist_id, s, e) WHERE therapist_id {th}"
                " GROUP BY therapist_id",
                *params,
            )

    def rooms(self, only_room_id: int | None) -> None:
        order = "ORDER BY r.name, r.id"
        self._add(
            f"SELECT {ROOM}, NULL::bigint, array_agg(r.id {order}),"
            f" array_agg(EXISTS (SELECT 1 FROM {_ROOM_SERVICES} s WHERE s.room_id = r.id"
            f" AND s.service_id = %s)::int::bigint {order}), {_NONE}"
            f" FROM {_ROOMS} r WHERE r.active",
            self.service.pk,
        )
        suitable = (
            f"SELECT s.room_id FROM {_ROOM_SERVICES} s JOIN {_ROOMS} r ON r.id = s.room_id"
            " WHERE r.active AND s.service_id = %s"
        )
        if only_room_id is not None:
            suitable += f" AND s.room_id = {int(only_room_id)}"
        sql = self._bookings(f"{ROOM_BUSY}, room_id, {_NONE}, {_SPANS}")
        self._add(f"{sql} AND room_id IN ({suitable}) GROUP BY room_id", self.service.pk)

    def rows(self) -> list[tuple]:
        with_clause = f"WITH {', '.join(self.ctes)} " if self.ctes else ""
        with connection.cursor() as cursor:
            cursor.execute(with_clause + " UNION ALL ".join(self.parts), self.params)
            return cursor.fetchall()


@lru_cache(maxsize=1024)
def _weekly(weekday: int, start_us: int, end_us: int) -> WeeklyHours:
    """Weekly hours from microseconds of the day (a pure value: made once per process)."""
    return WeeklyHours(weekday, _wall(start_us), _wall(end_us))


def _wall(microseconds: int) -> time:
    seconds, micro = divmod(microseconds, 1_000_000)
    return time(seconds // 3600, seconds // 60 % 60, seconds % 60, micro)


class _Loaded:
    """The statement's rows, taken apart."""

    def __init__(self, rows: list[tuple], *, calendar: Calendar | None, buffer_seconds: int):
        self.therapists: list[tuple[int, date | None]] = []
        self.offered: set[int] = set()
        self.working: dict[int, IntervalSet] = {}
        self.time_off: dict[int, IntervalSet] = {}
        self.busy: dict[int, list[tuple[list[int], list[int]]]] = defaultdict(list)
        self.client_busy: tuple[list[int], list[int]] | None = None
        self.rooms: list[tuple[int, int]] = []
        self.room_busy: dict[int, IntervalSet] = {}
        laid_out: dict[tuple, IntervalSet] = {}  # therapists who share their hours share this
        for kind, key, a, b, c in rows:
            if kind == BUSY:
                self.busy[key].append((b, c))
            elif kind == HOURS:
                hours = tuple(sorted(zip(a, b, c, strict=True)))
                if hours not in laid_out:
                    laid_out[hours] = calendar.working(starmap(_weekly, hours))
                self.working[key] = laid_out[hours]
            elif kind == TIME_OFF:
                self.time_off[key] = IntervalSet.of_bounds(b, c)
            elif kind == ROOM_BUSY:
                self.room_busy[key] = IntervalSet.of_bounds(b, c)
            elif kind == CLIENT_BUSY and b is not None:
                # A slot's span counts the service buffer, which is the therapist's time, not
                # the client's: the busy interval starts that much later, so a slot may end
                # (buffer aside) exactly when the client's next visit starts.
                starts = [min(s + buffer_seconds, e - 1) for s, e in zip(b, c, strict=True)]
                self.client_busy = (starts, c)
            elif kind == THERAPIST and a is not None:
                self.therapists = [
                    (pk, None if days is None else _DAY_ZERO + timedelta(days=days))
                    for pk, days in zip(a, b, strict=True)
                ]
            elif kind == OFFERED and a is not None:
                self.offered = set(a)
            elif kind == ROOM and a is not None:
                self.rooms = list(zip(a, b, strict=True))

    def schedule(
        self,
        therapist_id: int,
        *,
        active: bool,
        offered: bool,
        license_expires_on: date | None,
        service: Service,
    ) -> Schedule:
        spans = self.busy.get(therapist_id, [])
        if self.client_busy is not None:
            spans = [*spans, self.client_busy]
        if len(spans) == 1:
            busy = IntervalSet.of_bounds(*spans[0])
        else:
            busy = IntervalSet.of_bounds(
                list(chain.from_iterable(starts for starts, _ in spans)),
                list(chain.from_iterable(ends for _, ends in spans)),
            )
        return Schedule(
            therapist_id=therapist_id,
            active=active,
            service_ids=frozenset((service.pk,)) if offered else frozenset(),
            license_expires_on=license_expires_on,
            working=self.working.get(therapist_id, _NOTHING),
            time_off=self.time_off.get(therapist_id, _NOTHING),
            busy=busy,
        )

    def room_pool(self, only_room_id: int | None) -> RoomPool | None:
        if not self.rooms:
            return None
        ids = [pk for pk, suits in self.rooms if suits]
        if only_room_id is not None:
            ids = [pk for pk in ids if pk == only_room_id]
        return RoomPool([(pk, self.room_busy.get(pk, _NOTHING)) for pk in ids])


_NOTHING = IntervalSet()


def _seconds(duration: timedelta) -> int:
    return int(duration.total_seconds())


def _until(service: Service, end: datetime) -> datetime:
    return end + service.duration + service.buffer  # a slot starting before `end` reaches this


def load_schedules(
    therapists: Sequence[Therapist],
    *,
    service: Service,
    rules: Rules,
    start: datetime,
    end: datetime,
    exclude_booking_id: int | None = None,
    client_id: int | None = None,
    busy_client_id: int | None = None,
) -> list[Schedule]:
    """The schedules of `therapists` for slots starting in [start, end), in one query whatever
    the range or the number of therapists (offered service, working hours, time off, active
    bookings, and the holds of every registered hold source: the waitlist's open offers; see
    `register_hold_source`). `exclude_booking_id` leaves one booking out, for a reschedule;
    `client_id` is the client booking, whose own holds do not count against them;
    `busy_client_id` makes that client's own active bookings busy time for every therapist
    (the client cannot be in two places)."""
    until = _until(service, end)
    query = _ScheduleQuery(service=service, start=start, until=until, exclude_id=exclude_booking_id)
    query.given_therapists([t.pk for t in therapists])
    query.schedule(now=rules.now, client_id=client_id, busy_client_id=busy_client_id)
    calendar = Calendar(rules.tz, *local_days(start, until, rules.tz))
    loaded = _Loaded(query.rows(), calendar=calendar, buffer_seconds=_seconds(service.buffer))
    return [
        loaded.schedule(
            t.pk,
            active=t.active,
            offered=t.pk in loaded.offered,
            license_expires_on=t.license_expires_on,
            service=service,
        )
        for t in therapists
    ]


def load_rooms(
    *,
    service: Service,
    start: datetime,
    end: datetime,
    exclude_booking_id: int | None = None,
    only_room: Room | None = None,
) -> RoomPool | None:
    """The room pool of `service` for slots starting in [start, end), or None when the clinic
    has no active room (rooms not in use). One query (the active rooms, whether each suits, in
    name order, and the suitable rooms' bookings); `only_room` narrows the pool to that room
    (an admin's choice)."""
    query = _ScheduleQuery(
        service=service, start=start, until=_until(service, end), exclude_id=exclude_booking_id
    )
    only_room_id = only_room.pk if only_room is not None else None
    query.rooms(only_room_id)
    return _Loaded(query.rows(), calendar=None, buffer_seconds=0).room_pool(only_room_id)


def available_slots(
    *,
    service: Service,
    start: datetime,
    end: datetime,
    therapist: Therapist | None = None,
    clinic: Clinic | None = None,
    now: datetime | None = None,
    client_id: int | None = None,
    for_staff: bool = False,
) -> list[Slot]:
    """Free slots of `service` starting in [start, end), for one therapist or every active
    therapist who offers it (with a free suitable room when the clinic has rooms): two
    queries, the clinic and one statement for the therapists, their schedules (as
    `load_schedules`) and the rooms (as `load_rooms`). Asked for a client (`client_id`), times
    that client is already booked are left out, so a slot offered is one they can book."""
    rules = booking_rules(clinic or Clinic.get(), now, for_staff=for_staff)
    # Only the part of the range where a slot can start matters (lead time, horizon; a start
    # exactly at the horizon is allowed, hence the second past it).
    start = max(start, rules.earliest)
    end = min(end, rules.latest + timedelta(seconds=1))
    if start >= end:
        return []
    until = _until(service, end)
    query = _ScheduleQuery(service=service, start=start, until=until, exclude_id=None)
    if therapist is None:
        query.every_therapist()
    else:
        query.given_therapists([therapist.pk])
    query.schedule(now=rules.now, client_id=client_id, busy_client_id=client_id)
    query.rooms(None)
    calendar = Calendar(rules.tz, *local_days(start, until, rules.tz))
    loaded = _Loaded(query.rows(), calendar=calendar, buffer_seconds=_seconds(service.buffer))
    if therapist is None:
        facts = [(pk, True, True, licence) for pk, licence in loaded.therapists]
    else:
        offered = therapist.pk in loaded.offered
        facts = [(therapist.pk, therapist.active, offered, therapist.license_expires_on)]
    schedules = [
        loaded.schedule(
            pk,
            active=active,
            offered=offered,
            license_expires_on=licence,
            service=service,
        )
        for pk, active, offered, licence in facts
    ]
    return free_slots(schedules, service_spec(service), rules, start, end, loaded.room_pool(None))


HISTORY = Prefetch("events", queryset=BookingEvent.objects.select_related("actor"))


def with_history(bookings):
    return bookings.prefetch_related(HISTORY)


def load_history(bookings: Sequence[Booking]) -> None:
    """Bring the history of bookings already in hand (one query), as `with_history` would."""
    prefetch_related_objects(list(bookings), HISTORY)


def calendar_bookings(therapist: Therapist, *, now: datetime | None = None, days_back: int = 60):
    """What a therapist's calendar feed shows: active and completed bookings from
    `days_back` days ago on."""
    since = (now or timezone.now()) - timedelta(days=days_back)
    return (
        Booking.objects.filter(therapist=therapist, start__gte=since)
        .filter(status__in=[*ACTIVE_STATUSES, BookingStatus.COMPLETED])
        .select_related("client", "service")
        .order_by("start")
    )


# Largest id a bigint column holds: a larger one names no row (and must not reach the SQL).
MAX_ID = 2**63 - 1


def _named_rows_statement(*, held: bool = False) -> str:
    rooms = f', EXISTS (SELECT 1 FROM "{Room._meta.db_table}" WHERE active)' if held else ""
    return (
        f"SELECT {select_list(Therapist, 't')}, {select_list(Service, 's')}, "
        f"{select_list(Clinic, 'c')}{rooms} "
        f'FROM "{Therapist._meta.db_table}" t, "{Service._meta.db_table}" s, '
        f'"{Clinic._meta.db_table}" c WHERE t.id = %s AND s.id = %s AND c.id = 1'
        + (" FOR SHARE OF t, s" if held else "")
    )


NAMED_ROWS = _named_rows_statement()
HELD_NAMED_ROWS = _named_rows_statement(held=True)


def _request_rows(statement: str, therapist_id, service_id) -> tuple | None:
    ids = (therapist_id, service_id)
    if not all(type(pk) is int and 0 < pk <= MAX_ID for pk in ids):
        return None
    with connection.cursor() as cursor:
        cursor.execute(statement, list(ids))
        row = cursor.fetchone()
    if row is None:
        return None
    therapist_end = len(Therapist._meta.concrete_fields)
    service_end = therapist_end + len(Service._meta.concrete_fields)
    clinic_end = service_end + len(Clinic._meta.concrete_fields)
    Clinic.keep_for_request(from_row(Clinic, row[service_end:clinic_end]))
    therapist = from_row(Therapist, row[:therapist_end])
    return therapist, from_row(Service, row[therapist_end:service_end]), *row[clinic_end:]


def booking_request_rows(therapist_id, service_id) -> tuple[Therapist, Service] | None:
    """The therapist and the service a booking request names, with the clinic (kept as this
    request's `Clinic.get()`), read in one statement instead of three. None when an id is not
    a plain integer or names no row: then the request's validation looks them up itself, and
    says which is missing."""
    return _request_rows(NAMED_ROWS, therapist_id, service_id)


def held_booking_request_rows(therapist_id, service_id) -> tuple[Therapist, Service, bool] | None:
    """`booking_request_rows` inside the booking's transaction, as the booking's hold
    (`services.hold_schedule`): the therapist's and the service's rows share-locked until it
    commits, and whether the clinic has an active room, in the same one statement. A schedule
    change made at the same moment either commits first (this read waits for its lock and
    then returns the rows as it left them; the schedule, read by a later statement, sees the
    change) or waits for the booking."""
    return _request_rows(HELD_NAMED_ROWS, therapist_id, service_id)
