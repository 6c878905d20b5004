"""A client asks to be forgotten: the cross-app part of anonymisation.

It spans apps, so the orchestration lives in privacy, the top layer: the client's own record is
scrubbed by clients.services.anonymise_client_record, their future bookings are cancelled by
the booking services, and notifications stops anything further being sent to them. Treatment
notes are kept as they are (clinical records), so treatments has nothing to do.
"""

from django.db import transaction
from django.utils import timezone

from bookings import services
from bookings.models import Booking, CancelledBy
from clients.models import Client
from clients.services import anonymise_client_record
from clinic.statuses import BookingStatus
from notifications.services import skip_pending_for_client

ANONYMISED_REASON = "The client asked to be forgotten (anonymised)."


@transaction.atomic
def anonymise_client(client: Client, *, actor) -> Client:
    """Anonymise the client: identity removed (clients.services.anonymise_client_record), their
    future requested or confirmed bookings cancelled as clinic cancellations (through
    cancel_booking, so the history says who and why, and none counts as late), the free text of
    their bookings (notes, cancellation reasons) scrubbed, and every message still pending for
    them skipped. Past bookings, intakes, treatment notes and the audit log are kept. All of it
    or nothing; running it again finds nothing more to do."""
    client = anonymise_client_record(client)
    upcoming = Booking.objects.filter(
        client=client,
        status__in=(BookingStatus.REQUESTED, BookingStatus.CONFIRMED),
        start__gt=timezone.now(),
    ).order_by("start")
    for booking in upcoming:
        services.cancel_booking(
            booking, actor=actor, reason=ANONYMISED_REASON, initiated_by=CancelledBy.CLINIC
        )
    Booking.objects.filter(client=client).exclude(notes="").update(notes="")
    Booking.objects.filter(client=client).exclude(cancel_reason__in=("", ANONYMISED_REASON)).update(
        cancel_reason=""
    )
    skip_pending_for_client(client, ANONYMISED_REASON)
    return client
