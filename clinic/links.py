"""Signed, expiring links in the clinic's messages: each proves access to one visit or one
waitlist offer, and nothing else (django.core.signing's TimestampSigner, salted per kind).

A visit link works until a week after the visit it was sent for (a moved visit keeps its
link working: the booking is the same); an offer link until a day after its hold ends (the
page then says the offer has closed). Neither works past `LINK_MAX_AGE` whatever it says.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.utils import timezone

VISIT, OFFER = "visit", "offer"
LINK_MAX_AGE = timedelta(days=800)
VISIT_GRACE = timedelta(days=7)
OFFER_GRACE = timedelta(days=1)
PATHS = {VISIT: "/visits/{pk}/", OFFER: "/offers/{pk}/"}


def _signer(kind: str) -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=f"kneadly.links.{kind}")


def make_token(kind: str, pk: int, *, until: datetime) -> str:
    return _signer(kind).sign_object({"pk": pk, "until": int(until.timestamp())}, compress=True)


def token_grants(kind: str, pk: int, token: str, *, now: datetime | None = None) -> bool:
    """Whether `token` is a good, unexpired link to object `pk` of `kind`."""
    if not token:
        return False
    try:
        data = _signer(kind).unsign_object(token, max_age=LINK_MAX_AGE)
    except (signing.BadSignature, ValueError, TypeError):
        return False
    if not isinstance(data, dict) or data.get("pk") != pk:
        return False
    until = data.get("until")
    return isinstance(until, int) and (now or timezone.now()).timestamp() <= until


def visit_path(booking) -> str:
    token = make_token(VISIT, booking.pk, until=booking.end + VISIT_GRACE)
    return f"{PATHS[VISIT].format(pk=booking.pk)}?k={token}"


def offer_path(offer) -> str:
    token = make_token(OFFER, offer.pk, until=offer.hold_until + OFFER_GRACE)
    return f"{PATHS[OFFER].format(pk=offer.pk)}?k={token}"


def visit_url(booking) -> str:
    """The visit's page (see it, add it to a calendar, reschedule or cancel it)."""
    return settings.SITE_URL + visit_path(booking)


def visit_cancel_url(booking) -> str:
    """The visit's cancel page (it warns about a late cancellation before asking)."""
    path, _, query = visit_path(booking).partition("?")
    return f"{settings.SITE_URL}{path}cancel/?{query}"


def book_url() -> str:
    return f"{settings.SITE_URL}/book/"


def offer_url(offer) -> str:
    """The waitlist offer's page (accept or decline it)."""
    return settings.SITE_URL + offer_path(offer)
