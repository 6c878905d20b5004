"""Every write about clients: registration, the client record, intakes."""

from datetime import date, timedelta

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX, make_password
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import ProtectedError
from django.utils import timezone

from clients.contraindications import FLAG_FIELDS, FlagCode, flags_for_intake
from clients.models import (
    ANSWER_ITEMS,
    NONE_ANSWER,
    TEXT_ITEMS,
    TRIGGER_POINTS_ITEM,
    Client,
    ConsentText,
    FlagResolution,
    Intake,
    ReportedTriggerPoint,
)
from clients.selectors import (
    active_flags_of,
    advanced_pregnancy_weeks,
    clinic_today,
    current_consent_text,
)
from clinic.accounts import (
    LINK_INVALID,
    activation_link,
    revoke_all_tokens,
    send_account_mail,
    user_for_link,
)
from clinic.errors import Conflict
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


SIGN_UP_SENT = (
    "Thank you. We have sent a message to the address you gave: follow its link to finish "
    "signing up."
)


@transaction.atomic
def register_client(
    *, username: str, password: str, email: str, first_name: str, last_name: str, **extra
) -> Client | None:
    """A client signs up: a login and its client record, made together or not at all. The
    login stays inactive until its owner follows the link mailed to the address.

    No account enumeration: whether the email or username is taken changes nothing in the
    answer (the caller always gets SIGN_UP_SENT); the address gets a message saying what
    happened instead (someone tried to register with it, or the username is taken). Only
    what the request alone decides is refused with a 400 (a weak password, a date of birth
    in the future). Returns the new client record, or None when nothing was made.
    """
    errors: dict[str, list[str]] = {}
    _check_date_of_birth(extra.get("date_of_birth"), errors)
    candidate = User(username=username, email=email, first_name=first_name, last_name=last_name)
    try:
        validate_password(password, user=candidate)
    except ValidationError as exc:
        errors["password"] = list(exc.messages)
    if errors:
        raise ValidationError(errors)
    _forget_stale_sign_ups(email=email, username=username)
    taken_email = _email_taken(email)
    taken_username = not taken_email and User.objects.filter(username__iexact=username).exists()
    if taken_email or taken_username:
        make_password(password)  # as long as a real sign-up takes: time tells nothing either
        if taken_email:
            _tell_address_it_is_taken(email)
        else:
            _tell_username_is_taken(email, username)
        return None
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                username=username,
                password=password,
                email=email,
                first_name=first_name,
                last_name=last_name,
                is_active=False,
            )
            client = Client.objects.create(
                user=user, first_name=first_name, last_name=last_name, email=email, **extra
            )
    except IntegrityError as exc:  # lost a race for the email or the username
        if _constraint_name(exc) == "client_email_unique_ci":
            _tell_address_it_is_taken(email)
            return None
        if "username" in _constraint_name(exc):
            _tell_username_is_taken(email, username)
            return None
        raise
    uid, token = activation_link(user)
    send_account_mail(
        email,
        "Finish signing up with the clinic",
        f"Welcome, {first_name}. To finish signing up as {username}, open "
        f"{settings.SITE_URL}/activate/?uid={uid}&token={token}\n"
        f"(or POST uid={uid} and token={token} to /api/v1/auth/register/confirm/).\n\n"
        "If you did not sign up, ignore this message.",
    )
    return client


def _forget_stale_sign_ups(*, email: str, username: str) -> None:
    """A sign-up nobody confirmed while its link worked holds neither its email nor its
    username (else anyone could squat an address): its login and bare client record go."""
    cutoff = timezone.now() - timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT)
    stale = (
        Client.objects.filter(
            models.Q(user__email__iexact=email) | models.Q(user__username__iexact=username),
            user__is_active=False,
            user__last_login__isnull=True,
            user__date_joined__lt=cutoff,
            intakes__isnull=True,
        )
        .exclude(user__password__startswith=UNUSABLE_PASSWORD_PREFIX)  # anonymised
        .select_related("user")
    )
    for client in stale:
        try:
            with transaction.atomic():
                user = client.user
                client.delete()
                user.delete()
        except (IntegrityError, ProtectedError):
            continue  # someone made it more than a sign-up (a booking): keep it


def _tell_address_it_is_taken(email: str) -> None:
    send_account_mail(
        email,
        "Someone tried to register with your address",
        "Someone (perhaps you) tried to sign up with the clinic using this email address, "
        "which already has an account or a client record with us. Nothing was changed.\n\n"
        "If it was you: sign in, or reset your password at /api/v1/auth/password/reset/. "
        "If the clinic added you at the front desk, ask it for a login. If it was not you, "
        "you can ignore this message.",
    )


def _tell_username_is_taken(email: str, username: str) -> None:
    send_account_mail(
        email,
        "Choose another username",
        f"Someone (perhaps you) tried to sign up with this address and the username "
        f"{username!r}, which is taken. Nothing was made: sign up again with another "
        "username. If it was not you, ignore this message.",
    )


@transaction.atomic
def activate_login(*, uid: str, token: str):
    """Follow the sign-up link: the login becomes active (once; the link then stops working)."""
    user = user_for_link(uid, token, activation=True)
    user.is_active = True
    user.save(update_fields=["is_active"])
    return user


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


