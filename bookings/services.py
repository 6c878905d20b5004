"""Every write to bookings: validate, write inside one transaction, record history, announce.

Double booking is made impossible by the database (the exclusion constraints on Booking); the
checks here give a clear answer in the common case, and the constraint's IntegrityError, caught
by name, gives the same answer (409) when two requests race for one slot.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils import timezone

from bookings.availability import refusal
from bookings.models import Booking, BookingEvent, BookingStatus, CancelledBy, Room
from bookings.selectors import booking_rules, load_rooms, load_schedules, service_spec
from bookings.signals import announce
from clinic import rows
from clinic.errors import Conflict
from clinic.models import Clinic, Service
from clinic.roles import Role, is_admin, role_of
from clinic.transactions import retried_atomic
from therapists.models import Therapist

S = BookingStatus

COLLISIONS = {
    "booking_no_therapist_overlap": "This therapist is already booked then.",
    "booking_no_client_overlap": "The client already has a booking at that time.",
    "booking_no_room_overlap": "This treatment room is already booked then.",
}

# How a status reads in "Cannot <verb> a booking that is <status>."
STATUS_PHRASES = {
    S.REQUESTED: "requested",
    S.CONFIRMED: "confirmed",
    S.CHECKED_IN: "checked in",
    S.COMPLETED: "completed",
    S.CANCELLED: "cancelled",
    S.NO_SHOW: "marked as a no-show",
}


@dataclass(frozen=True)
class Transition:
    verb: str
    sources: frozenset[str]
    target: str | None  # None: the status stays (reschedule)

    def refuse_from(self, status: str) -> ValidationError:
        return ValidationError(
            {"status": [f"Cannot {self.verb} a booking that is {STATUS_PHRASES[status]}."]}
        )


CONFIRM = Transition("confirm", frozenset({S.REQUESTED}), S.CONFIRMED)
CHECK_IN = Transition("check in", frozenset({S.REQUESTED, S.CONFIRMED}), S.CHECKED_IN)
COMPLETE = Transition("complete", frozenset({S.CHECKED_IN}), S.COMPLETED)
CANCEL = Transition("cancel", frozenset({S.REQUESTED, S.CONFIRMED}), S.CANCELLED)
NO_SHOW = Transition("mark as a no-show", frozenset({S.REQUESTED, S.CONFIRMED}), S.NO_SHOW)
RESCHEDULE = Transition("reschedule", frozenset({S.REQUESTED, S.CONFIRMED}), None)
TRANSITIONS = {
    "confirm": CONFIRM,
    "check_in": CHECK_IN,
    "complete": COMPLETE,
    "cancel": CANCEL,
    "no_show": NO_SHOW,
    "reschedule": RESCHEDULE,
}


def constraint_name(exc: IntegrityError) -> str | None:
    """The name of the constraint a database error is about (psycopg's diagnostics)."""
    diag = getattr(exc.__cause__, "diag", None)
    return getattr(diag, "constraint_name", None)


DEADLOCK_DETECTED = "40P01"


def save_or_conflict(
    booking: Booking, *, attempts: int = 3, savepoint: bool = True, write=None
) -> None:
    """Save in a savepoint; an overlap refused by the database becomes a 409 (Conflict).

    Two transactions inserting overlapping rows can each find the other's row while checking
    an exclusion constraint and wait for each other; PostgreSQL breaks that deadlock by failing
    one. The savepoint lets us retry it: the retry waits for the other transaction, then meets
    its committed booking (409) or, if it rolled back, finds the time free.

    Without `savepoint` (the caller is the outermost `retried_atomic` and has nothing to retry
    inside its transaction) the row is saved directly, two statements fewer: an overlap is the
    same 409, and a deadlock runs the whole transaction again (`retried_atomic`).

    `write` saves the row another way (a new booking with its history row, one statement).
    """
    write = write or booking.save
    if not savepoint:
        try:
            write()
        except IntegrityError as exc:
            name = constraint_name(exc)
            if name in COLLISIONS:
                raise Conflict(COLLISIONS[name], constraint=name) from exc
            raise
        return
    for attempt in range(1, attempts + 1):
        try:
            with transaction.atomic():
                write()
            return
        except IntegrityError as exc:
            name = constraint_name(exc)
            if name in COLLISIONS:
                raise Conflict(COLLISIONS[name], constraint=name) from exc
            raise
        except OperationalError as exc:
            if getattr(exc.__cause__, "sqlstate", None) != DEADLOCK_DETECTED:
                raise
            if attempt == attempts:
                raise Conflict("This time was just taken by another booking.", code="busy") from exc


def check_room(room: Room | None, service: Service) -> None:
    """A room named by the clinic must be active and suit the service (400 otherwise)."""
    if room is None:
        return
    if not room.active:
        raise ValidationError({"room": ["This treatment room is not in use."]})
    if not room.services.filter(pk=service.pk).exists():
        raise ValidationError({"room": [f"Room {room.name} does not suit {service.name}."]})


# The fields of the therapist and the service the booking rules read, refreshed under the lock.
HELD_FIELDS = (
    (Therapist, ("active", "license_expires_on")),
    (Service, ("active", "duration_minutes", "buffer_minutes")),
)


def _hold_statement() -> str:
    columns = ", ".join(
        f'{alias}."{model._meta.get_field(name).column}"'
        for alias, (model, fields) in zip("ts", HELD_FIELDS, strict=True)
        for name in fields
    )
    (therapists, _), (services, _) = HELD_FIELDS
    return (
        f'SELECT {columns}, EXISTS (SELECT 1 FROM "{Room._meta.db_table}" WHERE active) '
        f'FROM "{therapists._meta.db_table}" t, "{services._meta.db_table}" s '
        "WHERE t.id = %s AND s.id = %s FOR SHARE OF t, s"
    )


HOLD_STATEMENT = _hold_statement()


def hold_schedule(therapist: Therapist, service: Service) -> bool:
    """Share-lock the therapist's and the service's rows until the booking commits, and read
    their rules afresh. A schedule change locks them for update (`bookings.schedule`: time off,
    hours, profile, service), so it waits for this booking and then finds it, or this booking
    waits for the change and then reads the new schedule: a booking never slips in under a
    change checked without it. Share locks block neither each other nor the foreign key checks
    of other bookings.

    One statement, which also says whether the clinic has an active room (rooms in use): when
    it has none, the rooms need not be loaded. True when the rows are gone (nothing known)."""
    with connection.cursor() as cursor:
        cursor.execute(HOLD_STATEMENT, [therapist.pk, service.pk])
        row = cursor.fetchone()
    if row is None:
        return True
    values = iter(row)
    for instance, (_, fields) in zip((therapist, service), HELD_FIELDS, strict=True):
        for name in fields:
            setattr(instance, name, next(values))
    return next(values)


def check_bookable(
    *,
    therapist: Therapist,
    service: Service,
    start: datetime,
    clinic: Clinic,
    now: datetime | None = None,
    exclude_booking_id: int | None = None,
    room: Room | None = None,
    prefer_room_id: int | None = None,
    client_id: int | None = None,
    for_staff: bool = False,
    rooms_in_use: bool | None = None,
) -> int | None:
    """Raise unless the therapist can take the service at `start` (`availability.refusal`):
    a ValidationError naming the field and the reason, or Conflict when another booking holds
    the time (the therapist's or, when the clinic has rooms, every suitable room's).

    Returns the room to assign: `room` if named (it must suit the service), else
    `prefer_room_id` if it is free (a reschedule keeps its room), else the first free suitable
    room in name order; None when the clinic has no rooms.

    `rooms_in_use`: given when the caller has already held the therapist's and the service's
    rows in this transaction (`selectors.held_booking_request_rows`); else they are held here
    (`hold_schedule`)."""
    check_room(room, service)
    if rooms_in_use is None:
        rooms_in_use = hold_schedule(therapist, service)
    rules = booking_rules(clinic, now, for_staff=for_staff)
    spec = service_spec(service)
    end = start + spec.span
    [schedule] = load_schedules(
        [therapist],
        service=service,
        rules=rules,
        start=start,
        end=end,
        exclude_booking_id=exclude_booking_id,
        client_id=client_id,
    )
    rooms = None  # no active room: rooms are not in use (what `load_rooms` would answer)
    if rooms_in_use:
        rooms = load_rooms(
            service=service,
            start=start,
            end=end,
            exclude_booking_id=exclude_booking_id,
            only_room=room,
        )
    reason = refusal(schedule, spec, start, rules, rooms)
    if reason is not None and reason.is_collision:
        raise Conflict(rules.explain(reason), code=str(reason))
    if reason is not None:
        raise ValidationError({reason.field: [rules.explain(reason)]})
    if rooms is None:
        return None
    return rooms.free_room(start, end, prefer=prefer_room_id)


def _event(booking: Booking, *, actor, from_status: str, reason: str = "", from_start=None):
    return BookingEvent(
        booking=booking,
        actor=actor if actor is not None and actor.is_authenticated else None,
        from_status=from_status,
        to_status=booking.status,
        reason=reason[:300],
        from_start=from_start,
        to_start=booking.start,
    )


def _record(booking: Booking, **event) -> None:
    _event(booking, **event).save()


def _insert_booked(booking: Booking, event: BookingEvent) -> None:
    """A new booking and its first history row, in one statement (the history row takes the
    booking's id from the booking's insert)."""
    booking_columns, booking_values = rows.insert_parts(booking)
    event_columns, event_values = rows.insert_parts(event, leave_out=("booking",))
    booking_column = BookingEvent._meta.get_field("booking").column
    with connection.cursor() as cursor:
        cursor.execute(
            f'WITH booked AS (INSERT INTO "{Booking._meta.db_table}" '
            f"({', '.join(booking_columns)}) VALUES ({', '.join(['%s'] * len(booking_values))}) "
            f'RETURNING id) INSERT INTO "{BookingEvent._meta.db_table}" '
            f'("{booking_column}", {", ".join(event_columns)}) '
            f"SELECT booked.id, {', '.join(['%s'] * len(event_values))} FROM booked "
            f'RETURNING "{booking_column}", id',
            booking_values + event_values,
        )
        booking_id, event_id = cursor.fetchone()
    rows.saved(booking, booking_id)
    event.booking = booking
    rows.saved(event, event_id)


@retried_atomic
def create_booking(**booking) -> Booking:
    """`book` in a transaction of its own (run again whole when PostgreSQL fails it for
    contention), or in a savepoint of the caller's."""
    return book(**booking)


def book(
    *,
    client,
    therapist: Therapist,
    service: Service,
    start: datetime,
    notes: str = "",
    actor=None,
    clinic: Clinic | None = None,
    room: Room | None = None,
    series=None,
    rooms_in_use: bool | None = None,
) -> Booking:
    """Book `service` with `therapist` for `client` at `start` (status requested).

    The therapist must be able to take the service then (`availability.refusal`: 400 with the
    reason, 409 if another booking holds the time); the client may not hold an overlapping
    active booking (409). An admin (the front desk) may book inside the clinic's minimum lead
    time, for walk-ins and phone calls. When the clinic has rooms, the booking holds a room
    too: `room` if the clinic names one (400 if it does not suit the service), else the first
    free suitable room. The database constraints decide any race, so two requests for one slot
    (or one room) give one booking and one 409, never two bookings and never half of one.

    Runs in the caller's transaction, which it must have opened (`create_booking` does;
    the API opens its own to read and hold the payload's rows in it: then `rooms_in_use`
    says what the hold found).
    """
    clinic = clinic or Clinic.get()
    for_staff = is_admin(actor)  # the front desk books walk-ins: no lead time for it
    room_id = check_bookable(
        therapist=therapist,
        service=service,
        start=start,
        clinic=clinic,
        room=room,
        client_id=client.pk,
        for_staff=for_staff,
        rooms_in_use=rooms_in_use,
    )
    booking = Booking(
        therapist=therapist,
        client=client,
        service=service,
        room_id=room_id,
        series=series,
        price=service.price,
        status=S.REQUESTED,
        notes=notes,
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    booking.set_times(start, service)
    # (`retried_atomic` is the transaction: all of this commits, or none of it.) Only a room
    # we picked may be worth a second try inside it; otherwise, as the outermost transaction,
    # no savepoint is needed.
    outermost = not transaction.get_connection().savepoint_ids
    event = _event(booking, actor=actor, from_status="", reason="Booked")
    write = partial(_insert_booked, booking, event)
    try:
        save_or_conflict(
            booking,
            savepoint=not outermost or (room_id is not None and room is None),
            write=write,
        )
    except Conflict as exc:
        # Another request took the room we picked; if the clinic did not name it, look
        # again once: a second suitable room may still be free.
        if exc.constraint != "booking_no_room_overlap" or room is not None:
            raise
        booking.room_id = check_bookable(
            therapist=therapist,
            service=service,
            start=start,
            clinic=clinic,
            client_id=client.pk,
            for_staff=for_staff,
            rooms_in_use=True,  # held above, and a room was picked: rooms are in use
        )
        save_or_conflict(booking, write=write)
    announce(booking, previous_status=None, previous_start=None)
    return booking


@retried_atomic
def _transition(booking: Booking, transition: Transition, *, actor, reason="", apply=None):
    """Move a booking along the state machine, under a row lock so that two concurrent actions
    on one booking cannot both succeed from the same status."""
    with transaction.atomic():
        locked = Booking.objects.select_for_update().get(pk=booking.pk)
        if locked.status not in transition.sources:
            raise transition.refuse_from(locked.status)
        previous_status = locked.status
        if apply is not None:
            apply(locked)
        locked.status = transition.target
        save_or_conflict(locked)
        _record(locked, actor=actor, from_status=previous_status, reason=reason)
        announce(locked, previous_status=previous_status, previous_start=locked.start)
    return locked


def confirm_booking(booking: Booking, *, actor=None) -> Booking:
    """requested -> confirmed."""
    return _transition(booking, CONFIRM, actor=actor)


def _at(moment: datetime, clinic: Clinic) -> str:
    return f"{timezone.localtime(moment, clinic.tz):%H:%M on %a %d %b}"


def check_in_booking(booking: Booking, *, actor=None, now: datetime | None = None) -> Booking:
    """requested or confirmed -> checked_in (the client has arrived): from the clinic's
    check-in window before the start (`Clinic.check_in_opens_minutes`) until the end."""
    clinic = Clinic.get()

    def apply(locked: Booking) -> None:
        moment = now or timezone.now()
        opens = locked.start - timedelta(minutes=clinic.check_in_opens_minutes)
        if moment < opens:
            raise ValidationError(
                {
                    "status": [
                        f"Check-in opens {clinic.check_in_opens_minutes} minutes before the "
                        f"start, at {_at(opens, clinic)}."
                    ]
                }
            )
        if moment > locked.end:
            raise ValidationError(
                {
                    "status": [
                        f"This visit ended at {_at(locked.end, clinic)}; it can no longer be "
                        "checked in (mark it as a no-show instead)."
                    ]
                }
            )

    return _transition(booking, CHECK_IN, actor=actor, apply=apply)


def complete_booking(booking: Booking, *, actor=None, now: datetime | None = None) -> Booking:
    """checked_in -> completed, once the visit has started."""
    clinic = Clinic.get()

    def apply(locked: Booking) -> None:
        if (now or timezone.now()) < locked.start:
            raise ValidationError(
                {
                    "status": [
                        "A visit can be completed only once it has started, at "
                        f"{_at(locked.start, clinic)}."
                    ]
                }
            )

    return _transition(booking, COMPLETE, actor=actor, apply=apply)


def _is_client(actor) -> bool:
    return actor is not None and role_of(actor) == Role.CLIENT


def inside_window(booking: Booking, clinic: Clinic, now: datetime | None = None) -> bool:
    """Whether it is now later than the clinic's cancellation window before the start."""
    return (now or timezone.now()) > booking.start - clinic.cancellation_window


def cancel_booking(
    booking: Booking, *, actor=None, reason: str = "", initiated_by: str | None = None
) -> Booking:
    """requested or confirmed -> cancelled, freeing the slot.

    `initiated_by` records who cancelled: `client` or `clinic` (an admin says which, a client's
    phone call being the client's); by default a client cancelling online is the client and
    anyone else the clinic. A cancellation is late only when the client initiated it inside
    the clinic's window (now > start - cancellation_window_hours), or after the clinic moved
    the booking inside the window (`late_change`); the clinic's never is."""
    clinic = Clinic.get()
    if initiated_by is None:
        initiated_by = CancelledBy.CLIENT if _is_client(actor) else CancelledBy.CLINIC

    def apply(locked: Booking) -> None:
        locked.cancel_reason = reason[:300]
        locked.cancelled_by = initiated_by
        locked.late_cancellation = initiated_by == CancelledBy.CLIENT and (
            inside_window(locked, clinic) or locked.late_change
        )

    return _transition(booking, CANCEL, actor=actor, reason=reason, apply=apply)


def mark_no_show(booking: Booking, *, actor=None) -> Booking:
    """requested or confirmed -> no_show, only once the start time has passed."""

    def apply(locked: Booking) -> None:
        if timezone.now() < locked.start:
            raise ValidationError(
                {"status": ["A booking can be marked as a no-show only after its start time."]}
            )

    return _transition(booking, NO_SHOW, actor=actor, apply=apply)


@retried_atomic
def reschedule_booking(
    booking: Booking,
    *,
    start: datetime,
    therapist: Therapist | None = None,
    actor=None,
    reason: str = "",
) -> Booking:
    """Move a requested or confirmed booking to `start` (and optionally another therapist),
    keeping its id, status and history; a confirmed booking moved to another therapist is
    requested again (the new therapist has not confirmed it). The new time is checked like a
    new booking, leaving the booking itself out; collisions are 409. A client cannot move a
    booking inside the clinic's cancellation window; when the clinic does, the booking keeps
    `late_change`. The booking keeps its room if that room is free
    at the new time, else takes the first free suitable one."""
    with transaction.atomic():
        # Lock the booking row only (`of`): FOR UPDATE on the joined service and therapist
        # rows would block every other booking's foreign key check on them at commit.
        locked = (
            Booking.objects.select_for_update(of=("self",))
            .select_related("service", "therapist")
            .get(pk=booking.pk)
        )
        if locked.status not in RESCHEDULE.sources:
            raise RESCHEDULE.refuse_from(locked.status)
        therapist = therapist or locked.therapist
        if therapist.pk == locked.therapist_id and start == locked.start:
            raise ValidationError({"start": ["The booking is already at this time."]})
        clinic = Clinic.get()
        late = inside_window(locked, clinic)
        if late and _is_client(actor):
            raise ValidationError(
                {
                    "start": [
                        f"Within {clinic.cancellation_window_hours} hours of the visit it can no "
                        "longer be moved online; please call the clinic."
                    ]
                }
            )
        locked.late_change = locked.late_change or late
        room_id = check_bookable(
            therapist=therapist,
            service=locked.service,
            start=start,
            clinic=clinic,
            exclude_booking_id=locked.pk,
            prefer_room_id=locked.room_id,
            client_id=locked.client_id,
        )
        previous = (locked.start, locked.therapist, locked.status)
        previous_start, previous_therapist, previous_status = previous
        locked.therapist = therapist
        locked.room_id = room_id
        locked.set_times(start, locked.service)
        if previous_therapist.pk != therapist.pk and locked.status == S.CONFIRMED:
            # The new therapist has not confirmed: the booking waits for them again.
            locked.status = S.REQUESTED
        save_or_conflict(locked)
        if not reason and previous_therapist.pk != therapist.pk:
            reason = f"Moved from {previous_therapist} to {therapist}"
        _record(
            locked,
            actor=actor,
            from_status=previous_status,
            reason=reason or "Rescheduled",
            from_start=previous_start,
        )
        changed_therapist = previous_therapist.pk != therapist.pk
        announce(
            locked,
            previous_status=previous_status,
            previous_start=previous_start,
            previous_therapist=previous_therapist if changed_therapist else None,
        )
    return locked
