"""Every write about clients: registration, the client record, intakes."""

from datetime import date, timedelta

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token

from clients.models import Client, Intake, ReportedTriggerPoint
from clients.selectors import clinic_today
from clinic.models import IdempotentRequest

User = get_user_model()

EMAIL_TAKEN = "An account with this email already exists."
USERNAME_TAKEN = "A user with that username already exists."
# Consent signed "now" on a device whose clock runs a little ahead is still now.
CLOCK_SKEW = timedelta(minutes=5)
# A consent transcribed from a paper form may be a little older than its intake, not years.
CONSENT_MAX_AGE = timedelta(days=365)
OLDEST_BIRTH_DATE = date(1900, 1, 1)


def _constraint_name(exc: IntegrityError) -> str:
    diag = getattr(exc.__cause__, "diag", None)
    return getattr(diag, "constraint_name", "") or ""


def _email_taken(email: str, *, client: Client | None = None) -> bool:
    """An email names one person: unique across client records and logins (ignoring case)."""
    if not email:
        return False
    clients = Client.objects.filter(email__iexact=email)
    users = User.objects.filter(email__iexact=email)
    if client is not None:
        clients = clients.exclude(pk=client.pk)
        if client.user_id is not None:
            users = users.exclude(pk=client.user_id)
    return clients.exists() or users.exists()


def _check_date_of_birth(value: date | None, errors: dict) -> None:
    if value is None:
        return
    if value > clinic_today():
        errors["date_of_birth"] = ["Date of birth cannot be in the future."]
    elif value < OLDEST_BIRTH_DATE:
        errors["date_of_birth"] = ["Date of birth must be after 1900."]


@transaction.atomic
def register_client(
    *, username: str, password: str, email: str, first_name: str, last_name: str, **extra
) -> Client:
    """Create a login and its client record together, or neither.

    Usernames and emails are unique (emails case-insensitively, across logins and client
    records); the password must pass Django's validators. Two sign-ups racing for the same
    username or email: the database refuses the second, which gets the same 400.
    """
    errors: dict[str, list[str]] = {}
    if User.objects.filter(username__iexact=username).exists():
        errors["username"] = [USERNAME_TAKEN]
    if _email_taken(email):
        errors["email"] = [EMAIL_TAKEN]
    _check_date_of_birth(extra.get("date_of_birth"), errors)
    candidate = User(username=username, email=email, first_name=first_name, last_name=last_name)
    try:
        validate_password(password, user=candidate)
    except ValidationError as exc:
        errors["password"] = list(exc.messages)
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                username=username,
                password=password,
                email=email,
                first_name=first_name,
                last_name=last_name,
            )
            return Client.objects.create(
                user=user, first_name=first_name, last_name=last_name, email=email, **extra
            )
    except IntegrityError as exc:
        if _constraint_name(exc) == "client_email_unique_ci":
            raise ValidationError({"email": [EMAIL_TAKEN]}) from exc
        if "username" in _constraint_name(exc):
            raise ValidationError({"username": [USERNAME_TAKEN]}) from exc
        raise


def _save_client(client: Client) -> Client:
    try:
        with transaction.atomic():
            client.save()
    except IntegrityError as exc:
        if _constraint_name(exc) == "client_email_unique_ci":
            raise ValidationError({"email": [EMAIL_TAKEN]}) from exc
        raise
    return client


def _check_client_fields(client: Client | None, fields: dict) -> None:
    errors: dict[str, list[str]] = {}
    if "email" in fields and _email_taken(fields["email"], client=client):
        errors["email"] = [EMAIL_TAKEN]
    _check_date_of_birth(fields.get("date_of_birth"), errors)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def create_client(**fields) -> Client:
    """The front desk adds a client without a login. The email, when given, is not anyone
    else's; the date of birth is not in the future."""
    _check_client_fields(None, fields)
    return _save_client(Client(**fields))


@transaction.atomic
def update_client(client: Client, **fields) -> Client:
    """Change a client record. Same checks as creating one; a client with a login keeps the
    login's name and email in step with the record."""
    _check_client_fields(client, fields)
    for name, value in fields.items():
        setattr(client, name, value)
    _save_client(client)
    if client.user_id is not None and {"first_name", "last_name", "email"} & set(fields):
        user = client.user
        user.first_name, user.last_name, user.email = (
            client.first_name,
            client.last_name,
            client.email,
        )
        user.save(update_fields=["first_name", "last_name", "email"])
    return client


