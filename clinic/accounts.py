"""Accounts: API sign-ins (tokens that expire and can be revoked), passwords and their reset.

A token is random (256 bits), shown once; only its SHA-256 digest is stored, so a copy of the
database signs nobody in. A token works until it expires (`API_TOKEN_TTL_HOURS`), is revoked
(log out, log out everywhere, a password change or reset), or its user is deactivated.
"""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import PasswordResetTokenGenerator, default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

from clinic.models import ApiToken

User = get_user_model()

LAST_USED_EVERY = timedelta(minutes=5)  # write last_used at most this often per token
LINK_INVALID = "This link is invalid, was already used or has expired."


class ActivationTokenGenerator(PasswordResetTokenGenerator):
    """Sign-up links: not valid as reset links (another salt), used once (is_active)."""

    key_salt = "kneadly.accounts.activation"

    def _make_hash_value(self, user, timestamp):
        return f"{super()._make_hash_value(user, timestamp)}{user.is_active}"


activation_tokens = ActivationTokenGenerator()


def activation_link(user) -> tuple[str, str]:
    return urlsafe_base64_encode(force_bytes(user.pk)), activation_tokens.make_token(user)


def user_for_link(uid: str, token: str, *, activation: bool = False):
    """The user a mailed link (uid and token) is for, locked; a 400 if it is not valid."""
    generator = activation_tokens if activation else default_token_generator
    users = User.objects.select_for_update()
    try:
        user = users.get(pk=int(force_str(urlsafe_base64_decode(uid))), is_active=not activation)
    except (ValueError, TypeError, OverflowError, User.DoesNotExist):
        raise ValidationError({"token": [LINK_INVALID]}) from None
    if not generator.check_token(user, token):
        raise ValidationError({"token": [LINK_INVALID]})
    return user


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def token_ttl() -> timedelta:
    return timedelta(hours=settings.API_TOKEN_TTL_HOURS)


def issue_token(
    user, *, user_agent: str = "", otp_verified: bool = False, enrol_only: bool = False
) -> tuple[ApiToken, str]:
    """A new sign-in for `user`: the token row and its key (shown once, never stored)."""
    now = timezone.now()
    ApiToken.objects.filter(user=user, expires__lte=now).delete()  # tidy up expired ones
    key = secrets.token_hex(32)
    token = ApiToken.objects.create(
        user=user,
        digest=_digest(key),
        prefix=key[:8],
        created=now,
        last_used=now,
        expires=now + token_ttl(),
        user_agent=user_agent[:200],
        otp_verified=otp_verified,
        enrol_only=enrol_only,
    )
    return token, key


def token_for_key(key: str) -> ApiToken | None:
    """The live token with this key, with its user; None if unknown, expired or the user is
    inactive. One query (plus a rare last_used write), which also brings the user's therapist
    profile and client record, so `clinic.roles.role_of` needs no query of its own."""
    now = timezone.now()
    token = (
        ApiToken.objects.select_related("user", "user__therapist", "user__client")
        .filter(digest=_digest(key), expires__gt=now, user__is_active=True)
        .first()
    )
    if token is not None and now - token.last_used > LAST_USED_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used=now)
        token.last_used = now
    return token


def sessions_of(user):
    """The user's live sign-ins, newest first."""
    return ApiToken.objects.filter(user=user, expires__gt=timezone.now())


def revoke_token(token: ApiToken) -> None:
    ApiToken.objects.filter(pk=token.pk).delete()


def revoke_all_tokens(user, *, keep: ApiToken | None = None) -> int:
    """Sign the user out everywhere (except `keep`, the sign-in asking, when given)."""
    tokens = ApiToken.objects.filter(user=user)
    if keep is not None:
        tokens = tokens.exclude(pk=keep.pk)
    deleted, _ = tokens.delete()
    return deleted


@transaction.atomic
def change_password(user, *, old_password: str, new_password: str, keep=None) -> None:
    """The old password is required; the new one passes the validators. Every other sign-in
    of the user ends (their sessions too: Django's session hash changes with the password)."""
    if not user.check_password(old_password):
        raise ValidationError({"old_password": ["Your old password was entered incorrectly."]})
    try:
        validate_password(new_password, user=user)
    except ValidationError as exc:
        raise ValidationError({"new_password": list(exc.messages)}) from exc
    user.set_password(new_password)
    user.save(update_fields=["password"])
    revoke_all_tokens(user, keep=keep)


def send_account_mail(to: str, subject: str, body: str) -> None:
    """Account mail goes out after commit, and never fails the request that caused it."""

    def deliver():
        send_mail(subject, body, None, [to], fail_silently=True)

    transaction.on_commit(deliver)


def request_password_reset(email: str) -> None:
    """Mail a reset link to the active login(s) with this email. Says nothing to the caller
    about whether there was one (no account enumeration)."""
    users = User.objects.filter(email__iexact=email.strip(), is_active=True)
    for user in users:
        if not user.has_usable_password():
            continue
        uid = urlsafe_base64_encode(force_bytes(user.pk))
        token = default_token_generator.make_token(user)
        link = f"{settings.SITE_URL}/reset-password/?uid={uid}&token={token}"
        send_account_mail(
            user.email,
            "Reset your Kneadly password",
            f"Someone asked to reset the password of the account {user.get_username()}.\n\n"
            f"To choose a new password, open {link}\n"
            f"(or POST uid={uid} and token={token} with new_password to "
            "/api/v1/auth/password/reset/confirm/).\n\n"
            "If it was not you, ignore this message: your password stays as it is.",
        )


@transaction.atomic
def confirm_password_reset(*, uid: str, token: str, new_password: str):
    """Set a new password from a reset link; the link then stops working, and every sign-in
    of the user ends."""
    user = user_for_link(uid, token)
    try:
        validate_password(new_password, user=user)
    except ValidationError as exc:
        raise ValidationError({"new_password": list(exc.messages)}) from exc
    user.set_password(new_password)
    user.save(update_fields=["password"])
    revoke_all_tokens(user)
    return user
