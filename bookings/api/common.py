"""What the booking-shaped endpoints (bookings, series, and the waitlist above) share: whom the
caller may act for."""

from rest_framework.exceptions import PermissionDenied, ValidationError

from clients.selectors import clients_acted_for_by
from clinic.roles import Role, client_of

STAFF_ROLES = (Role.ADMIN, Role.THERAPIST)


def clients_caller_acts_for(user, *, refused: str):
    """Whom the caller may book or wait-list for: an admin anyone, a client themself; anyone
    else is refused (403) with `refused`."""
    clients = clients_acted_for_by(user)
    if clients is None:
        raise PermissionDenied(refused)
    return clients


def named_client(role, user, data: dict, *, missing: str):
    """The client a request is for: the one sent (admins must send one), else the caller.
    Takes `client` out of `data`; 400 with `missing` when there is none."""
    client = data.pop("client", None) or (client_of(user) if role == Role.CLIENT else None)
    if client is None:
        raise ValidationError({"client": [missing]})
    return client
