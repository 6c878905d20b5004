"""Reads about clients that need more than a one-line queryset."""

from datetime import date
from types import SimpleNamespace

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from clients.contraindications import RULE_FIELDS, Flag, flags_for_intake
from clients.models import Client, Intake
from clinic.models import clinic_timezone
from clinic.roles import Role, client_of, is_admin, role_of, therapist_of
from clinic.statuses import ACTIVE_STATUSES, BookingStatus

VISITED_STATUSES = (BookingStatus.CHECKED_IN, BookingStatus.COMPLETED, BookingStatus.NO_SHOW)
UPCOMING_STATUSES = (BookingStatus.REQUESTED, BookingStatus.CONFIRMED)


def clinic_today() -> date:
    """Today's date where the clinic is (flags such as "surgery in the last 12 weeks")."""
    return timezone.localdate(timezone=clinic_timezone())


def _latest_first(intakes: QuerySet[Intake]) -> QuerySet[Intake]:
    return intakes.order_by("client_id", "-created_at", "-id").distinct("client_id")


def latest_intakes(client_ids) -> dict[int, Intake]:
    """Each client's newest intake, in one query (PostgreSQL DISTINCT ON)."""
    intakes = _latest_first(Intake.objects.filter(client_id__in=list(client_ids)))
    return {intake.client_id: intake for intake in intakes}


def active_flags_by_client(client_ids) -> dict[int, list[Flag]]:
    """The contraindication flags of each client's latest intake, in one query."""
    client_ids = list(client_ids)
    today = clinic_today()
    latest = latest_intakes(client_ids)
    return {cid: flags_for_intake(latest.get(cid), today) for cid in client_ids}


def with_latest_intake(clients: QuerySet[Client], *, trigger_points: bool = False):
    """Prefetch each client's newest intake into `latest_intake_list` (0 or 1 items)."""
    intakes = _latest_first(Intake.objects.all())
    if trigger_points:
        intakes = intakes.prefetch_related("reported_trigger_points")
    return clients.prefetch_related(
        Prefetch("intakes", queryset=intakes, to_attr="latest_intake_list")
    )


def latest_intake_of(client: Client) -> Intake | None:
    """The newest intake, from the prefetch of `with_latest_intake` when there is one."""
    if hasattr(client, "latest_intake_list"):
        return client.latest_intake_list[0] if client.latest_intake_list else None
    return client.intakes.prefetch_related("reported_trigger_points").first()


def clients_in_care_of(user) -> QuerySet[Client]:
    """The one rule for a therapist's clients: those with whom they hold an upcoming booking
    (requested or confirmed, not yet over), or had a visit that took place (checked in,
    completed, or a no-show). A cancelled booking alone gives no access. All clients for an
    admin; nobody for anyone else. Charts, client records and everything about a client a
    therapist may read start from this."""
    if is_admin(user):
        return Client.objects.all()
    therapist = therapist_of(user)
    if therapist is None:
        return Client.objects.none()
    return Client.objects.filter(pk__in=_booked_with(therapist))


def _booked_with(therapist):
    # The reverse relation from bookings (clients cannot import bookings, which sits above);
    # one filter() call, so every condition is about the same booking.
    took_place = Q(bookings__status__in=VISITED_STATUSES)
    upcoming = Q(bookings__status__in=UPCOMING_STATUSES, bookings__end__gt=timezone.now())
    return Client.objects.filter(Q(bookings__therapist=therapist) & (took_place | upcoming)).values(
        "pk"
    )


def visible_clients(user) -> QuerySet[Client]:
    """The client records a user may see: admins all; anyone their own record; a therapist
    also the clients in their care (`clients_in_care_of`, the same rule)."""
    if is_admin(user):
        return Client.objects.all()
    if user is None or not user.is_authenticated:
        return Client.objects.none()
    allowed = Q(user=user)
    therapist = therapist_of(user)
    if therapist is not None:
        allowed |= Q(pk__in=_booked_with(therapist))
    return Client.objects.filter(allowed)


def clients_acted_for_by(user) -> QuerySet[Client] | None:
    """Whom a user may book or wait-list for: an admin anyone, a client themself. None for
    anyone else (they may not act for any client)."""
    role = role_of(user)
    if role == Role.ADMIN:
        return Client.objects.all()
    if role == Role.CLIENT:
        return Client.objects.filter(pk=client_of(user).pk)
    return None


def may_edit_client(user, client: Client) -> bool:
    """Admins edit any client record; a client edits their own. Therapists only read."""
    return is_admin(user) or (client.user_id is not None and client.user_id == user.pk)


def may_export_client(user, client: Client) -> bool:
    """The right of access: the client themself downloads their data; admins answer requests
    made at the desk. Their therapists read the chart but do not export it."""
    return may_edit_client(user, client)


def may_record_intake(user, client: Client) -> bool:
    """Admins (the front desk) and the client themself add intakes; therapists read them."""
    return may_edit_client(user, client)


def may_see_staff_notes(user, client: Client) -> bool:
    """Staff notes are for admins and therapists, never for the client they are about."""
    if is_admin(user):
        return True
    return therapist_of(user) is not None and client.user_id != user.pk


def with_upcoming_booking(clients: QuerySet[Client], now=None) -> QuerySet[Client]:
    """Clients with an active booking that starts after `now`."""
    booked = Client.objects.filter(
        bookings__start__gt=now or timezone.now(),
        bookings__status__in=ACTIVE_STATUSES,
    ).values("pk")
    return clients.filter(pk__in=booked)


def without_upcoming_booking(clients: QuerySet[Client], now=None) -> QuerySet[Client]:
    return clients.exclude(pk__in=with_upcoming_booking(Client.objects.all(), now).values("pk"))


def with_flag(clients: QuerySet[Client], code: str) -> QuerySet[Client]:
    """Clients whose latest intake raises the flag `code`.

    The rules live in Python (clients.contraindications) and depend on today's date, so the
    latest intakes of the candidate clients are read in one query and judged here, rather than
    restating each rule in SQL.
    """
    today = clinic_today()
    latest = _latest_first(Intake.objects.filter(client__in=clients.values("pk")))
    # Plain values of the fields the rules read: about ten times faster than model instances.
    rows = latest.values("client_id", *RULE_FIELDS)
    ids = [
        row["client_id"]
        for row in rows
        if any(flag.code == code for flag in flags_for_intake(SimpleNamespace(**row), today))
    ]
    return clients.filter(pk__in=ids)
