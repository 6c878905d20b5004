"""Reads about clients that need more than a one-line queryset."""

from datetime import date
from types import SimpleNamespace

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from clients.contraindications import RULE_FIELDS, Flag, flags_for_intake, pregnancy_weeks_on
from clients.models import (
    ANSWER_ITEMS,
    PREGNANCY_WEEKS_MAX,
    Client,
    ConsentText,
    FlagResolution,
    Intake,
    ReportedTriggerPoint,
)
from clinic.models import clinic_timezone
from clinic.roles import Role, client_of, is_admin, role_of, therapist_of
from clinic.statuses import ACTIVE_STATUSES, BookingStatus

VISITED_STATUSES = (BookingStatus.CHECKED_IN, BookingStatus.COMPLETED, BookingStatus.NO_SHOW)
UPCOMING_STATUSES = (BookingStatus.REQUESTED, BookingStatus.CONFIRMED)


def clinic_today() -> date:
    """Today's date where the clinic is (flags such as "surgery in the last 12 weeks")."""
    return timezone.localdate(timezone=clinic_timezone())


def advanced_pregnancy_weeks(intake: Intake, today: date) -> int | None:
    """The weeks of pregnancy an intake gave, counted on to `today` (what a new form carries
    forward), at most the most an intake holds."""
    weeks = pregnancy_weeks_on(intake.pregnancy_weeks, intake.created_at, today)
    return None if weeks is None else min(weeks, PREGNANCY_WEEKS_MAX)


def _standing() -> QuerySet[FlagResolution]:
    return FlagResolution.objects.filter(reactivated_at__isnull=True)


def _latest_first(intakes: QuerySet[Intake]) -> QuerySet[Intake]:
    """Each client's newest intake (PostgreSQL DISTINCT ON), with `resolved_codes`: the flags a
    standing staff resolution clears for that client (in the same query)."""
    resolved = _standing().filter(client_id=OuterRef("client_id")).values("code")
    return (
        intakes.order_by("client_id", "-created_at", "-id")
        .distinct("client_id")
        .annotate(resolved_codes=ArraySubquery(resolved))
    )


def latest_intakes(client_ids) -> dict[int, Intake]:
    """Each client's newest intake, in one query (PostgreSQL DISTINCT ON)."""
    intakes = _latest_first(Intake.objects.filter(client_id__in=list(client_ids)))
    return {intake.client_id: intake for intake in intakes}


def _active(intake: Intake | None, today: date) -> list[Flag]:
    """The flags the intake raises less those a standing resolution clears."""
    if intake is None:
        return []
    if hasattr(intake, "resolved_codes"):
        resolved = set(intake.resolved_codes)
    else:
        standing = _standing().filter(client_id=intake.client_id)
        resolved = set(standing.values_list("code", flat=True))
    return [flag for flag in flags_for_intake(intake, today) if flag.code not in resolved]


def active_flags_by_client(client_ids, *, viewer=None) -> dict[int, list[Flag]]:
    """Each client's active contraindication flags: those of the latest intake (which holds
    every answer carried forward) less those a standing staff resolution clears. One query.

    With a `viewer`, only the clients in their care (`clients_in_care_of`: a therapist whose
    only link is a cancelled booking sees none of the client's health) get flags; the others
    get an empty list (the same query, narrowed)."""
    client_ids = list(client_ids)
    if viewer is not None and not is_admin(viewer):
        in_care = clients_in_care_of(viewer).filter(pk__in=client_ids).values("pk")
        intakes = _latest_first(Intake.objects.filter(client_id__in=in_care))
        latest = {intake.client_id: intake for intake in intakes}
    else:
        latest = latest_intakes(client_ids)
    today = clinic_today()
    return {cid: _active(latest.get(cid), today) for cid in client_ids}


def with_latest_intake(clients: QuerySet[Client], *, trigger_points: bool = False):
    """Prefetch each client's newest intake into `latest_intake_list` (0 or 1 items), with
    the flags a standing resolution clears (`resolved_codes`)."""
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


def active_flags_of(client: Client, today: date | None = None) -> list[Flag]:
    """The client's active contraindication flags, most severe first: those of the latest
    intake less those a standing staff resolution clears (from the prefetch of
    `with_latest_intake` when there is one)."""
    return _active(latest_intake_of(client), today or clinic_today())


def flag_resolutions_of(client: Client) -> QuerySet[FlagResolution]:
    """Every staff resolution of the client's flags, newest first, standing or reactivated:
    the history of who cleared which flag, when and why."""
    return client.flag_resolutions.select_related("resolved_by")


def current_consent_text(now=None) -> ConsentText | None:
    """The consent text clients sign today: the newest version already published."""
    return ConsentText.objects.filter(published_at__lte=now or timezone.now()).first()


def signed_consent_text(intake: Intake) -> ConsentText:
    """The consent text an intake's client signed (the version the intake names)."""
    return ConsentText.objects.get(version=intake.consent_version)


def published_consent_texts() -> QuerySet[ConsentText]:
    """Every published version of the consent text, newest first."""
    return ConsentText.objects.filter(published_at__lte=timezone.now())


def intake_draft(client: Client) -> dict:
    """A new intake form, filled in with the client's answers so far (those of their latest
    intake, which already carries earlier ones forward), in the shape `record_intake` and the
    intake API accept: every answer item, `reported_trigger_points` (muscle, side, pain,
    refers_to, note), `consent_version` (the current text's version) and `consent_given`
    (false: consent is given anew on each form). `based_on` names the intake the answers come
    from (None for a first intake, whose items are the empty defaults). Three queries."""
    latest = client.intakes.first()
    if latest is None:
        draft = {name: Intake._meta.get_field(name).get_default() for name in ANSWER_ITEMS}
        points = []
    else:
        draft = {name: getattr(latest, name) for name in ANSWER_ITEMS}
        draft["pregnancy_weeks"] = advanced_pregnancy_weeks(latest, clinic_today())
        points = list(
            ReportedTriggerPoint.objects.filter(intake=latest).values(
                "muscle", "side", "pain", "refers_to", "note"
            )
        )
    current = current_consent_text()
    return {
        "based_on": latest.pk if latest is not None else None,
        **draft,
        "reported_trigger_points": points,
        "consent_given": False,
        "consent_version": current.version if current is not None else None,
    }


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


def may_resolve_flags(user, client: Client) -> bool:
    """Admins and the client's therapists (those in their care, `clients_in_care_of`) resolve
    contraindication flags; never the client themself."""
    if is_admin(user):
        return True
    if client.user_id is not None and client.user_id == getattr(user, "pk", None):
        return False
    return clients_in_care_of(user).filter(pk=client.pk).exists()


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
    """Clients with the active flag `code`: their latest intake raises it and no standing
    staff resolution clears it.

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
    return clients.filter(pk__in=ids).exclude(
        pk__in=_standing().filter(code=code).values("client_id")
    )
