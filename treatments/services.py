"""Every write to a chart: notes, their treated trigger points, signing and amendments.

The caller is a user; only the booking's therapist writes its note (anyone else: PermissionDenied,
403). A signed note is locked for everyone (PermissionDenied with the reason); the database
refuses the change too (treatments/migrations/0002_locks.py).
"""

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone

from bookings.models import Booking, BookingStatus
from clinic.models import Clinic
from clinic.roles import therapist_of
from therapists.models import Therapist
from treatments.models import Amendment, TreatedTriggerPoint, TreatmentNote

SOAP_FIELDS = ("subjective", "objective", "assessment", "plan")
NOT_THE_AUTHOR = "Only the treating therapist may change this note."
NO_SUCH_BOOKING = "No booking of yours with this id."
CHARTABLE = (BookingStatus.CHECKED_IN, BookingStatus.COMPLETED)
_NOT_CHARTABLE = {
    BookingStatus.REQUESTED: "The client has not checked in for this booking yet "
    "(it is requested); a note is written once they have.",
    BookingStatus.CONFIRMED: "The client has not checked in for this booking yet "
    "(it is confirmed); a note is written once they have.",
    BookingStatus.CANCELLED: "This booking was cancelled; there is no treatment to chart.",
    BookingStatus.NO_SHOW: "The client did not show up for this booking; "
    "there is no treatment to chart.",
}


def _therapist(user) -> Therapist:
    therapist = therapist_of(user)
    if therapist is None:
        raise PermissionDenied("Only therapists write treatment notes.")
    return therapist


def _signed_on(note: TreatmentNote) -> str:
    clinic = Clinic.get()
    when = timezone.localtime(note.signed_at, clinic.tz)
    return f"signed on {when:%Y-%m-%d at %H:%M} ({clinic.timezone})"


def _locked_reason(note: TreatmentNote) -> str:
    return f"This note was {_signed_on(note)} and is locked; add an amendment instead."


def _lock_for_author(note: TreatmentNote, user) -> TreatmentNote:
    """Lock the note's row for this transaction and check that `user` wrote it."""
    locked = TreatmentNote.objects.select_for_update().filter(pk=note.pk).first()
    if locked is None:  # deleted by a concurrent request
        raise Http404("This note no longer exists.")
    if not locked.written_by(user):
        raise PermissionDenied(NOT_THE_AUTHOR)
    return locked


def _trigger_points(note: TreatmentNote, points: Iterable[dict]) -> list[TreatedTriggerPoint]:
    """Build and validate the treated points: the vocabulary and the 1-5 and 0-10 scales."""
    built, errors = [], {}
    for index, fields in enumerate(points):
        point = TreatedTriggerPoint(treatment_note=note, **fields)
        try:
            point.full_clean(exclude=["treatment_note"])
        except ValidationError as exc:
            errors[index] = exc.message_dict
        built.append(point)
    if errors:
        raise ValidationError(
            {
                "treated_trigger_points": [
                    f"Point {index + 1}, {field}: {' '.join(messages)}"
                    for index, fields in errors.items()
                    for field, messages in fields.items()
                ]
            }
        )
    return built


def create_note(*, user, booking: Booking, treated_trigger_points=(), **soap) -> TreatmentNote:
    """Chart a treatment: the booking must be the caller's own, checked in or completed, and
    have no note yet (one per booking, also a database constraint). The note and its treated
    trigger points are saved together or not at all."""
    therapist = _therapist(user)
    try:
        with transaction.atomic():
            # Locked, so that its status cannot change while it is being charted.
            booking = Booking.objects.select_for_update().get(pk=booking.pk)
            if booking.therapist_id != therapist.pk:
                raise ValidationError({"booking": [NO_SUCH_BOOKING]})
            if booking.status not in CHARTABLE:
                raise ValidationError({"booking": [_NOT_CHARTABLE[booking.status]]})
            existing = TreatmentNote.objects.filter(booking=booking).first()
            if existing is not None:
                raise ValidationError({"booking": [_already_charted(existing.pk)]})
            note = TreatmentNote(booking=booking, therapist=therapist, **_soap(soap))
            points = _trigger_points(note, treated_trigger_points)
            note.save()
            TreatedTriggerPoint.objects.bulk_create(points)
    except IntegrityError as exc:
        # Two requests charting one booking at once: the unique booking column settles it.
        existing = TreatmentNote.objects.filter(booking=booking).first()
        if existing is not None:
            raise ValidationError({"booking": [_already_charted(existing.pk)]}) from exc
        raise
    return note


