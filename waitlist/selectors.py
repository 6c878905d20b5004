"""Reads for the waitlist: who sees which entries and offers, and the slots open offers hold."""

from django.db.models import Exists, OuterRef, QuerySet

from bookings.selectors import EpochSeconds
from clinic.roles import Role, client_of, role_of
from waitlist.models import OfferStatus, WaitlistEntry, WaitlistOffer


def entries_visible_to(user) -> QuerySet[WaitlistEntry]:
    """A client sees their own entries, admins all; anyone else (therapists too) none."""
    role = role_of(user)
    if role == Role.ADMIN:
        return WaitlistEntry.objects.all()
    if role == Role.CLIENT:
        return WaitlistEntry.objects.filter(client=client_of(user))
    return WaitlistEntry.objects.none()


def offers_visible_to(user) -> QuerySet[WaitlistOffer]:
    """The offers made to the entries the user sees."""
    return WaitlistOffer.objects.filter(entry__in=entries_visible_to(user))


def held_slots(*, therapist_ids, start, until, now, client_id=None):
    """The hold source for availability (`bookings.selectors.register_hold_source`): open
    offers overlapping [start, until) hold their slot for everyone except a client (`client_id`)
    who holds an open offer for the same therapist and start. One query."""
    held = WaitlistOffer.objects.filter(
        status=OfferStatus.OFFERED,
        hold_until__gt=now,
        therapist_id__in=therapist_ids,
        start__lt=until,
        blocks_until__gt=start,
    )
    if client_id is not None:
        held = held.exclude(
            Exists(
                WaitlistOffer.objects.filter(
                    entry__client_id=client_id,
                    status=OfferStatus.OFFERED,
                    hold_until__gt=now,
                    therapist_id=OuterRef("therapist_id"),
                    start=OuterRef("start"),
                )
            )
        )
    return held.values_list(
        "therapist_id", EpochSeconds("start"), EpochSeconds("blocks_until", ceiling=True)
    )
