"""Schedule changes never strand a booked client.

Every change to what can be booked goes through here: a therapist's time off and working hours,
their profile (active, services offered, licence), a service in the catalogue, a treatment
room, the clinic's time zone. Each wraps the write of the app that owns the data
(`therapists.services`, `clinic.services`, the rooms below) in one transaction, then asks
which future active bookings no longer fit (`availability.misfit`, the same rule that books
them). When some do, the change is refused (`StrandedBookings`, a 409 listing them) unless
the caller said what to do with them (`affected_bookings`):

- `cancel`: each is cancelled as a clinic cancellation through `services.cancel_booking`
  (initiated by the clinic, with a reason): the client is sent a notice and the waitlist is
  offered the freed time, by the `booking_changed` listeners, as for any cancellation;
- `keep`: they stay booked, and the answer lists them for the front desk.

Rooms: while any room is active, every active service needs a suitable active room (a 400
naming the services left without one), and every future active booking should hold a room.
A booking that loses its room (the room taken out of use, or no longer suiting its service)
moves to a free suitable room, else is affected as above; a booking made before the clinic
had rooms takes a free suitable room, else is listed as needing one (outcome `needs_room`).
The room exclusion constraint keeps rooms from ever being double-booked.

Every function returns a `ScheduleChange`: what the owning service returned and the bookings
affected, each with its problem and what happened to it. The API and the screens call these
for every change that can strand someone, never the owning services directly; writes that
strand nobody (adding hours, removing time off, a new service) call the owning service.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from bookings.availability import Reason, Schedule, WeeklyHours, local_days, misfit
from bookings.models import Booking, CancelledBy, Room
from bookings.selectors import load_rooms, service_spec
from bookings.services import cancel_booking, save_or_conflict
from clinic import services as clinic_services
from clinic.errors import Conflict
from clinic.models import Clinic, Service
from clinic.statuses import BookingStatus
from clinic.transactions import retried_atomic
from therapists import services as therapist_services
from therapists.models import Therapist, TimeOff, WorkingHours


class Decision(models.TextChoices):
    """What to do with the bookings a schedule change would strand."""

    CANCEL = "cancel", "Cancel them as clinic cancellations (each client is told)"
    KEEP = "keep", "Keep them booked (the answer lists them for the front desk)"


class Outcome(models.TextChoices):
    CANCELLED = "cancelled", "Cancelled by the clinic"
    KEPT = "kept", "Kept: the front desk sorts it out"
    NEEDS_ROOM = "needs_room", "Booked before the clinic had rooms; no suitable room is free"


# What an affected booking's problem is, for people (the problems are `availability.Reason`s).
PROBLEMS = {
    Reason.THERAPIST_INACTIVE: "The therapist is no longer taking bookings.",
    Reason.SERVICE_INACTIVE: "The service is no longer offered.",
    Reason.SERVICE_NOT_OFFERED: "The therapist no longer offers this service.",
    Reason.LICENSE_EXPIRED: "The therapist's licence is not valid on that date.",
    Reason.OUTSIDE_HOURS: "The therapist is no longer working then.",
    Reason.TIME_OFF: "The therapist is away then.",
    Reason.NO_ROOM: "No suitable treatment room is free then.",
}


@dataclass
class Affected:
    """A future active booking a schedule change concerns, why, and what happened to it."""

    booking: Booking
    problem: Reason
    outcome: str | None = None

    @property
    def explanation(self) -> str:
        return PROBLEMS[self.problem]


@dataclass
class ScheduleChange:
    """What a schedule change did: the owning service's result (the time off, the therapist,
    ...; None for a deletion) and the bookings it concerned, soonest first."""

    result: Any
    affected: list[Affected] = field(default_factory=list)


class StrandedBookings(Conflict):
    """The change would leave active bookings outside the schedule and the caller did not say
    what to do with them: nothing was changed."""

    def __init__(self, affected: list[Affected]):
        count = len(affected)
        noun = "booking" if count == 1 else "bookings"
        super().__init__(
            f"This change would leave {count} future {noun} outside the schedule. Send "
            '`affected_bookings`: "cancel" (the clinic cancels them and each client is told) '
            'or "keep" (they stay booked and the front desk sorts them out).',
            code="affected_bookings",
        )
        self.affected = affected


# --- Finding the affected bookings -----------------------------------------------------------


def _future(now: datetime, scope: Q):
    return (
        Booking.objects.active()
        .filter(scope, start__gte=now)
        .select_related("client", "therapist", "service", "room")
        .order_by("start", "id")
    )


def stranded(bookings: Iterable[Booking], *, clinic: Clinic) -> list[Affected]:
    """The bookings among `bookings` that no longer fit their therapist's schedule
    (`availability.misfit` on each booking's own blocked span): four queries for the
    therapists' services offered, hours and time off, whatever the number of bookings."""
    bookings = list(bookings)
    if not bookings:
        return []
    therapist_ids = {b.therapist_id for b in bookings}
    therapists = {t.pk: t for t in Therapist.objects.filter(pk__in=therapist_ids)}
    offered = defaultdict(set)
    for therapist_id, service_id in Therapist.services.through.objects.filter(
        therapist_id__in=therapist_ids
    ).values_list("therapist_id", "service_id"):
        offered[therapist_id].add(service_id)
    hours = defaultdict(list)
    for therapist_id, *row in WorkingHours.objects.filter(
        therapist_id__in=therapist_ids
    ).values_list("therapist_id", "weekday", "start_time", "end_time"):
        hours[therapist_id].append(WeeklyHours(*row))
    first = min(b.start for b in bookings)
    last = max(b.blocks_until for b in bookings)
    time_off = defaultdict(list)
    for therapist_id, start, end in TimeOff.objects.filter(
        therapist_id__in=therapist_ids, start__lt=last, end__gt=first
    ).values_list("therapist_id", "start", "end"):
        time_off[therapist_id].append((start, end))
    first_day, last_day = local_days(first, last, clinic.tz)
    schedules = {
        pk: Schedule.build(
            therapist_id=pk,
            active=t.active,
            service_ids=offered[pk],
            license_expires_on=t.license_expires_on,
            hours=hours[pk],
            time_off=time_off[pk],
            tz=clinic.tz,
            first_day=first_day,
            last_day=last_day,
        )
        for pk, t in therapists.items()
    }
    affected = []
    for booking in bookings:
        spec = service_spec(booking.service)
        problem = misfit(
            schedules[booking.therapist_id], spec, booking.start, booking.blocks_until, clinic.tz
        )
        if problem is not None:
            affected.append(Affected(booking, problem))
    return affected


def rooms_in_use() -> bool:
    return Room.objects.filter(active=True).exists()


def _find_room(booking: Booking) -> int | None:
    pool = load_rooms(
        service=booking.service,
        start=booking.start,
        end=booking.start,
        exclude_booking_id=booking.pk,
    )
    if pool is None:
        return None
    return pool.free_room(booking.start, booking.blocks_until)


def _move_to_a_room(booking: Booking, room_id: int | None) -> bool:
    if room_id is None:
        return False
    previous, booking.room_id = booking.room_id, room_id
    try:
        save_or_conflict(booking)
    except Conflict:  # taken by a booking made this very moment: no room after all
        booking.room_id = previous
        return False
    return True


def settle_rooms(*, now: datetime, changed_room_ids: Iterable[int]) -> list[Affected]:
    """While rooms are in use: future active bookings in the changed rooms that those rooms
    no longer suit (taken out of use, or the service dropped) move to a free suitable room, or
    are affected (`no_room`); bookings without a room (made before the clinic had rooms) take
    a free suitable room, or are listed as needing one. Rooms are tried in name order."""
    if not rooms_in_use():
        return []
    changed = list(changed_room_ids)
    suits = Room.services.through.objects.filter(
        room_id=models.OuterRef("room_id"), service_id=models.OuterRef("service_id")
    )
    lost = (
        _future(now, Q(room_id__in=changed))
        .annotate(suits=models.Exists(suits))
        .filter(Q(room__active=False) | Q(suits=False))
    )
    affected = []
    for booking in lost:
        if not _move_to_a_room(booking, _find_room(booking)):
            affected.append(Affected(booking, Reason.NO_ROOM))
    for booking in _future(now, Q(room__isnull=True)):
        if not _move_to_a_room(booking, _find_room(booking)):
            affected.append(Affected(booking, Reason.NO_ROOM, Outcome.NEEDS_ROOM))
    return affected


# --- The guard ---------------------------------------------------------------------------


def _validate_decision(decision: str | None) -> str | None:
    if decision in (None, ""):
        return None
    if decision not in Decision.values:
        raise ValidationError(
            {"affected_bookings": [f'"{decision}" is not a choice: send "cancel" or "keep".']}
        )
    return decision


def guarded(
    change: Callable[[], Any],
    *,
    scope: Q,
    affected_bookings: str | None = None,
    cancel_reason: str = "",
    actor=None,
    rooms: Iterable[int] | None = None,
) -> ScheduleChange:
    """Run `change` (the owning service's write) and settle the future active bookings in
    `scope` (and, for a room change, `rooms`) in one transaction: refuse (`StrandedBookings`,
    nothing changed) if some no longer fit and `affected_bookings` is not given; cancel them
    as clinic cancellations (`cancel`) or keep them (`keep`) otherwise."""
    decision = _validate_decision(affected_bookings)
    affected, result = _settle(change, scope, decision, cancel_reason, actor, rooms)
    affected.sort(key=lambda a: (a.booking.start, a.booking.pk))
    return ScheduleChange(result, affected)


@retried_atomic
def _settle(change, scope, decision, cancel_reason, actor, rooms):
    # Run again whole if PostgreSQL fails it for contention (a booking racing the change).
    with transaction.atomic():
        result = change()
        clinic = Clinic.get()
        now = timezone.now()
        affected = stranded(_future(now, scope), clinic=clinic)
        if rooms is not None:
            affected += settle_rooms(now=now, changed_room_ids=rooms)
        undecided = [a for a in affected if a.outcome is None]
        if undecided and decision is None:
            raise StrandedBookings(undecided)
        if decision == Decision.CANCEL:
            _refuse_checked_in(undecided)
            for item in undecided:
                item.booking = cancel_booking(
                    item.booking,
                    actor=actor,
                    reason=cancel_reason or item.explanation,
                    initiated_by=CancelledBy.CLINIC,
                )
                item.outcome = Outcome.CANCELLED
        else:
            for item in undecided:
                item.outcome = Outcome.KEPT
    return affected, result


class CheckedInBookings(ValidationError):
    """`cancel` was chosen but a client among the affected is already here: nothing was
    changed. A 400 on `affected_bookings`; `affected` lists every booking the change would
    strand, so a screen can ask again (keep them, or complete the visit first)."""

    def __init__(self, affected: list[Affected], here: list[Booking]):
        ids = ", ".join(str(b.pk) for b in here)
        super().__init__(
            {
                "affected_bookings": [
                    f"Booking {ids} is checked in (the client is here) and cannot be "
                    "cancelled: complete it first, or choose to keep the affected bookings."
                ]
            }
        )
        self.affected = affected


def _refuse_checked_in(affected: list[Affected]) -> None:
    here = [a.booking for a in affected if a.booking.status == BookingStatus.CHECKED_IN]
    if here:
        raise CheckedInBookings(
            sorted(affected, key=lambda a: (a.booking.start, a.booking.pk)), here
        )


def _therapist(therapist: Therapist) -> Q:
    return Q(therapist_id=therapist.pk)


# --- Time off and working hours ----------------------------------------------------------------


def add_time_off(therapist: Therapist, *, start, end, reason: str = "", **decision):
    """Add time off (`therapists.services.add_time_off`) without stranding booked clients."""
    return guarded(
        lambda: therapist_services.add_time_off(therapist, start=start, end=end, reason=reason),
        scope=_therapist(therapist),
        **decision,
    )


def update_time_off(time_off: TimeOff, *, changes: dict, **decision) -> ScheduleChange:
    """Change time off (`therapists.services.update_time_off`) without stranding anyone."""
    return guarded(
        lambda: therapist_services.update_time_off(time_off, **changes),
        scope=Q(therapist_id=time_off.therapist_id),
        **decision,
    )


def update_working_hours(hours: WorkingHours, *, changes: dict, **decision) -> ScheduleChange:
    """Shorten, move or change an interval of working hours without stranding anyone."""
    return guarded(
        lambda: therapist_services.update_working_hours(hours, **changes),
        scope=Q(therapist_id=hours.therapist_id),
        **decision,
    )


def delete_working_hours(hours: WorkingHours, **decision) -> ScheduleChange:
    """Remove an interval of working hours without stranding anyone."""
    return guarded(
        lambda: therapist_services.delete_working_hours(hours),
        scope=Q(therapist_id=hours.therapist_id),
        **decision,
    )


# --- Therapists and services ------------------------------------------------------------


def update_therapist(therapist: Therapist, *, changes: dict, **decision) -> ScheduleChange:
    """Change a therapist's profile (`therapists.services.update_therapist`): deactivating
    them, dropping a service or modality, or a licence ending early must not strand anyone."""
    return guarded(
        lambda: therapist_services.update_therapist(therapist, **changes),
        scope=_therapist(therapist),
        **decision,
    )


def remove_therapist(therapist: Therapist, **decision) -> ScheduleChange:
    """Delete a therapist nobody booked, else deactivate them (`result`: True when deleted)."""
    return guarded(
        lambda: therapist_services.remove_therapist(therapist),
        scope=_therapist(therapist),
        **decision,
    )


def update_service(service: Service, *, changes: dict, **decision) -> ScheduleChange:
    """Change a service (`clinic.services.update_service`): deactivating it must not strand
    anyone (a new duration applies to new bookings only, so it strands nobody)."""
    was_active = service.active
    return guarded(
        lambda: _check_service_has_a_room(
            clinic_services.update_service(service, **changes), was_active=was_active
        ),
        scope=Q(service_id=service.pk),
        **decision,
    )


def retire_service(service: Service, **decision) -> ScheduleChange:
    """Delete a service nobody booked, else deactivate it (`result`: True when deleted)."""
    return guarded(
        lambda: clinic_services.retire_service(service),
        scope=Q(service_id=service.pk),
        **decision,
    )


def update_clinic(*, changes: dict, **decision) -> ScheduleChange:
    """Change the clinic's settings (`clinic.services.update_clinic`). A new time zone moves
    every therapist's working hours (local wall times) against bookings (instants): it must not
    strand anyone either. The other settings bind new bookings only."""
    moves = "timezone" in changes and changes["timezone"] != Clinic.get().timezone
    return guarded(
        lambda: clinic_services.update_clinic(**changes),
        scope=Q() if moves else Q(pk__in=[]),
        **decision,
    )


# --- Rooms -----------------------------------------------------------------------------


def check_every_service_has_a_room() -> None:
    """While any room is active, every active service needs an active room that suits it
    (otherwise that service could no longer be booked at all)."""
    if not rooms_in_use():
        return
    roomless = list(
        Service.objects.filter(active=True)
        .exclude(rooms__active=True)
        .order_by("name", "id")
        .values_list("name", flat=True)
    )
    if roomless:
        raise ValidationError(
            {
                "services": [
                    "While rooms are in use every active service needs an active room that "
                    f"suits it; this would leave none for: {', '.join(roomless)}."
                ]
            }
        )


def _check_service_has_a_room(service: Service, *, was_active: bool) -> Service:
    """A service made active while rooms are in use needs an active room that suits it."""
    becomes_active = service.active and not was_active
    if becomes_active and rooms_in_use() and not service.rooms.filter(active=True).exists():
        raise ValidationError(
            {
                "active": [
                    "While rooms are in use every active service needs an active room that "
                    f"suits it, and none suits {service.name}: create it inactive "
                    "(`active: false`), add it to a room's services, then make it active."
                ]
            }
        )
    return service


@transaction.atomic
def create_service(**fields) -> Service:
    """Add a service (`clinic.services.create_service`); while rooms are in use an active one
    needs a room that suits it first (create it inactive, add it to a room, activate it)."""
    return _check_service_has_a_room(clinic_services.create_service(**fields), was_active=False)


def _save_room(room: Room, services: Iterable[Service] | None) -> Room:
    room.full_clean(exclude=["services"])
    room.save()
    if services is not None:
        room.services.set(services)
    check_every_service_has_a_room()
    return room


def create_room(*, name: str, active: bool = True, services=(), **decision) -> ScheduleChange:
    """Add a treatment room. The first active room puts rooms in use: it must leave no active
    service without a suitable room, and bookings made before get a free room or are listed."""
    services = list(services)
    return guarded(
        lambda: _save_room(Room(name=name, active=active), services),
        scope=Q(pk__in=[]),
        rooms=[],
        **decision,
    )


def update_room(room: Room, *, changes: dict, **decision) -> ScheduleChange:
    """Change a room (its name, whether it is in use, the services it suits) without leaving a
    service without a room or a booking without one (see the module docstring)."""
    services = changes.pop("services", None)

    def change() -> Room:
        locked = Room.objects.select_for_update().get(pk=room.pk)
        for name, value in changes.items():
            setattr(locked, name, value)
        return _save_room(locked, list(services) if services is not None else None)

    return guarded(change, scope=Q(pk__in=[]), rooms=[room.pk], **decision)
