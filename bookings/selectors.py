"""Reads for bookings: who sees which bookings and series, and what availability needs, loaded
in a fixed number of queries."""

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from django.db import connection
from django.db.models import (
    BigIntegerField,
    Exists,
    Func,
    OuterRef,
    Prefetch,
    QuerySet,
    prefetch_related_objects,
)
from django.utils import timezone

from bookings.availability import (
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

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class EpochSeconds(Func):
    """A timestamp as whole seconds since 1970 (rounded down, or up with `ceiling`). Reading
    thousands of integers is much cheaper than parsing thousands of timestamps."""

    output_field = BigIntegerField()

    def __init__(self, expression, *, ceiling: bool = False):
        rounding = "CEIL" if ceiling else "FLOOR"
        self.template = f"{rounding}(EXTRACT(EPOCH FROM %(expressions)s))::bigint"
        super().__init__(expression)

    def get_db_converters(self, connection):
        return []  # psycopg hands a bigint over as an int: no per-row int() needed


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
#     source(therapist_ids=..., start=..., until=..., now=..., client_id=...)
# and returns (therapist_id, start, end) triples, start and end in epoch seconds
# (`EpochSeconds`): busy time for every client except `client_id` when the hold is theirs.
HoldSource = Callable[..., Iterable[tuple[int, int, int]]]
_HOLD_SOURCES: list[HoldSource] = []


def register_hold_source(source: HoldSource) -> None:
    if source not in _HOLD_SOURCES:
        _HOLD_SOURCES.append(source)


def _interval(start_seconds: int, end_seconds: int):
    return _instant(start_seconds), _instant(end_seconds)


@lru_cache(maxsize=65536)
def _instant(seconds: int) -> datetime:
    """Epoch seconds as a UTC datetime; bookings share a few thousand grid instants, so each
    is made once (a month of 2,000 bookings: four thousand conversions become a thousand)."""
    return datetime.fromtimestamp(seconds, UTC)


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
    """The schedules of `therapists` for slots starting in [start, end): five queries whatever
    the range or the number of therapists (offered services, working hours, time off, active
    bookings), plus one per registered hold source (the waitlist's open offers); see
    `register_hold_source`. `exclude_booking_id` leaves one booking out, for a reschedule;
    `client_id` is the client booking, whose own holds do not count against them."""
    ids = [t.pk for t in therapists]
    until = end + service.duration + service.buffer  # a slot starting before `end` reaches this
    offered = set(
        Therapist.services.through.objects.filter(
            therapist_id__in=ids, service_id=service.pk
        ).values_list("therapist_id", flat=True)
    )
    hours = defaultdict(list)
    # order_by(): the models' Meta.ordering would join therapists only to sort by name.
    for row in (
        WorkingHours.objects.filter(therapist_id__in=ids)
        .order_by()
        .values_list("therapist_id", "weekday", "start_time", "end_time")
    ):
        hours[row[0]].append(WeeklyHours(*row[1:]))
    time_off = defaultdict(list)
    off = TimeOff.objects.filter(therapist_id__in=ids, start__lt=until, end__gt=start).order_by()
    for therapist_id, off_start, off_end in off.values_list(
        "therapist_id", EpochSeconds("start"), EpochSeconds("end", ceiling=True)
    ):
        time_off[therapist_id].append(_interval(off_start, off_end))
    bookings = Booking.objects.active().filter(
        therapist_id__in=ids, start__lt=until, blocks_until__gt=start
    )
    if exclude_booking_id is not None:
        bookings = bookings.exclude(pk=exclude_booking_id)
    busy = defaultdict(list)
    for therapist_id, b_start, b_until in bookings.values_list(
        "therapist_id", EpochSeconds("start"), EpochSeconds("blocks_until", ceiling=True)
    ):
        busy[therapist_id].append(_interval(b_start, b_until))
    if busy_client_id is not None:
        _add_client_bookings(busy, ids, busy_client_id, service, start, until, exclude_booking_id)
    for source in _HOLD_SOURCES:
        for therapist_id, h_start, h_until in source(
            therapist_ids=ids, start=start, until=until, now=rules.now, client_id=client_id
        ):
            busy[therapist_id].append(_interval(h_start, h_until))
    first_day, last_day = local_days(start, until, rules.tz)
    return [
        Schedule.build(
            therapist_id=t.pk,
            active=t.active,
            service_ids={service.pk} if t.pk in offered else set(),
            license_expires_on=t.license_expires_on,
            hours=hours[t.pk],
            time_off=time_off[t.pk],
            busy=busy[t.pk],
            tz=rules.tz,
            first_day=first_day,
            last_day=last_day,
        )
        for t in therapists
    ]


def _add_client_bookings(busy, therapist_ids, client_id, service, start, until, exclude_id):
    """The client's own active bookings, as busy time for every therapist: a slot must not
    overlap them (the client cannot be in two places). A slot's span counts the service
    buffer, which is the therapist's time, not the client's: the busy interval starts that
    much later, so a slot may end (buffer aside) exactly when the client's next visit starts.
    One query."""
    theirs = Booking.objects.active().filter(client_id=client_id, start__lt=until, end__gt=start)
    if exclude_id is not None:
        theirs = theirs.exclude(pk=exclude_id)
    buffer = int(service.buffer.total_seconds())
    for b_start, b_end in theirs.values_list(
        EpochSeconds("start"), EpochSeconds("end", ceiling=True)
    ):
        interval = _interval(min(b_start + buffer, b_end - 1), b_end)
        for therapist_id in therapist_ids:
            busy[therapist_id].append(interval)


def load_rooms(
    *,
    service: Service,
    start: datetime,
    end: datetime,
    exclude_booking_id: int | None = None,
    only_room: Room | None = None,
) -> RoomPool | None:
    """The room pool of `service` for slots starting in [start, end), or None when the clinic
    has no active room (rooms not in use). One query, and a second for the rooms' bookings when
    some room suits; `only_room` narrows the pool to that room (an admin's choice)."""
    suits = Room.services.through.objects.filter(room_id=OuterRef("pk"), service_id=service.pk)
    rooms = list(
        Room.objects.filter(active=True)
        .annotate(suits=Exists(suits))
        .order_by("name", "id")
        .values_list("pk", "suits")
    )
    if not rooms:
        return None
    ids = [pk for pk, suitable in rooms if suitable]
    if only_room is not None:
        ids = [pk for pk in ids if pk == only_room.pk]
    busy = defaultdict(list)
    if ids:
        until = end + service.duration + service.buffer
        bookings = Booking.objects.active().filter(
            room_id__in=ids, start__lt=until, blocks_until__gt=start
        )
        if exclude_booking_id is not None:
            bookings = bookings.exclude(pk=exclude_booking_id)
        for room_id, b_start, b_until in bookings.values_list(
            "room_id", EpochSeconds("start"), EpochSeconds("blocks_until", ceiling=True)
        ):
            busy[room_id].append(_interval(b_start, b_until))
    return RoomPool.build((pk, busy[pk]) for pk in ids)


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
    therapist who offers it (with a free suitable room when the clinic has rooms): at most
    nine queries (clinic, therapists, `load_schedules` and `load_rooms`), and one more when
    asked for a client (`client_id`): then times that client is already booked are left out,
    so a slot offered is one they can book."""
    rules = booking_rules(clinic or Clinic.get(), now, for_staff=for_staff)
    # Only the part of the range where a slot can start matters (lead time, horizon; a start
    # exactly at the horizon is allowed, hence the second past it).
    start = max(start, rules.earliest)
    end = min(end, rules.latest + timedelta(seconds=1))
    if start >= end:
        return []
    if therapist is None:
        therapists = list(Therapist.objects.filter(active=True, services=service))
    else:
        therapists = [therapist]
    schedules = load_schedules(
        therapists,
        service=service,
        rules=rules,
        start=start,
        end=end,
        client_id=client_id,
        busy_client_id=client_id,
    )
    rooms = load_rooms(service=service, start=start, end=end)
    return free_slots(schedules, service_spec(service), rules, start, end, rooms)


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


def _named_rows_statement() -> str:
    return (
        f"SELECT {select_list(Therapist, 't')}, {select_list(Service, 's')}, "
        f"{select_list(Clinic, 'c')} "
        f'FROM "{Therapist._meta.db_table}" t, "{Service._meta.db_table}" s, '
        f'"{Clinic._meta.db_table}" c WHERE t.id = %s AND s.id = %s AND c.id = 1'
    )


NAMED_ROWS = _named_rows_statement()


def booking_request_rows(therapist_id, service_id) -> tuple[Therapist, Service] | None:
    """The therapist and the service a booking request names, with the clinic (kept as this
    request's `Clinic.get()`), read in one statement instead of three. None when an id is not
    a plain integer or names no row: then the request's validation looks them up itself, and
    says which is missing."""
    ids = (therapist_id, service_id)
    if not all(type(pk) is int and 0 < pk <= MAX_ID for pk in ids):
        return None
    with connection.cursor() as cursor:
        cursor.execute(NAMED_ROWS, list(ids))
        row = cursor.fetchone()
    if row is None:
        return None
    therapist_end = len(Therapist._meta.concrete_fields)
    service_end = therapist_end + len(Service._meta.concrete_fields)
    Clinic.keep_for_request(from_row(Clinic, row[service_end:]))
    return from_row(Therapist, row[:therapist_end]), from_row(
        Service, row[therapist_end:service_end]
    )
