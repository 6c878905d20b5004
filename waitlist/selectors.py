"""Reads for the waitlist: who sees which entries and offers, and the slots open offers hold."""

from django.db.models import QuerySet

from bookings.selectors import epoch_sql
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


_OFFERS = WaitlistOffer._meta.db_table
_ENTRIES = WaitlistEntry._meta.db_table
_HELD = (
    f"SELECT o.therapist_id, {epoch_sql('o.start')}, {epoch_sql('o.blocks_until', up=True)}"
    f" FROM {_OFFERS} o WHERE o.status = '{OfferStatus.OFFERED}' AND o.hold_until > %s"
    " AND o.start < %s AND o.blocks_until > %s"
)
# ... except where the client holds an open offer for the same therapist and start.
_NOT_THEIRS = (
    f" AND NOT EXISTS (SELECT 1 FROM {_OFFERS} m JOIN {_ENTRIES} e ON e.id = m.entry_id"
    f" WHERE e.client_id = %s AND m.status = '{OfferStatus.OFFERED}' AND m.hold_until > %s"
    " AND m.therapist_id = o.therapist_id AND m.start = o.start)"
)


def held_slots(*, start, until, now, client_id=None):
    """The hold source for availability (`bookings.selectors.register_hold_source`): open
    offers overlapping [start, until) hold their slot for everyone except a client (`client_id`)
    who holds an open offer for the same therapist and start. SQL for the schedule's one
    statement: (therapist_id, start, end) in epoch seconds."""
    if client_id is None:
        return _HELD, [now, until, start]
    return _HELD + _NOT_THEIRS, [now, until, start, client_id, now]
