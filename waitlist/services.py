"""The waitlist: clients waiting for a service on some days and times get freed slots offered.

How a slot is offered
- A scan (`scan`, the Celery task `waitlist.tasks.scan_waitlist`) runs after a booking is
  cancelled or moved and after working hours or time off change (each published on commit,
  by `waitlist.receivers`), and every minute from beat. It expires open offers whose hold has
  passed (their entries wait again), then goes through the waiting entries, earliest first:
  for each it looks for the earliest free slot in its window through the one availability
  path (`bookings.selectors.available_slots`: hours, time off, bookings, rooms, holds), never
  one already offered to that entry. The slot is offered to that entry and to the next
  waiting entries whose window also contains it, up to `OFFERS_PER_SLOT` in all, all with the
  same hold (`Clinic.waitlist_hold_minutes`). Each offer is told to its client by email (and
  SMS when it is on and the client has a phone): `OfferMessage` rows written with the offer
  and sent once by the notifications dispatcher (`waitlist.messages`), skipped if the offer
  is no longer open or its hold has passed by then.
- The hold: while an offer is open its slot is busy for everyone except the clients holding an
  open offer for that therapist and start (`waitlist.selectors.held_slots`, a hold source
  that `bookings.selectors.load_schedules` asks). No booking row is
  written for a hold, so the booking statuses keep their meaning.
- Accepting goes through `services.create_booking`; the booking constraints decide between
  offered clients accepting at once: one gets the booking, the others 409. An expired offer or
  one no longer open is a 409; someone else's offer is a 404 (scoped in the view).

A hold is checked by the booking path, not by a database constraint: a booking racing the very
creation of an offer can still win the slot, and the accept then answers 409.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from bookings import selectors, services
from bookings.models import Booking
from clinic.errors import Conflict
from clinic.models import Clinic
from clinic.tasks import publish_on_commit
from clinic.transactions import retried_atomic
from waitlist import messages
from waitlist.models import OfferStatus, WaitlistEntry, WaitlistOffer, WaitlistStatus

OFFERS_PER_SLOT = 3
logger = logging.getLogger(__name__)


def validate_window(
    *,
    earliest_date: date,
    latest_date: date,
    time_from: time,
    time_to: time,
    weekdays,
    today,
    horizon_days: int | None = None,
) -> None:
    """400 unless the window is in the future, within the booking horizon (nothing can be
    offered beyond it) and not inverted, with weekdays 0..6."""
    if latest_date < earliest_date:
        raise ValidationError({"latest_date": ["The last day must not be before the first."]})
    if latest_date < today:
        raise ValidationError({"latest_date": ["This window is in the past."]})
    if horizon_days is not None and latest_date > today + timedelta(days=horizon_days):
        last = today + timedelta(days=horizon_days)
        raise ValidationError(
            {
                "latest_date": [
                    f"The clinic books at most {horizon_days} days ahead: choose a last day "
                    f"on or before {last.isoformat()}."
                ]
            }
        )
    if time_to <= time_from:
        raise ValidationError({"time_to": ["The end of the time window must be after its start."]})
    if any(not 0 <= day <= 6 for day in weekdays):
        raise ValidationError({"weekdays": ["Weekdays are 0 (Monday) to 6 (Sunday)."]})


def join(
    *,
    client,
    service,
    earliest_date: date,
    latest_date: date,
    time_from: time,
    time_to: time,
    weekdays=(),
    therapist=None,
) -> WaitlistEntry:
    """Put a client on the waitlist (status waiting) and ask for a scan on commit."""
    clinic = Clinic.get()
    today = timezone.now().astimezone(clinic.tz).date()
    validate_window(
        earliest_date=earliest_date,
        latest_date=latest_date,
        time_from=time_from,
        time_to=time_to,
        weekdays=weekdays,
        today=today,
        horizon_days=clinic.booking_horizon_days,
    )
    if not service.active:
        raise ValidationError({"service": ["This service is no longer offered."]})
    if therapist is not None and not therapist.services.filter(pk=service.pk).exists():
        raise ValidationError({"therapist": ["This therapist does not offer this service."]})
    with transaction.atomic():
        entry = WaitlistEntry.objects.create(
            client=client,
            service=service,
            therapist=therapist,
            earliest_date=earliest_date,
            latest_date=latest_date,
            weekdays=sorted(set(weekdays)),
            time_from=time_from,
            time_to=time_to,
        )
        request_scan()
    return entry


def leave(entry: WaitlistEntry) -> WaitlistEntry:
    """Cancel a waiting or offered entry; its open offers are declined (the hold ends)."""
    with transaction.atomic():
        locked = WaitlistEntry.objects.select_for_update().get(pk=entry.pk)
        if locked.status not in (WaitlistStatus.WAITING, WaitlistStatus.OFFERED):
            raise ValidationError({"status": [f"This entry is already {locked.status}."]})
        locked.offers.filter(status=OfferStatus.OFFERED).update(status=OfferStatus.DECLINED)
        locked.status = WaitlistStatus.CANCELLED
        locked.save(update_fields=["status"])
        request_scan()
    return locked


def request_scan() -> None:
    """Publish a waitlist scan once the current transaction commits (a lost message is made up
    by the every-minute beat scan)."""
    publish_on_commit("waitlist.tasks.scan_waitlist")


def in_window(entry: WaitlistEntry, start: datetime, tz) -> bool:
    local = start.astimezone(tz)
    return (
        entry.earliest_date <= local.date() <= entry.latest_date
        and (not entry.weekdays or local.weekday() in entry.weekdays)
        and entry.time_from <= local.time() < entry.time_to
    )


def _local_midnight(day: date, tz) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz)


def find_slot(entry: WaitlistEntry, *, clinic: Clinic, now: datetime, skip: set):
    """The earliest free slot inside the entry's window not in `skip` ((therapist id, start)
    pairs already offered to this entry), or None."""
    tz = clinic.tz
    first = max(entry.earliest_date, now.astimezone(tz).date())
    if first > entry.latest_date:
        return None
    slots = selectors.available_slots(
        service=entry.service,
        start=_local_midnight(first, tz),
        end=_local_midnight(entry.latest_date + timedelta(days=1), tz),
        therapist=entry.therapist,
        clinic=clinic,
        now=now,
        client_id=entry.client_id,  # never a time the client is already booked
    )
    for slot in slots:
        if in_window(entry, slot.start, tz) and (slot.therapist_id, slot.start) not in skip:
            return slot
    return None


def expire_offers(*, now: datetime | None = None) -> int:
    """Open offers whose hold has passed become expired; their entries wait again (the scan
    never offers them the same slot twice). Entries whose window has passed expire."""
    now = now or timezone.now()
    clinic = Clinic.get()
    with transaction.atomic():
        stale = list(
            WaitlistOffer.objects.select_for_update(skip_locked=True)
            .filter(status=OfferStatus.OFFERED, hold_until__lte=now)
            .values_list("pk", "entry_id")
        )
        WaitlistOffer.objects.filter(pk__in=[pk for pk, _ in stale]).update(
            status=OfferStatus.EXPIRED
        )
        WaitlistEntry.objects.filter(
            pk__in=[entry_id for _, entry_id in stale], status=WaitlistStatus.OFFERED
        ).update(status=WaitlistStatus.WAITING)
        today = now.astimezone(clinic.tz).date()
        WaitlistEntry.objects.filter(status=WaitlistStatus.WAITING, latest_date__lt=today).update(
            status=WaitlistStatus.EXPIRED
        )
    return len(stale)


def offer_free_slots(*, now: datetime | None = None) -> list[WaitlistOffer]:
    """Offer freed slots to waiting entries, earliest entry first (see the module docstring).
    Entries another scan is working on are skipped (row locks, SKIP LOCKED)."""
    now = now or timezone.now()
    clinic = Clinic.get()
    created: list[WaitlistOffer] = []
    with transaction.atomic():
        waiting = list(
            WaitlistEntry.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(status=WaitlistStatus.WAITING)
            .select_related("service", "therapist", "client")
            .order_by("created_at", "id")
        )
        offered_before: dict[int, set] = {entry.pk: set() for entry in waiting}
        for entry_id, therapist_id, start in WaitlistOffer.objects.filter(
            entry_id__in=list(offered_before)
        ).values_list("entry_id", "therapist_id", "start"):
            offered_before[entry_id].add((therapist_id, start))
        done: set[int] = set()
        for i, entry in enumerate(waiting):
            if entry.pk in done:
                continue
            try:
                # One entry that cannot be served (bad data, a bug) must not stop the scan for
                # everyone else: its work rolls back to this savepoint, and it is logged.
                with transaction.atomic():
                    made = _offer_to(entry, waiting[i + 1 :], offered_before, done, clinic, now)
            except Exception:
                logger.exception("Waitlist scan: entry %s failed; the others go on.", entry.pk)
                continue
            for offer in made:
                done.add(offer.entry_id)
            created.extend(made)
        messages.queue(created, now=now)
    return created


def _booked_then(client_id, start: datetime, end: datetime) -> bool:
    return (
        Booking.objects.active().filter(client_id=client_id, start__lt=end, end__gt=start).exists()
    )


def _offer_to(entry, later, offered_before, done, clinic, now) -> list[WaitlistOffer]:
    """Offer `entry` its earliest free slot, and the same slot to the next waiting entries
    (`later`) whose window holds it and who are not booked then, up to OFFERS_PER_SLOT."""
    slot = find_slot(entry, clinic=clinic, now=now, skip=offered_before[entry.pk])
    if slot is None:
        return []
    key = (slot.therapist_id, slot.start)
    group = [entry]
    for other in later:
        if len(group) >= OFFERS_PER_SLOT:
            break
        if (
            other.pk not in done
            and other.service_id == entry.service_id
            and other.therapist_id in (None, slot.therapist_id)
            and key not in offered_before[other.pk]
            and in_window(other, slot.start, clinic.tz)
            and not _booked_then(other.client_id, slot.start, slot.start + entry.service.duration)
        ):
            group.append(other)
    span = entry.service.duration + entry.service.buffer
    hold_until = now + timedelta(minutes=clinic.waitlist_hold_minutes)
    made = []
    for member in group:
        made.append(
            WaitlistOffer.objects.create(
                entry=member,
                therapist_id=slot.therapist_id,
                start=slot.start,
                blocks_until=slot.start + span,
                hold_until=hold_until,
            )
        )
        member.status = WaitlistStatus.OFFERED
        member.save(update_fields=["status"])
    return made


def scan(*, now: datetime | None = None) -> int:
    """Expire what is due, then offer what is free; returns the number of new offers."""
    expire_offers(now=now)
    return len(offer_free_slots(now=now))


def accept(offer: WaitlistOffer, *, actor=None) -> Booking:
    """Book the offered slot for the offer's client (requested, like any booking).

    409 if the offer is no longer open or its hold has passed, or if the slot has just been
    taken (another offered client accepted first: the booking constraints decide). Every other
    offer of the slot ends `taken` and its entry waits again: those no one is accepting right
    now with this acceptance, and a loser of a race when its own accept fails."""
    now = timezone.now()
    try:
        return _accept(offer, actor=actor, now=now)
    except SlotTaken as exc:
        _mark_taken([offer.pk])  # committed on its own: the loser's answer rolled back
        raise Conflict(str(exc)) from exc


class SlotTaken(Conflict):
    """The offered slot went to someone else while this offer was being accepted."""


def _mark_taken(offer_ids) -> None:
    """Open offers whose slot another client booked end `taken`; their entries wait again."""
    with transaction.atomic():
        entries = list(
            WaitlistOffer.objects.filter(pk__in=offer_ids, status=OfferStatus.OFFERED).values_list(
                "entry_id", flat=True
            )
        )
        WaitlistOffer.objects.filter(pk__in=offer_ids, status=OfferStatus.OFFERED).update(
            status=OfferStatus.TAKEN
        )
        WaitlistEntry.objects.filter(pk__in=entries, status=WaitlistStatus.OFFERED).update(
            status=WaitlistStatus.WAITING
        )


@retried_atomic
def _accept(offer: WaitlistOffer, *, actor, now) -> Booking:
    with transaction.atomic():
        locked = (
            WaitlistOffer.objects.select_for_update(of=("self",))
            .select_related("entry__client", "entry__service", "therapist")
            .get(pk=offer.pk)
        )
        if locked.status != OfferStatus.OFFERED:
            raise Conflict(
                f"This offer is no longer open (it is {locked.status}).", code="offer_closed"
            )
        if locked.hold_until <= now:
            raise Conflict("This offer has expired.", code="offer_expired")
        entry = locked.entry
        try:
            booking = services.create_booking(
                client=entry.client,
                therapist=locked.therapist,
                service=entry.service,
                start=locked.start,
                actor=actor,
                notes="From the waitlist",
            )
        except Conflict as exc:
            raise SlotTaken(f"This slot has just been taken. {exc}", code=exc.code) from exc
        locked.status = OfferStatus.ACCEPTED
        locked.booking = booking
        locked.save(update_fields=["status", "booking"])
        WaitlistEntry.objects.filter(pk=entry.pk).update(status=WaitlistStatus.BOOKED)
        siblings = list(
            WaitlistOffer.objects.select_for_update(skip_locked=True)
            .filter(status=OfferStatus.OFFERED, therapist=locked.therapist, start=locked.start)
            .values_list("pk", flat=True)
        )
        _mark_taken(siblings)
    return booking


@retried_atomic
def decline(offer: WaitlistOffer) -> WaitlistOffer:
    """The client says no: the offer is declined, the entry waits again, the slot is offered
    to the next in line."""
    with transaction.atomic():
        locked = WaitlistOffer.objects.select_for_update().get(pk=offer.pk)
        if locked.status != OfferStatus.OFFERED:
            raise Conflict(
                f"This offer is no longer open (it is {locked.status}).", code="offer_closed"
            )
        locked.status = OfferStatus.DECLINED
        locked.save(update_fields=["status"])
        WaitlistEntry.objects.filter(pk=locked.entry_id, status=WaitlistStatus.OFFERED).update(
            status=WaitlistStatus.WAITING
        )
        request_scan()
    return locked
