"""Every write to the clinic's settings and its service catalogue."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import ProtectedError
from django.utils import timezone

from clinic.models import ApiToken, Clinic, IdempotentRequest, Service

CLINIC_FIELDS = {
    "name",
    "address",
    "phone",
    "email",
    "timezone",
    "cancellation_window_hours",
    "reminder_offsets_hours",
    "slot_interval_minutes",
    "min_lead_time_minutes",
    "booking_horizon_days",
    "note_overdue_hours",
    "waitlist_hold_minutes",
    "require_staff_2fa",
    "check_in_opens_minutes",
}
SERVICE_FIELDS = {
    "name",
    "modality",
    "duration_minutes",
    "buffer_minutes",
    "price",
    "description",
    "active",
}


def end_staff_sign_ins_without_2fa() -> int:
    """When the clinic starts requiring two-factor sign-in for staff, the admins' and
    therapists' sign-ins made without a code end: they sign in again (and enrol if need be)."""
    staff = models.Q(user__is_staff=True) | models.Q(user__therapist__isnull=False)
    deleted, _ = ApiToken.objects.filter(staff, otp_verified=False).delete()
    return deleted


def purge_idempotent_requests() -> int:
    """Forget the stored answers of `Idempotency-Key` requests older than 24 hours (their
    retries are tried afresh); the number of rows removed."""
    cutoff = timezone.now() - IdempotentRequest.KEPT_FOR
    deleted, _ = IdempotentRequest.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def _apply(instance, allowed: set[str], changes: dict) -> None:
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError({field: ["This field cannot be changed."] for field in unknown})
    for field, value in changes.items():
        setattr(instance, field, value)


@transaction.atomic
def update_clinic(**changes) -> Clinic:
    """Change the clinic's settings.

    The time zone is an IANA name; reminder offsets are kept distinct, latest first; online
    booking must open (minimum lead time) before it closes (booking horizon).
    """
    Clinic.get()  # the row exists before we lock it
    clinic = Clinic.objects.select_for_update().get(pk=1)
    starts_requiring_2fa = changes.get("require_staff_2fa") and not clinic.require_staff_2fa
    _apply(clinic, CLINIC_FIELDS, changes)
    if "reminder_offsets_hours" in changes:
        clinic.reminder_offsets_hours = sorted(set(clinic.reminder_offsets_hours), reverse=True)
    clinic.full_clean()
    if clinic.min_lead_time_minutes >= clinic.booking_horizon_days * 24 * 60:
        raise ValidationError(
            {
                "min_lead_time_minutes": [
                    "The minimum lead time must be shorter than the booking horizon, "
                    "or nothing could ever be booked."
                ]
            }
        )
    clinic.save()
    if starts_requiring_2fa:
        end_staff_sign_ins_without_2fa()
    return clinic


def create_service(**fields) -> Service:
    """Add a service to the catalogue: a modality from the fixed set, a duration of 1 to 480
    minutes, a price that is not negative."""
    service = Service()
    _apply(service, SERVICE_FIELDS, fields)
    service.full_clean()
    service.save()
    return service


@transaction.atomic
def update_service(service: Service, **changes) -> Service:
    """Change a service under the same rules as creating one. Bookings already made keep
    their own times: a new duration applies to bookings made from now on."""
    service = Service.objects.select_for_update().get(pk=service.pk)
    _apply(service, SERVICE_FIELDS, changes)
    service.full_clean()
    service.save()
    return service


def retire_service(service: Service) -> bool:
    """Remove a service from the catalogue: delete it when nothing refers to it, deactivate it
    when it has bookings (their history keeps pointing at it). Returns True when deleted."""
    if not service.bookings.exists():
        try:
            with transaction.atomic():
                service.delete()
            return True
        except (ProtectedError, IntegrityError):
            pass  # a booking arrived between the check and the delete: deactivate instead
    Service.objects.filter(pk=service.pk).update(active=False)
    service.active = False
    return False
