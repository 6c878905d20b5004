"""A client asks to be forgotten: the cross-app part of anonymisation.

Clients must not import bookings, so the orchestration lives here, one level up: the client's
own record is scrubbed by clients.services.anonymise_client_record, and this module frees the
slots they still hold and stops anything further being sent to them. Treatment notes are
kept as they are (clinical records), so treatments has nothing to do.
"""

from django.db import transaction
from django.utils import timezone

from bookings import services
from bookings.models import Booking, BookingStatus, DeliveryStatus, Notice, Reminder
from clients.models import Client
from clients.services import anonymise_client_record

ANONYMISED_REASON = "The client asked to be forgotten (anonymised)."


@transaction.atomic
def anonymise_client(client: Client, *, actor) -> Client:
    """Anonymise the client: identity removed (clients.services.anonymise_client_record), their
    future requested or confirmed bookings cancelled (through cancel_booking, so the history
    says who and why), and every reminder or notice still pending for any of their bookings
    skipped. Past bookings, intakes, treatment notes and the audit log are kept. All of it or
    nothing; running it again finds nothing more to do."""
    client = anonymise_client_record(client)
    upcoming = Booking.objects.filter(
        client=client,
        status__in=(BookingStatus.REQUESTED, BookingStatus.CONFIRMED),
        start__gt=timezone.now(),
    ).order_by("start")
    for booking in upcoming:
        services.cancel_booking(booking, actor=actor, reason=ANONYMISED_REASON)
    for model in (Reminder, Notice):
        model.objects.filter(booking__client=client, status=DeliveryStatus.PENDING).update(
            status=DeliveryStatus.SKIPPED,
            skip_reason=ANONYMISED_REASON[:200],
            claim_token=None,
            claimed_until=None,
            updated_at=timezone.now(),
        )
    return client