CONSENT_ITEMS = ("consent_given", "consent_version", "consent_signed_at")


def _signed_consent(version: str, signed_at) -> ConsentText:
    """The consent text of `version`, which must have been published when it was signed."""
    text = ConsentText.objects.filter(version=version, published_at__lte=signed_at).first()
    if text is not None:
        return text
    current = current_consent_text()
    hint = f" The current version is {current.version!r}." if current is not None else ""
    raise ValidationError(
        {"consent_version": [f"No consent text of version {version!r} was published then.{hint}"]}
    )


def _answers(fields: dict) -> dict:
    """The items the form answered, as values to store. A text item left empty is
    unanswered; the word "none" answers it explicitly (stored empty)."""
    answered = {}
    for name in ANSWER_ITEMS:
        if name not in fields:
            continue
        value = fields[name]
        if name in TEXT_ITEMS:
            value = (value or "").strip()
            if not value:
                continue
            if value.lower() == NONE_ANSWER:
                value = ""
        answered[name] = value
    return answered


def _carry_forward(previous: Intake | None, answered: dict) -> tuple[dict, list[str]]:
    """Complete a form's answers from the previous intake: every item left unanswered keeps
    the earlier answer (the weeks of a pregnancy counted on to today). Answering "not
    pregnant" clears the pregnancy's details; a surgery
    answered anew (or "none") keeps the earlier surgery date only when it is the same surgery."""
    answers = dict(answered)
    if previous is None:
        return answers, []
    if answered.get("pregnant") is False:
        answers.setdefault("pregnancy_weeks", None)
        answers.setdefault("high_risk_pregnancy", False)
    if "recent_surgery" in answered and answered["recent_surgery"] != previous.recent_surgery:
        answers.setdefault("recent_surgery_date", None)
    carried = [name for name in ANSWER_ITEMS if name not in answers]
    for name in carried:
        answers[name] = getattr(previous, name)
    if "pregnancy_weeks" in carried:  # the weeks counted then, counted on to today
        answers["pregnancy_weeks"] = advanced_pregnancy_weeks(previous, clinic_today())
    return answers, carried


NOT_GIVEN = object()
STALE_DRAFT = (
    "A newer intake was recorded after this form was filled in: start again from the new "
    "draft, so that no answer given there is overwritten."
)


@transaction.atomic
def record_intake(
    client: Client,
    *,
    recorded_by=None,
    reported_trigger_points=None,
    based_on=NOT_GIVEN,
    **fields,
) -> Intake:
    """Add a new intake for the client; earlier intakes stay as they were (intakes are records,
    never edited).

    A new intake starts from the previous one: an item the form leaves out (or a text item left
    empty) carries the earlier answer forward, and `reported_trigger_points` left out keeps the
    earlier points; only an explicit answer changes an item: `false` for a yes/no question,
    the word "none" for a text item, `null` for a date or number, `[]` for the trigger points.
    So a sparse form never drops a contraindication flag. The carried items are listed in
    `carried_forward`. A flag a staff member resolved comes back when the new form reports the
    condition again (answers one of its items itself, rather than carrying it). A form filled
    in from a draft may say which intake it started from (`based_on`, the draft's: an id or
    None for a first intake); when another intake was recorded since, it is refused with a
    Conflict (409) rather than overwriting those answers with the older ones.

    Consent to treatment is required on every form: `consent_given` and the version of the
    consent text signed, which must have been published at the signing; the server stamps
    `consent_signed_at` with now when it is not given and refuses one in the future or more
    than a year old. Pregnancy weeks and high risk only with a pregnancy; a surgery date not in
    the future. The intake and its reported trigger points are written together or not at all.
    """
    unknown = set(fields) - set(ANSWER_ITEMS) - set(CONSENT_ITEMS)
    if unknown:
        raise TypeError(f"record_intake() got unexpected items: {sorted(unknown)}")
    now = timezone.now()
    Client.objects.select_for_update().filter(pk=client.pk).first()  # one intake at a time
    previous = client.intakes.first()
    if based_on is not NOT_GIVEN and _pk(based_on) != _pk(previous):
        raise Conflict(STALE_DRAFT, code="stale_draft")
    answered = _answers(fields)
    answers, carried = _carry_forward(previous, answered)
    consent = {name: fields.get(name) for name in CONSENT_ITEMS}
    _check_intake({**answers, **consent}, now)
    signed_at = consent["consent_signed_at"] or now
    text = _signed_consent(consent["consent_version"].strip(), signed_at)
    if reported_trigger_points is None and previous is not None:
        carried.append(TRIGGER_POINTS_ITEM)
        reported_trigger_points = previous.reported_trigger_points.values(
            "muscle", "side", "pain", "refers_to", "note"
        )
    intake = Intake.objects.create(
        client=client,
        recorded_by=recorded_by,
        consent_given=True,
        consent_version=text.version,
        consent_signed_at=signed_at,
        based_on=previous,
        carried_forward=carried,
        **answers,
    )
    points = [ReportedTriggerPoint(intake=intake, **p) for p in reported_trigger_points or ()]
    ReportedTriggerPoint.objects.bulk_create(points)
    _reactivate_reported_flags(intake, answered=set(ANSWER_ITEMS) - set(carried), now=now)
    return intake


