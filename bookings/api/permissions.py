"""Who may take which action on a booking they can see (seeing is scoped in the view)."""

from django.utils import timezone

from clinic.roles import Role, client_of, role_of, therapist_of

THERAPIST_ACTIONS = {"confirm", "check_in", "complete", "no_show"}
CLIENT_ACTIONS = {"cancel", "reschedule"}


def refusal_for(user, action: str, booking, *, role=None) -> str | None:
    """None if `user` may take `action` on `booking`, else why not (a 403's message).

    Admins may do everything; the booking's therapist confirms, checks in, completes and marks
    no-shows; the booking's client cancels and reschedules while the booking is in the future.
    """
    role = role or role_of(user)
    if role == Role.ADMIN:
        return None
    if action in THERAPIST_ACTIONS:
        therapist = therapist_of(user) if role == Role.THERAPIST else None
        if therapist is not None and booking.therapist_id == therapist.pk:
            return None
        return "Only the booking's therapist or the clinic can do this."
    if action in CLIENT_ACTIONS:
        client = client_of(user) if role == Role.CLIENT else None
        if client is None or booking.client_id != client.pk:
            return "Only the booking's client or the clinic can do this."
        if booking.start <= timezone.now():
            return "This booking has started; please contact the clinic."
        return None
    return "You may not do this."
