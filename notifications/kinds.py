"""Delivery kinds: what the dispatcher needs to know to send one kind of message.

The dispatcher (`notifications.dispatcher`) claims and sends rows of every registered kind the
same way; a kind says which concrete `Delivery` model holds its rows, which task sends one, what
a row is about (its subject: a booking, a waitlist offer) and how to lock and load it, when a
row must not go out, and what its email and SMS say.

Reminders and notices register here from `notifications` (`notifications.booking_kinds`); an
app above notifications registers its own kind in its `ready()` (the waitlist's offers), so
notifications imports nothing from the apps that use it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from notifications.models import Delivery


@dataclass(frozen=True)
class DeliveryKind:
    model: type[Delivery]
    # The registered name of the send task, published with (pk, claim_token) by name
    # (`clinic.tasks.publish`).
    task: str
    # The row's foreign key to what it is about: `<subject_field>_id` on the row.
    subject_field: str
    # Lock the subject (inside the send's transaction, before the row: the lock order of the
    # subject's own write paths) and load what the message needs; None when it is gone.
    lock_subject: Callable[[int], Any | None]
    # From the subject to the client the message is for (or is about, for a therapist's
    # notice), as a lookup path ("client", "entry__client"); used on instances (`client_of`)
    # and in queries (`client_lookup`: what stops when a client is anonymised).
    client_path: str
    # Why the row must not go out now ('' when it should), re-checked under the locks. The
    # checks of the channel (no address, SMS off) are the dispatcher's, after this one's.
    reason_not_to_send: Callable[[Delivery, Any, datetime], str]
    # The email (an EmailMessage, text and HTML) and the SMS text, given (row, subject, clinic).
    email_message: Callable[[Delivery, Any, Any], Any]
    sms_text: Callable[[Delivery, Any, Any], str]
    # Who the message is for, given (row, subject), when it is not the subject's client (a
    # therapist's notice): anything with `email` (and `phone` for SMS). `recipient_label`
    # names them in a skip reason ("The therapist has no email address.").
    recipient: Callable[[Delivery, Any], Any] | None = None
    recipient_label: str = "client"

    def client_of(self, subject):
        client = subject
        for name in self.client_path.split("__"):
            client = getattr(client, name)
        return client

    def recipient_of(self, delivery, subject):
        """Who this row's message goes to: the `recipient` hook's answer, else the client."""
        if self.recipient is not None:
            return self.recipient(delivery, subject)
        return self.client_of(subject)

    @property
    def client_lookup(self) -> str:
        """The row's lookup to its client, for querysets of `model`."""
        return f"{self.subject_field}__{self.client_path}"


_registry: dict[type[Delivery], DeliveryKind] = {}


def register(kind: DeliveryKind) -> None:
    """Register (or re-register: idempotent per model) a kind; the dispatcher serves the kinds
    in the order they were first registered."""
    _registry[kind.model] = kind


def registered() -> tuple[DeliveryKind, ...]:
    return tuple(_registry.values())


def for_model(model) -> DeliveryKind:
    try:
        return _registry[model]
    except KeyError:
        raise LookupError(f"{model.__name__} is not a registered delivery kind.") from None
