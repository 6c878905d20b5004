"""Every write to therapist profiles, their weekly working hours and their time off.

Writes to one therapist's schedule lock that therapist's row first, so two requests cannot
both pass the overlap check; the database's exclusion constraints are the last word.
"""

from collections.abc import Iterable
from contextlib import contextmanager

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils import timezone

from clinic.models import Clinic, Modality, Service
from clinic.roles import client_of
from therapists.models import Therapist, TimeOff, WorkingHours, new_calendar_token

User = get_user_model()

PROFILE_FIELDS = {
    "display_name",
    "bio",
    "photo_url",
    "license_number",
    "license_expires_on",
    "modalities",
    "active",
    "email_booking_notices",
}
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

# What a person is told when the database itself refuses a write (a lost race).
CONSTRAINT_ERRORS = {
    "therapist_license_number_unique": (
        "license_number",
        "Another therapist already has this license number.",
    ),
    "auth_user_username_key": ("username", "A user with that username already exists."),
    "working_hours_no_overlap": (
        "non_field_errors",
        "These working hours overlap other working hours of this therapist on that day.",
    ),
    "time_off_no_overlap": (
        "non_field_errors",
        "This time off overlaps other time off of this therapist.",
    ),
}


@contextmanager
def _constraint_errors():
    """Turn a constraint violation the checks above it could not foresee into a 400."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError as exc:
        name = getattr(getattr(exc.__cause__, "diag", None), "constraint_name", None)
        if name not in CONSTRAINT_ERRORS:
            raise
        field, message = CONSTRAINT_ERRORS[name]
        raise ValidationError({field: [message]}) from exc


def _raise(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationError(errors)


def _add(errors: dict[str, list[str]], exc: ValidationError) -> None:
    for field, messages in exc.message_dict.items():
        errors.setdefault(field, []).extend(messages)


def _lock(therapist: Therapist) -> Therapist:
    # The therapist's row only (`of`): FOR UPDATE on the joined user row would also block that
    # user's logins and every foreign key check on it.
    return (
        Therapist.objects.select_for_update(of=("self",))
        .select_related("user")
        .get(pk=therapist.pk)
    )


# --- Profile --------------------------------------------------------------------------------


def normalize_modalities(modalities: Iterable[str]) -> list[str]:
    """Each modality once, in the clinic's order."""
    chosen = set(modalities)
    return [m for m in Modality.values if m in chosen] + sorted(chosen - set(Modality.values))


def check_services_match_modalities(
    modalities: Iterable[str], services: Iterable[Service], *, field: str = "services"
) -> None:
    """A therapist offers only services whose modality they practise."""
    modalities = set(modalities)
    outside = [s for s in services if s.modality not in modalities]
    if not outside:
        return
    if field == "services":
        messages = [
            f"{s} is a {Modality(s.modality).label} service, which this therapist does not "
            "practise: add that modality or leave the service out."
            for s in outside
        ]
    else:
        messages = [
            f"This therapist offers {s}, a {Modality(s.modality).label} service: "
            "remove it from their services too, or keep that modality."
            for s in outside
        ]
    raise ValidationError({field: messages})


def _check_new_services_active(services: Iterable[Service], current: Iterable[Service]) -> None:
    current_ids = {s.pk for s in current}
    retired = [s for s in services if not s.active and s.pk not in current_ids]
    if retired:
        raise ValidationError(
            {"services": [f"{s} is no longer offered by the clinic." for s in retired]}
        )


def _check_email_free(email: str, user=None) -> None:
    taken = User.objects.filter(email__iexact=email)
    if user is not None:
        taken = taken.exclude(pk=user.pk)
    if email and taken.exists():
        raise ValidationError({"email": ["Another login already uses this email address."]})


