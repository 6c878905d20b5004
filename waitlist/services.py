"""The waitlist: clients waiting for a service on some days and times get freed slots offered.

How a slot is offered
- A scan (`scan`, the Celery task `waitlist.tasks.scan_waitlist`) runs after a booking is
  cancelled or moved and after working hours or time off change (each published on commit,
  by `waitlist.receivers`), and every minute from beat. It expires open offers whose hold has
  passed (their entries wait again), then goes through the waiting entries, earliest first:
  for each it looks for the earliest free slot in its window through the one availability
  path (`bookings.selectors.available_slots`: hours, time off, bookings, rooms, holds), never
  one already offered to that entry. The slot is offered to that entry and to the next
  waiting entries whose window also contains it, up to `OFFERS_PER_SLOT` in all, each by
  email, all with the same hold (`Clinic.waitlist_hold_minutes`).
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

from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from bookings import selectors, services
from bookings.models import Booking
from clinic.errors import Conflict
from clinic.models import Clinic
from clinic.tasks import publish_on_commit
from waitlist.models import OfferStatus, WaitlistEntry, WaitlistOffer, WaitlistStatus

OFFERS_PER_SLOT = 3


def validate_window(
    *, earliest_date: date, latest_date: date, time_from: time, time_to: time, weekdays, today
) -> None:
    """400 unless the window is in the future and not inverted, with weekdays 0..6."""
    if latest_date < earliest_date:
        raise ValidationError({"latest_date": ["The last day must not be before the first."]})
    if latest_date < today:
        raise ValidationError({"latest_date": ["This window is in the past."]})
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
    hold_until = now + timedelta(minutes=clinic.waitlist_hold_minutes)
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
            slot = find_slot(entry, clinic=clinic, now=now, skip=offered_before[entry.pk])
            if slot is None:
                continue
            key = (slot.therapist_id, slot.start)
            group = [entry]
            for other in waiting[i + 1 :]:
                if len(group) >= OFFERS_PER_SLOT:
                    break
                if (
                    other.pk not in done
                    and other.service_id == entry.service_id
                    and other.therapist_id in (None, slot.therapist_id)
                    and key not in offered_before[other.pk]
                    and in_window(other, slot.start, clinic.tz)
                ):
                    group.append(other)
            span = entry.service.duration + entry.service.buffer
            for member in group:
                offer = WaitlistOffer.objects.create(
                    entry=member,
                    therapist_id=slot.therapist_id,
                    start=slot.start,
                    blocks_until=slot.start + span,
                    hold_until=hold_until,
                )
                member.status = WaitlistStatus.OFFERED
                member.save(update_fields=["status"])
                done.add(member.pk)
                created.append(offer)
        for offer in created:
            publish_on_commit("waitlist.tasks.send_waitlist_offer", offer.pk)
    return created


def scan(*, now: datetime | None = None) -> int:
    """Expire what is due, then offer what is free; returns the number of new offers."""
    expire_offers(now=now)
    return len(offer_free_slots(now=now))


def accept(offer: WaitlistOffer, *, actor=None) -> Booking:
    """Book the offered slot for the offer's client (requested, like any booking).

    409 if the offer is no longer open or its hold has passed, or if the slot has just been
    taken (another offered client accepted first: the booking constraints decide). The other
    open offers of the same slot that no one is accepting right now are expired and their
    entries wait again."""
    now = timezone.now()
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
            raise Conflict(f"This slot has just been taken. {exc}", code=exc.code) from exc
        locked.status = OfferStatus.ACCEPTED
        locked.booking = booking
        locked.save(update_fields=["status", "booking"])
        WaitlistEntry.objects.filter(pk=entry.pk).update(status=WaitlistStatus.BOOKED)
        siblings = list(
            WaitlistOffer.objects.select_for_update(skip_locked=True)
            .filter(status=OfferStatus.OFFERED, therapist=locked.therapist, start=locked.start)
            .values_list("pk", "entry_id")
        )
        WaitlistOffer.objects.filter(pk__in=[pk for pk, _ in siblings]).update(
            status=OfferStatus.EXPIRED
        )
        WaitlistEntry.objects.filter(
            pk__in=[e for _, e in siblings], status=WaitlistStatus.OFFERED
        ).update(status=WaitlistStatus.WAITING)
    return booking


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


def send_offer_email(offer_id: int) -> str:
    """Email the offer to its client (once; an offer no longer open is not sent)."""
    offer = (
        WaitlistOffer.objects.select_related("entry__client", "entry__service", "therapist")
        .filter(pk=offer_id)
        .first()
    )
    if offer is None or offer.status != OfferStatus.OFFERED:
        return "skipped"
    client = offer.entry.client
    if not client.email:
        return "skipped"
    clinic = Clinic.get()
    local = offer.start.astimezone(clinic.tz)
    hold = offer.hold_until.astimezone(clinic.tz)
    body = (
        f"Hello {client.first_name},\n\n"
        f"A time you were waiting for is free: {offer.entry.service.name} with "
        f"{offer.therapist} on {local:%A %d %B %Y at %H:%M}.\n"
        f"It is held for you until {hold:%H:%M}. Accept it in the app "
        f"(waitlist offer {offer.pk}); the first to accept gets it.\n\n{clinic.name}\n"
    )
    send_mail(
        f"{clinic.name}: a time is free for you",
        body,
        settings.DEFAULT_FROM_EMAIL,
        [client.email],
    )
    return "sent"