def _pk(intake) -> int | None:
    return intake.pk if isinstance(intake, Intake) else intake


def _reactivate_reported_flags(intake: Intake, *, answered: set[str], now) -> None:
    """A flag that the new intake raises from an item it answered itself was reported again:
    a standing resolution of it ends (and stays in the history)."""
    reported = [
        flag.code
        for flag in flags_for_intake(intake, clinic_today())
        if answered & set(FLAG_FIELDS[flag.code])
    ]
    if reported:
        FlagResolution.objects.filter(
            client_id=intake.client_id, code__in=reported, reactivated_at__isnull=True
        ).update(reactivated_by=intake, reactivated_at=now)


@transaction.atomic
def resolve_flag(client: Client, *, code: str, reason: str, resolved_by) -> FlagResolution:
    """A staff member clears an active contraindication flag, saying why (the condition was
    cleared by a physician, the answer was a mistake...). Recorded with who and when; the flag
    stops being active until a later intake reports the condition again. Only an active flag
    is resolved (a 400 otherwise). Who may resolve is `selectors.may_resolve_flags`."""
    client = Client.objects.select_for_update().get(pk=client.pk)
    errors: dict[str, list[str]] = {}
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = ["Say why the flag no longer applies."]
    if code not in FlagCode.values:
        errors["code"] = [f"{code!r} is not a contraindication flag."]
    elif code not in {flag.code for flag in active_flags_of(client)}:
        standing = client.flag_resolutions.filter(code=code, reactivated_at__isnull=True).first()
        if standing is not None:
            when = timezone.localtime(standing.resolved_at).strftime("%Y-%m-%d %H:%M")
            errors["code"] = [f"This flag was already resolved on {when}."]
        else:
            errors["code"] = ["The client's latest intake does not raise this flag."]
    if errors:
        raise ValidationError(errors)
    return FlagResolution.objects.create(
        client=client,
        code=code,
        intake=client.intakes.first(),
        resolved_by=resolved_by,
        resolved_at=timezone.now(),
        reason=reason,
    )


@transaction.atomic
def publish_consent_text(*, version: str, text: str, published_at=None) -> ConsentText:
    """Publish a new version of the consent text (from `published_at`, default now). A version
    is never reused; a published text is never rewritten once signed: publish a new one."""
    version, text = (version or "").strip(), (text or "").strip()
    errors: dict[str, list[str]] = {}
    if not version:
        errors["version"] = ["Name the version."]
    elif ConsentText.objects.filter(version=version).exists():
        errors["version"] = [f"Version {version!r} exists: publish a new version instead."]
    if not text:
        errors["text"] = ["The consent text is empty."]
    if errors:
        raise ValidationError(errors)
    return ConsentText.objects.create(
        version=version, text=text, published_at=published_at or timezone.now()
    )


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
        revoke_all_tokens(user)
        IdempotentRequest.objects.filter(user=user).delete()  # stored answers hold their data
        user.username = f"anonymised-{user.pk}"
        user.email = user.first_name = user.last_name = ""
        user.is_active = False
        user.set_unusable_password()
        user.save()
    return client


EMAIL_CHANGE_SALT = "kneadly.clients.email-change"


def request_email_change(client: Client, new_email: str) -> None:
    """A client changes their own email: the record keeps the old one until the new address
    confirms (a link mailed there). Whether the new address is taken changes nothing in the
    answer; its owner is told someone tried to use it instead (no account enumeration)."""
    if new_email.strip().lower() == (client.email or "").lower():
        return
    if _email_taken(new_email, client=client):
        send_account_mail(
            new_email,
            "Someone tried to use your address for another account",
            "Someone tried to change the email address of an account with the clinic to "
            "this one, which already has an account or a client record with us. Nothing was "
            "changed. If it was not you, you can ignore this message.",
        )
        return
    token = signing.dumps(
        {"client": client.pk, "old": client.email, "new": new_email}, salt=EMAIL_CHANGE_SALT
    )
    send_account_mail(
        new_email,
        "Confirm your new email address",
        "To use this address for your account with the clinic, POST this token to "
        f"/api/v1/auth/email/confirm/ (or open {settings.SITE_URL}/confirm-email/?token={token}):"
        f"\n\n{token}\n\nIf you did not ask for this, ignore this message.",
    )


@transaction.atomic
def confirm_email_change(token: str) -> Client:
    """Apply a confirmed email change (once: the link names the address it replaces)."""
    try:
        data = signing.loads(token, salt=EMAIL_CHANGE_SALT, max_age=settings.PASSWORD_RESET_TIMEOUT)
        client = Client.objects.select_for_update().get(pk=data["client"], email=data["old"])
    except (signing.BadSignature, KeyError, TypeError, Client.DoesNotExist):
        raise ValidationError({"token": [LINK_INVALID]}) from None
    return update_client(client, email=data["new"])
