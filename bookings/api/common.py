"""What the booking-shaped endpoints (bookings, series, and the waitlist above) share: whom the
caller may act for."""

from django.utils.functional import cached_property
from rest_framework.exceptions import PermissionDenied, ValidationError

from clients.selectors import clients_acted_for_by
from clinic.roles import Role, client_of, role_of

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


class ForClientMixin:
    """A viewset whose `create` is made for a client (a booking, a series, a waitlist entry):
    the caller's role looked up once, the payload validated against the clients the caller may
    act for, and the client it is for taken out of it. `create_throttle_scope` names the
    throttle for creates (None: none)."""

    create_throttle_scope: str | None = None
    refused_message = "Only clients and the clinic can do this."
    missing_client_message = "Say which client this is for."

    @property
    def throttle_scope(self):
        return self.create_throttle_scope if getattr(self, "action", None) == "create" else None

    @cached_property
    def role(self):
        """The caller's role, looked up once per request."""
        return role_of(self.request.user)

    def payload_for_client(self, serializer_class, *, known=()):
        """(client, validated data without `client`) for this request's body, or 400/403.
        `known`: records already read that the body may name (taken without a query)."""
        user = self.request.user
        clients = clients_caller_acts_for(user, refused=self.refused_message)
        payload = serializer_class(
            data=self.request.data, clients=clients, context={"known": known}
        )
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        return named_client(self.role, user, data, missing=self.missing_client_message), data