def _check_intake(fields: dict, now) -> None:
    errors: dict[str, list[str]] = {}
    if not fields.get("consent_given"):
        errors["consent_given"] = ["Consent to treatment is required before an intake is kept."]
    if not (fields.get("consent_version") or "").strip():
        errors["consent_version"] = ["Say which version of the consent text was agreed to."]
    signed_at = fields.get("consent_signed_at")
    if signed_at is not None and signed_at > now + CLOCK_SKEW:
        errors["consent_signed_at"] = ["Consent cannot be signed in the future."]
    elif signed_at is not None and signed_at < now - CONSENT_MAX_AGE:
        errors["consent_signed_at"] = [
            "A consent signed more than a year ago is not current: have it signed again."
        ]
    if not fields.get("pregnant"):
        if fields.get("pregnancy_weeks") is not None:
            errors["pregnancy_weeks"] = ["Pregnancy weeks are only given when pregnant."]
        if fields.get("high_risk_pregnancy"):
            errors["high_risk_pregnancy"] = ["A high-risk pregnancy is only given when pregnant."]
    surgery_date = fields.get("recent_surgery_date")
    if surgery_date is not None and surgery_date > clinic_today():
        errors["recent_surgery_date"] = ["A surgery date cannot be in the future."]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def record_intake(
    client: Client, *, recorded_by=None, reported_trigger_points=(), **fields
) -> Intake:
    """Add a new intake for the client; earlier intakes stay as they were (intakes are records,
    never edited).

    Consent to treatment is required: `consent_given` and the consent text's version; the
    server stamps `consent_signed_at` with now when it is not given and refuses one in the
    future or more than a year old. Pregnancy weeks and high risk only with a pregnancy; a
    surgery date not in the future. The intake and its reported trigger points are written
    together or not at all.
    """
    now = timezone.now()
    _check_intake(fields, now)
    fields["consent_version"] = fields["consent_version"].strip()
    if fields.get("consent_signed_at") is None:
        fields["consent_signed_at"] = now
    intake = Intake.objects.create(client=client, recorded_by=recorded_by, **fields)
    points = [ReportedTriggerPoint(intake=intake, **point) for point in reported_trigger_points]
    ReportedTriggerPoint.objects.bulk_create(points)
    return intake


ANONYMISED_NAME = "Anonymised"


@transaction.atomic
def anonymise_client_record(client: Client) -> Client:
    """Forget who the client is, keep what they were treated for (the law keeps clinical
    records for years): the record's names become "Anonymised"; email, phone, date of birth,
    pronouns, emergency contact and staff notes are blanked and marketing consent withdrawn.
    Intakes (clinical fields, reported trigger points) stay as they are. The login, when there
    is one, is deactivated and scrubbed (username `anonymised-<id>`, no email, names or usable
    password), its API tokens and stored idempotent answers deleted and its failed-login
    records (which hold the username) removed. Running it again changes nothing further.

    Only the client's own app is touched here: privacy.services.anonymise_client cancels
    their future bookings and calls this in the same transaction."""
    client = Client.objects.select_for_update().get(pk=client.pk)
    client.first_name = client.last_name = ANONYMISED_NAME
    client.email = client.phone = client.pronouns = ""
    client.emergency_contact_name = client.emergency_contact_phone = ""
    client.staff_notes = ""
    client.date_of_birth = None
    client.marketing_consent = False
    client.save()
    if client.user_id is not None:
        user = User.objects.select_for_update().get(pk=client.user_id)
        old_username = user.get_username()
        for model in (AccessAttempt, AccessFailureLog, AccessLog):
            model.objects.filter(username=old_username).delete()
        Token.objects.filter(user=user).delete()
        IdempotentRequest.objects.filter(user=user).delete()  # stored answers hold their data
        user.username = f"anonymised-{user.pk}"
        user.email = user.first_name = user.last_name = ""
        user.is_active = False
        user.set_unusable_password()
        user.save()
    return client
