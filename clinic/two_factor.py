"""Two-factor sign-in (TOTP, with single-use recovery codes), on django-otp's devices.

Whoever has enrolled gives a code at every sign-in. When the clinic requires it
(`Clinic.require_staff_2fa`), admins and therapists who have not enrolled get a token that
only lets them enrol (and see who they are, and log out); the admin site lets them in only
with a code.
"""

import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from clinic.errors import Conflict
from clinic.models import ApiToken, Clinic
from clinic.roles import therapist_of

RECOVERY_CODES = 10
TOTP_CODE = re.compile(r"^\d{6}$")
INVALID_CODE = "That code is not right (or was already used). Try the current one."
ENROL_FIRST = (
    "The clinic requires two-factor sign-in for staff: enrol through the API "
    "(POST /api/v1/auth/2fa/) before using the admin site."
)


def is_staff_member(user) -> bool:
    return bool(user.is_staff or therapist_of(user) is not None)


def must_use_2fa(user) -> bool:
    """The clinic requires a code from this user (an admin or a therapist)."""
    return is_staff_member(user) and Clinic.get().require_staff_2fa


def is_enrolled(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def verify_code(user, code: str):
    """The device that accepts `code` (a 6-digit TOTP code, or a recovery code, which is then
    used up), or None. Each device throttles repeated failures (django-otp)."""
    code = (code or "").strip().replace(" ", "")
    if TOTP_CODE.match(code):
        devices = TOTPDevice.objects.filter(user=user, confirmed=True)
    else:
        devices = StaticDevice.objects.filter(user=user, confirmed=True)
        code = code.lower()
    for device in devices:
        allowed, _ = device.verify_is_allowed()
        if allowed and device.verify_token(code):
            return device
    return None


@transaction.atomic
def start_enrolment(user) -> TOTPDevice:
    """A new, unconfirmed TOTP device (its `config_url` is the otpauth:// URI for the app)."""
    if is_enrolled(user):
        raise Conflict(
            "Two-factor sign-in is already set up; turn it off first (with a code) to "
            "enrol another authenticator."
        )
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)


@transaction.atomic
def confirm_enrolment(user, code: str, *, token: ApiToken | None = None) -> list[str]:
    """Confirm the pending device with a code from the app; returns the recovery codes (shown
    this once). The sign-in asking counts as verified from now on."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if device is None:
        raise ValidationError({"otp": ["Start enrolment first (POST /api/v1/auth/2fa/)."]})
    if not (TOTP_CODE.match((code or "").strip()) and device.verify_token(code.strip())):
        raise ValidationError({"otp": [INVALID_CODE]})
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    StaticDevice.objects.filter(user=user).delete()
    static = StaticDevice.objects.create(user=user, name="Recovery codes", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=static, token=c) for c in codes)
    if token is not None:
        ApiToken.objects.filter(pk=token.pk).update(otp_verified=True, enrol_only=False)
    return codes


@transaction.atomic
def disable(user, code: str) -> None:
    """Turn two-factor sign-in off (a current code or a recovery code is required)."""
    if not is_enrolled(user):
        raise ValidationError({"otp": ["Two-factor sign-in is not set up."]})
    if must_use_2fa(user):
        raise Conflict("The clinic requires two-factor sign-in for staff: it stays on.")
    if verify_code(user, code) is None:
        raise ValidationError({"otp": [INVALID_CODE]})
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
