"""Everything the clinic holds about one client, for their right of access.

It spans every app (client record, intakes, bookings, reminders, treatment notes), so it lives
in privacy, the top layer, which may import all the others.
"""

from datetime import date, datetime

from django.db.models import Prefetch
from django.utils import timezone

from bookings.models import Booking, BookingEvent
from clients.models import Client, Intake, ReportedTriggerPoint
from notifications.models import Notice, Reminder
from treatments.models import Amendment, TreatedTriggerPoint, TreatmentNote
from waitlist.models import OfferMessage, WaitlistEntry, WaitlistOffer

CLIENT_FIELDS = [
    "id",
    "first_name",
    "last_name",
    "email",
    "phone",
    "date_of_birth",
    "pronouns",
    "emergency_contact_name",
    "emergency_contact_phone",
    "marketing_consent",
    "staff_notes",
    "created_at",
]
DELIVERY_FIELDS = ["channel", "due_at", "status", "sent_at", "skip_reason"]


def _plain(value):
    """JSON-ready: datetimes in the clinic's zone (the active one), dates as ISO dates."""
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def _row(obj, fields) -> dict:
    return {name: _plain(getattr(obj, name)) for name in fields}


def _fields(model, *, exclude=()) -> list[str]:
    return [
        f.attname
        for f in model._meta.concrete_fields
        if f.attname not in exclude and not f.attname.startswith("claim")
    ]


def client_export(client: Client) -> dict:
    """The client's data as plain JSON values: the record and login, every intake with its
    reported trigger points, the staff resolutions of their contraindication flags, every
    booking with its history, reminders and notices, every waitlist entry with its offers and
    the messages that carried them, and every treatment note with its treated trigger points
    and amendments (the client's health record: they have a right of access to it, though the
    API shows notes only to clinic staff). Staff notes about the client are personal data too
    and are included. A fixed number of queries whatever the history's length."""
    client = Client.objects.select_related("user").get(pk=client.pk)
    user = client.user
    intakes = client.intakes.prefetch_related(
        Prefetch("reported_trigger_points", queryset=ReportedTriggerPoint.objects.all())
    ).order_by("created_at", "id")
    bookings = (
        Booking.objects.filter(client=client)
        .select_related("therapist", "service")
        .prefetch_related(
            Prefetch("events", queryset=BookingEvent.objects.order_by("at", "id")),
            Prefetch("reminders", queryset=Reminder.objects.order_by("due_at", "id")),
            Prefetch("notices", queryset=Notice.objects.order_by("due_at", "id")),
        )
        .order_by("start", "id")
    )
    notes = (
        TreatmentNote.objects.filter(booking__client=client)
        .select_related("therapist")
        .prefetch_related(
            Prefetch("treated_trigger_points", queryset=TreatedTriggerPoint.objects.all()),
            Prefetch("amendments", queryset=Amendment.objects.order_by("created_at", "id")),
        )
        .order_by("booking__start", "id")
    )
    entries = (
        WaitlistEntry.objects.filter(client=client)
        .select_related("service", "therapist")
        .prefetch_related(
            Prefetch(
                "offers",
                queryset=WaitlistOffer.objects.select_related("therapist")
                .prefetch_related(
                    Prefetch("messages", queryset=OfferMessage.objects.order_by("due_at", "id"))
                )
                .order_by("created_at", "id"),
            )
        )
        .order_by("created_at", "id")
    )
    resolutions = client.flag_resolutions.select_related("resolved_by").order_by("resolved_at")
    point_fields = _fields(ReportedTriggerPoint, exclude=("id", "intake_id"))
    treated_fields = _fields(TreatedTriggerPoint, exclude=("id", "treatment_note_id"))
    return {
        "exported_at": _plain(timezone.now()),
        "client": _row(client, CLIENT_FIELDS),
        "login": None
        if user is None
        else _row(user, ["username", "email", "date_joined", "last_login", "is_active"]),
        "intakes": [
            {
                **_row(intake, _fields(Intake, exclude=("client_id", "recorded_by_id"))),
                "reported_trigger_points": [
                    _row(p, point_fields) for p in intake.reported_trigger_points.all()
                ],
            }
            for intake in intakes
        ],
        "flag_resolutions": [
            {
                **_row(
                    r,
                    ["code", "reason", "intake_id", "resolved_at", "reactivated_at"],
                ),
                "reactivated_by_intake": r.reactivated_by_id,
                "resolved_by": r.resolved_by.get_full_name() or r.resolved_by.get_username(),
            }
            for r in resolutions
        ],
        "bookings": [
            {
                **_row(
                    b,
                    ["id", "start", "end", "status", "notes", "late_cancellation", "cancel_reason"],
                ),
                "therapist": b.therapist.display_name,
                "service": b.service.name,
                "history": [
                    _row(e, ["at", "from_status", "to_status", "reason", "from_start", "to_start"])
                    for e in b.events.all()
                ],
                "reminders": [
                    _row(r, ["offset_hours", *DELIVERY_FIELDS]) for r in b.reminders.all()
                ],
                "notices": [_row(n, ["kind", *DELIVERY_FIELDS]) for n in b.notices.all()],
            }
            for b in bookings
        ],
        "waitlist": [
            {
                **_row(
                    entry,
                    ["id", "earliest_date", "latest_date", "time_from", "time_to", "status"],
                ),
                "service": entry.service.name,
                "therapist": entry.therapist.display_name if entry.therapist else None,
                **_row(entry, ["created_at"]),
                "offers": [
                    {
                        **_row(offer, ["id", "start", "hold_until", "status", "booking_id"]),
                        "therapist": offer.therapist.display_name,
                        "messages": [_row(m, DELIVERY_FIELDS) for m in offer.messages.all()],
                    }
                    for offer in entry.offers.all()
                ],
            }
            for entry in entries
        ],
        "treatment_notes": [
            {
                **_row(
                    note,
                    ["id", "booking_id", "subjective", "objective", "assessment", "plan"],
                ),
                "therapist": note.therapist.display_name,
                **_row(note, ["created_at", "signed_at"]),
                "treated_trigger_points": [
                    _row(p, treated_fields) for p in note.treated_trigger_points.all()
                ],
                "amendments": [_row(a, ["created_at", "text"]) for a in note.amendments.all()],
            }
            for note in notes
        ],
    }