def _check_profile(therapist: Therapist, services, current=()) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    try:
        # Field rules here; the license number's uniqueness below, keyed to its field.
        therapist.full_clean(
            exclude=["user", "services", "calendar_token"],
            validate_unique=False,
            validate_constraints=False,
        )
    except ValidationError as exc:
        _add(errors, exc)
    if (
        therapist.license_number
        and Therapist.objects.filter(license_number=therapist.license_number)
        .exclude(pk=therapist.pk)
        .exists()
    ):
        errors.setdefault("license_number", []).append(
            "Another therapist already has this license number."
        )
    if services is not None:
        for check in (
            lambda: _check_new_services_active(services, current),
            lambda: check_services_match_modalities(therapist.modalities, services),
        ):
            try:
                check()
            except ValidationError as exc:
                _add(errors, exc)
    return errors


def create_therapist(
    *, username: str, email: str, password: str, services: Iterable[Service] = (), **profile
) -> Therapist:
    """Create a therapist and their login together, or neither.

    The username and the email are unique (case-insensitively), the password passes Django's
    validators, and the therapist offers only services whose modality they practise.
    """
    services = list(services)
    unknown = set(profile) - PROFILE_FIELDS
    _raise({field: ["This field cannot be set here."] for field in unknown})
    errors: dict[str, list[str]] = {}
    try:
        User._meta.get_field("username").run_validators(username)
    except ValidationError as exc:
        errors["username"] = list(exc.messages)
    if User.objects.filter(username__iexact=username).exists():
        errors["username"] = ["A user with that username already exists."]
    try:
        _check_email_free(email)
    except ValidationError as exc:
        _add(errors, exc)
    candidate = User(username=username, email=email, first_name=profile.get("display_name", ""))
    try:
        validate_password(password, user=candidate)
    except ValidationError as exc:
        errors["password"] = list(exc.messages)
    if "modalities" in profile:
        profile["modalities"] = normalize_modalities(profile["modalities"])
    therapist = Therapist(**profile)
    for field, messages in _check_profile(therapist, services).items():
        errors.setdefault(field, []).extend(messages)
    _raise(errors)

    with _constraint_errors():
        therapist.user = User.objects.create_user(username=username, email=email, password=password)
        therapist.save()
        therapist.services.set(services)
    return therapist


def update_therapist(
    therapist: Therapist,
    *,
    email: str | None = None,
    services: Iterable[Service] | None = None,
    **changes,
) -> Therapist:
    """Change a therapist's profile (and their login's email).

    Services stay within the therapist's modalities: adding a service needs its modality,
    dropping a modality needs its services dropped too. A retired service cannot be added.
    """
    unknown = set(changes) - PROFILE_FIELDS
    _raise({field: ["This field cannot be changed."] for field in unknown})
    with _constraint_errors():
        therapist = _lock(therapist)
        current = list(therapist.services.all())
        for field, value in changes.items():
            setattr(therapist, field, value)
        if "modalities" in changes:
            therapist.modalities = normalize_modalities(therapist.modalities)
        errors = _check_profile(
            therapist, list(services) if services is not None else None, current
        )
        if services is None and "modalities" in changes:
            try:
                check_services_match_modalities(therapist.modalities, current, field="modalities")
            except ValidationError as exc:
                _add(errors, exc)
        if email is not None:
            try:
                _check_email_free(email, therapist.user)
            except ValidationError as exc:
                _add(errors, exc)
        _raise(errors)
        therapist.save()
        if services is not None:
            therapist.services.set(services)
        if email is not None and email != therapist.user.email:
            therapist.user.email = email
            therapist.user.save(update_fields=["email"])
    return therapist


def remove_therapist(therapist: Therapist) -> bool:
    """Remove a therapist: one with bookings is deactivated (their bookings keep pointing at
    them); one without is deleted with their hours, time off and login (a login that is also
    an admin's or a client's stays). Returns True when deleted."""
    if not therapist.bookings.exists():
        try:
            with transaction.atomic():
                user = therapist.user
                therapist.delete()
                if not user.is_staff and client_of(user) is None:
                    user.delete()
            return True
        except (ProtectedError, IntegrityError):
            pass  # a booking arrived between the check and the delete: deactivate instead
    Therapist.objects.filter(pk=therapist.pk).update(active=False)
    therapist.active = False
    return False


# --- Weekly working hours -------------------------------------------------------------------


