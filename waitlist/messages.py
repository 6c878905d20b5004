"""Telling a waiting client about the slot offered to them, through the notifications machinery.

An offer's messages are `OfferMessage` rows, one per channel the client can be reached by
(`notifications.services.channels_for`: email, and SMS when it is on and the client has a
phone), written by the scan in the transaction that makes the offer. They are a delivery kind
(`notifications.kinds`, registered by `waitlist.receivers.connect`), so the notifications
dispatcher claims and sends them like reminders: once (claim token, the offer's lock then the
row's), sent, skipped or failed with the reason, attempts and error. At send time, under the
offer's lock, a message is skipped if the offer is no longer open or its hold has passed.
"""

from __future__ import annotations

from django.utils import timezone

from clinic import links
from clinic.models import Clinic
from clinic.tasks import publish_on_commit
from notifications import channels, kinds
from notifications.services import channels_for
from waitlist.models import OfferMessage, OfferStatus, WaitlistOffer


def queue(offers, *, now) -> list[OfferMessage]:
    """The messages of new offers (their entries' clients loaded), due at `now`, once per
    offer and channel; the dispatcher is asked for once the transaction commits."""
    rows = [
        OfferMessage(offer=offer, channel=channel, due_at=now)
        for offer in offers
        for channel in channels_for(offer.entry.client)
    ]
    if rows:
        OfferMessage.objects.bulk_create(rows, ignore_conflicts=True)
        publish_on_commit("notifications.tasks.dispatch_due")
    return rows


# --- The delivery kind -----------------------------------------------------------------------


def lock_offer(offer_id: int) -> WaitlistOffer | None:
    """The offer, locked as accepting, declining and expiring it lock it (FOR NO KEY UPDATE does
    not block the scan inserting the offer's messages)."""
    return (
        WaitlistOffer.objects.select_for_update(no_key=True, of=("self",))
        .select_related("entry__client", "entry__service", "therapist")
        .filter(pk=offer_id)
        .first()
    )


def reason_not_to_send(message: OfferMessage, offer: WaitlistOffer, now) -> str:
    if offer.status != OfferStatus.OFFERED:
        return f"The offer is no longer open (it is {offer.get_status_display().lower()})."
    if offer.hold_until <= now:
        return "The offer's hold has passed."
    return ""


def accept_url(offer: WaitlistOffer) -> str:
    """Where a client accepts or declines: the offer's page on the portal, by a signed link
    that proves access to this one offer (clinic.links)."""
    return links.offer_url(offer)


def decline_url(offer: WaitlistOffer) -> str:
    return links.offer_url(offer)


def _context(offer: WaitlistOffer, clinic: Clinic) -> dict:
    tz = clinic.tz
    service = offer.entry.service
    return {
        "clinic": clinic,
        "client": offer.entry.client,
        "offer": offer,
        "service": service,
        "therapist": offer.therapist,
        "start": timezone.localtime(offer.start, tz),
        "end": timezone.localtime(offer.start + service.duration, tz),
        "hold_until": timezone.localtime(offer.hold_until, tz),
        "accept_url": accept_url(offer),
        "decline_url": decline_url(offer),
    }


def email_message(message: OfferMessage, offer: WaitlistOffer, clinic: Clinic):
    """Text and HTML (`waitlist/email/offer.txt|.html`), times in the clinic's zone."""
    return channels.render_email(
        message,
        template="waitlist/email/offer",
        subject=channels.subject_line("A time is free for you", offer.start, clinic),
        context=_context(offer, clinic),
        to=offer.entry.client.email,
        clinic=clinic,
    )


def sms_text(message: OfferMessage, offer: WaitlistOffer, clinic: Clinic) -> str:
    start = timezone.localtime(offer.start, clinic.tz)
    hold = timezone.localtime(offer.hold_until, clinic.tz)
    what = f"{offer.entry.service.name} with {offer.therapist.display_name}"
    return (
        f"{clinic.name}: a time is free for you, {what} {start:%a %d %b at %H:%M}. "
        f"Held for you until {hold:%H:%M}; the first to accept gets it: {accept_url(offer)}"
    )


OFFER = kinds.DeliveryKind(
    model=OfferMessage,
    task="waitlist.tasks.send_offer_message",
    subject_field="offer",
    lock_subject=lock_offer,
    client_path="entry__client",
    reason_not_to_send=reason_not_to_send,
    email_message=email_message,
    sms_text=sms_text,
)