def _already_charted(note_id: int) -> str:
    return (
        f"This booking already has a treatment note (id {note_id}); "
        "edit it, or amend it once signed."
    )


def _soap(fields: dict) -> dict:
    unknown = set(fields) - set(SOAP_FIELDS)
    if unknown:
        raise TypeError(f"Unknown note fields: {sorted(unknown)}")
    return fields


@transaction.atomic
def update_note(*, user, note: TreatmentNote, treated_trigger_points=None, **soap) -> TreatmentNote:
    """Edit an unsigned note; only its author may. Given `treated_trigger_points`, they replace
    the note's points, atomically with the text; omitted, the points stay as they were."""
    note = _lock_for_author(note, user)
    if note.is_signed:
        raise PermissionDenied(_locked_reason(note))
    for field, value in _soap(soap).items():
        setattr(note, field, value)
    note.save()
    if treated_trigger_points is not None:
        points = _trigger_points(note, treated_trigger_points)
        note.treated_trigger_points.all().delete()
        TreatedTriggerPoint.objects.bulk_create(points)
    return note


@transaction.atomic
def sign_note(*, user, note: TreatmentNote) -> TreatmentNote:
    """The treating therapist signs their note, which locks it for good. A note is signed once,
    and a note with no SOAP text at all cannot be signed."""
    note = _lock_for_author(note, user)
    if note.is_signed:
        raise ValidationError(f"This note was already {_signed_on(note)}.")
    if not any(getattr(note, field).strip() for field in SOAP_FIELDS):
        raise ValidationError("Write at least one of subjective, objective, assessment or plan.")
    note.signed_at = timezone.now()
    note.signed_by = user
    note.save(update_fields=["signed_at", "signed_by", "updated_at"])
    return note


@transaction.atomic
def add_amendment(*, user, note: TreatmentNote, text: str) -> Amendment:
    """Append a dated correction to a signed note; the treating therapist is its author. An
    unsigned note is edited instead."""
    note = _lock_for_author(note, user)
    if not note.is_signed:
        raise ValidationError("This note is not signed yet: edit it instead of amending it.")
    if not text.strip():
        raise ValidationError({"text": ["An amendment needs some text."]})
    return Amendment.objects.create(note=note, author=user, text=text.strip())


@transaction.atomic
def delete_note(*, user, note: TreatmentNote) -> None:
    """The author may delete an unsigned note (a draft on the wrong booking, say); a signed
    note is never deleted."""
    note = _lock_for_author(note, user)
    if note.is_signed:
        raise PermissionDenied(_locked_reason(note))
    note.delete()


@transaction.atomic
def save_draft(*, user, booking: Booking, treated_trigger_points=None, **soap) -> TreatmentNote:
    """Save the note of `booking` as it stands while the therapist writes it: the first save
    creates it (`create_note`'s checks), later ones edit it (`update_note`'s). Saving the same
    content again changes nothing, so a screen may resend whatever it is not sure arrived (a
    tablet that slept, a dropped connection). A signed note is locked (PermissionDenied)."""
    therapist = _therapist(user)
    # One draft save per booking at a time: two first saves never race to create.
    locked = Booking.objects.select_for_update().filter(pk=booking.pk).first()
    if locked is None or locked.therapist_id != therapist.pk:
        raise ValidationError({"booking": [NO_SUCH_BOOKING]})
    note = TreatmentNote.objects.filter(booking=locked).first()
    if note is None:
        return create_note(
            user=user,
            booking=locked,
            treated_trigger_points=treated_trigger_points or (),
            **soap,
        )
    return update_note(user=user, note=note, treated_trigger_points=treated_trigger_points, **soap)