def rotate_calendar_token(therapist: Therapist) -> Therapist:
    """Give the therapist a new private calendar link; the old one stops working."""
    therapist.calendar_token = new_calendar_token()
    therapist.save(update_fields=["calendar_token"])
    return therapist


def _check_hours(hours: WorkingHours) -> None:
    errors: dict[str, list[str]] = {}
    if not 0 <= hours.weekday <= 6:
        errors["weekday"] = ["The weekday is a number from 0 (Monday) to 6 (Sunday)."]
    if hours.end_time <= hours.start_time:
        errors["end_time"] = [
            "The end time must be after the start time (an interval cannot run past midnight)."
        ]
    _raise(errors)
    clash = (
        WorkingHours.objects.filter(
            therapist_id=hours.therapist_id,
            weekday=hours.weekday,
            start_time__lt=hours.end_time,
            end_time__gt=hours.start_time,
        )
        .exclude(pk=hours.pk)
        .first()
    )
    if clash:
        raise ValidationError(
            {
                "non_field_errors": [
                    f"These hours overlap {WEEKDAYS[clash.weekday]} "
                    f"{clash.start_time:%H:%M}-{clash.end_time:%H:%M}: change that interval "
                    "instead, or choose hours that do not overlap it."
                ]
            }
        )


def add_working_hours(therapist: Therapist, *, weekday: int, start_time, end_time) -> WorkingHours:
    """Add a weekly interval: weekday 0 (Monday) to 6, end after start, not overlapping the
    therapist's other intervals that day (touching is fine: 9-12 and 12-17)."""
    with _constraint_errors():
        _lock(therapist)
        hours = WorkingHours(
            therapist=therapist, weekday=weekday, start_time=start_time, end_time=end_time
        )
        _check_hours(hours)
        hours.save()
    return hours


def update_working_hours(hours: WorkingHours, **changes) -> WorkingHours:
    """Change a weekly interval under the same rules as adding one."""
    with _constraint_errors():
        _lock(hours.therapist)
        hours = WorkingHours.objects.get(pk=hours.pk)
        for field in ("weekday", "start_time", "end_time"):
            if field in changes:
                setattr(hours, field, changes[field])
        _check_hours(hours)
        hours.save()
    return hours


def delete_working_hours(hours: WorkingHours) -> None:
    """Remove a weekly interval. Bookings already made in it stay booked."""
    hours.delete()


# --- Time off -------------------------------------------------------------------------------


def _check_time_off(time_off: TimeOff) -> None:
    if time_off.end <= time_off.start:
        raise ValidationError({"end": ["The end must be after the start."]})
    clash = (
        TimeOff.objects.filter(
            therapist_id=time_off.therapist_id, start__lt=time_off.end, end__gt=time_off.start
        )
        .exclude(pk=time_off.pk)
        .first()
    )
    if clash:
        tz = Clinic.get().tz
        start = timezone.localtime(clash.start, tz)
        end = timezone.localtime(clash.end, tz)
        raise ValidationError(
            {
                "non_field_errors": [
                    f"This overlaps time off from {start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M}: "
                    "change that entry instead."
                ]
            }
        )


def add_time_off(therapist: Therapist, *, start, end, reason: str = "") -> TimeOff:
    """Add time off: start before end, not overlapping the therapist's other time off.

    Overlaps are refused rather than merged, so each entry keeps its own reason and nothing
    changes that the therapist did not ask for.
    """
    with _constraint_errors():
        _lock(therapist)
        time_off = TimeOff(therapist=therapist, start=start, end=end, reason=reason)
        _check_time_off(time_off)
        time_off.save()
    return time_off


def update_time_off(time_off: TimeOff, **changes) -> TimeOff:
    """Change time off under the same rules as adding it."""
    with _constraint_errors():
        _lock(time_off.therapist)
        time_off = TimeOff.objects.get(pk=time_off.pk)
        for field in ("start", "end", "reason"):
            if field in changes:
                setattr(time_off, field, changes[field])
        _check_time_off(time_off)
        time_off.save()
    return time_off


def delete_time_off(time_off: TimeOff) -> None:
    """Remove time off."""
    time_off.delete()
