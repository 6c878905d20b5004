"""A week of free times for the booking pages, from the availability engine the API uses
(bookings.selectors.available_slots): nothing here decides what is free."""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django.utils import timezone

from bookings import selectors
from bookings.availability import Slot
from clinic.models import Clinic, Service
from therapists.models import Therapist

DAYS = 7
SEARCH_CHUNK = timedelta(days=21)
ANY = "any"


@dataclass
class Choice:
    """One time on the page: its start (clinic time) and the form value that picks it."""

    start: datetime
    value: str
    therapist_id: int | None


@dataclass
class Day:
    day: date
    choices: list[Choice] = field(default_factory=list)


def local_midnight(day: date, clinic: Clinic) -> datetime:
    return datetime.combine(day, time(0), tzinfo=clinic.tz)


def today(clinic: Clinic) -> date:
    return timezone.localtime(timezone.now(), clinic.tz).date()


def slot_value(therapist_id: int | None, start: datetime) -> str:
    who = ANY if therapist_id is None else str(therapist_id)
    return f"{who}@{int(start.timestamp())}"


def parse_value(value: str) -> tuple[int | None, datetime] | None:
    who, _, stamp = (value or "").partition("@")
    try:
        start = datetime.fromtimestamp(int(stamp), tz=UTC)
        therapist_id = None if who == ANY else int(who)
    except (ValueError, OverflowError, OSError):
        return None
    return therapist_id, start


def week(
    *,
    service: Service,
    therapist: Therapist | None,
    first_day: date,
    clinic: Clinic,
    client_id: int | None = None,
    exclude_start: datetime | None = None,
) -> list[Day]:
    """Seven days from `first_day`, each with its free times. For "anyone", a time shows once
    (whoever is free then is chosen when it is picked)."""
    start = local_midnight(first_day, clinic)
    end = local_midnight(first_day + timedelta(days=DAYS), clinic)
    slots = selectors.available_slots(
        service=service,
        start=start,
        end=end,
        therapist=therapist,
        clinic=clinic,
        client_id=client_id,
    )
    days = {first_day + timedelta(days=n): Day(first_day + timedelta(days=n)) for n in range(DAYS)}
    seen = set()
    for slot in sorted(slots, key=lambda s: (s.start, s.therapist_id)):
        if slot.start == exclude_start:
            continue
        who = slot.therapist_id if therapist is not None else None
        if (who, slot.start) in seen:
            continue
        seen.add((who, slot.start))
        local = timezone.localtime(slot.start, clinic.tz)
        if local.date() in days:
            days[local.date()].choices.append(Choice(local, slot_value(who, slot.start), who))
    return list(days.values())


def first_free(
    *, service: Service, therapist: Therapist | None, clinic: Clinic, client_id: int | None = None
) -> Slot | None:
    """The first free time from now to the booking horizon, looking a few weeks at a time."""
    rules = selectors.booking_rules(clinic)
    start, latest = rules.earliest, rules.latest
    while start <= latest:
        end = min(start + SEARCH_CHUNK, latest + timedelta(seconds=1))
        slots = selectors.available_slots(
            service=service,
            start=start,
            end=end,
            therapist=therapist,
            clinic=clinic,
            client_id=client_id,
        )
        if slots:
            return min(slots, key=lambda s: (s.start, s.therapist_id))
        start = end
    return None


def free_at(
    *,
    service: Service,
    therapist_id: int | None,
    start: datetime,
    clinic: Clinic,
    client_id: int | None = None,
) -> Slot | None:
    """The slot at exactly `start` if it is still free (for the therapist, or anyone's)."""
    therapist = None
    if therapist_id is not None:
        therapist = Therapist.objects.filter(pk=therapist_id, active=True).first()
        if therapist is None:
            return None
    slots = selectors.available_slots(
        service=service,
        start=start,
        end=start + timedelta(seconds=1),
        therapist=therapist,
        clinic=clinic,
        client_id=client_id,
    )
    slots = sorted((s for s in slots if s.start == start), key=lambda s: s.therapist_id)
    return slots[0] if slots else None
