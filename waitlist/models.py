"""The waitlist: clients waiting for a service, the freed slots offered to them, and the
messages that tell them (one row per offer and channel, sent by `notifications.dispatcher`).

The entry and offer tables were the bookings app's; they keep their names (`db_table`), so
moving them moved no data.
"""

from django.contrib.postgres.fields import ArrayField
from django.db import models

from bookings.models import Booking
from clients.models import Client
from clinic.models import Service
from notifications.models import Delivery
from therapists.models import Therapist


class WaitlistStatus(models.TextChoices):
    WAITING = "waiting", "Waiting"
    OFFERED = "offered", "Offered"
    BOOKED = "booked", "Booked"
    CANCELLED = "cancelled", "Cancelled"
    EXPIRED = "expired", "Expired"


class WaitlistEntry(models.Model):
    """A client waiting for a service (optionally with one therapist) on some days and times:
    local dates `earliest_date`..`latest_date`, local weekdays (0 = Monday; empty = any) and a
    local time window in which the appointment must start."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="waitlist_entries")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="+")
    therapist = models.ForeignKey(
        Therapist, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    earliest_date = models.DateField()
    latest_date = models.DateField()
    weekdays = ArrayField(models.PositiveSmallIntegerField(), default=list, blank=True, size=7)
    time_from = models.TimeField()
    time_to = models.TimeField()
    status = models.CharField(
        max_length=12, choices=WaitlistStatus.choices, default=WaitlistStatus.WAITING
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "bookings_waitlistentry"  # the table it had in the bookings app
        ordering = ["created_at", "id"]
        verbose_name_plural = "waitlist entries"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(latest_date__gte=models.F("earliest_date")),
                name="waitlist_dates_ordered",
            ),
            models.CheckConstraint(
                condition=models.Q(time_to__gt=models.F("time_from")),
                name="waitlist_times_ordered",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.client} waiting for {self.service}"


class OfferStatus(models.TextChoices):
    OFFERED = "offered", "Offered"
    ACCEPTED = "accepted", "Accepted"
    EXPIRED = "expired", "Expired"
    DECLINED = "declined", "Declined"
    TAKEN = "taken", "Taken by another client"


class WaitlistOffer(models.Model):
    """A freed slot offered to a waiting client until `hold_until`. While it is open, the slot
    is held: availability and booking treat it as busy for every client without an open offer
    for that therapist and start. The same slot may be offered to a few clients at once; the
    first to accept books it (the booking constraints decide a race)."""

    entry = models.ForeignKey(WaitlistEntry, on_delete=models.CASCADE, related_name="offers")
    therapist = models.ForeignKey(Therapist, on_delete=models.CASCADE, related_name="+")
    start = models.DateTimeField()
    blocks_until = models.DateTimeField()
    hold_until = models.DateTimeField()
    status = models.CharField(
        max_length=12, choices=OfferStatus.choices, default=OfferStatus.OFFERED
    )
    booking = models.OneToOneField(
        Booking, on_delete=models.SET_NULL, null=True, blank=True, related_name="waitlist_offer"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "bookings_waitlistoffer"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "hold_until"])]
        constraints = [
            models.UniqueConstraint(
                fields=["entry"],
                condition=models.Q(status="offered"),
                name="waitlist_one_open_offer_per_entry",
            ),
            models.CheckConstraint(
                condition=models.Q(blocks_until__gt=models.F("start")),
                name="waitlist_offer_times_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"Offer of {self.start:%Y-%m-%d %H:%M} to {self.entry.client}"


class OfferMessage(Delivery):
    """An offer told to its client by one channel (email, or SMS too), at most once per offer
    and channel. Written by the scan with the offer and sent by the notifications dispatcher
    like reminders (`waitlist.messages`): skipped, with the reason, if by the time it goes out
    the offer is no longer open or its hold has passed, or the client has no address."""

    offer = models.ForeignKey(WaitlistOffer, on_delete=models.CASCADE, related_name="messages")

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["offer", "channel"], name="offer_message_once_per_offer_channel"
            ),
            models.CheckConstraint(
                condition=~models.Q(status="sent") | models.Q(sent_at__isnull=False),
                name="offer_message_sent_has_sent_at",
            ),
        ]
        indexes = [
            models.Index(
                fields=["due_at"],
                condition=models.Q(status="pending"),
                name="offer_message_due_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel} message for waitlist offer {self.offer_id}"
