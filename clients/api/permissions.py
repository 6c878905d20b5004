from rest_framework import permissions

from clients.selectors import may_edit_client, may_record_intake, may_resolve_flags
from clinic.roles import is_admin


class ClientRecordPermission(permissions.BasePermission):
    """Admins create client records; writes to a record the caller may see are for admins and
    the client themself (a therapist reads: 403). Records the caller may not see never get
    this far: the scoped queryset answers 404 first."""

    def has_permission(self, request, view) -> bool:
        if view.action == "create":
            return is_admin(request.user)
        return True

    def has_object_permission(self, request, view, obj) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return may_edit_client(request.user, obj)


class IntakePermission(permissions.BasePermission):
    """The intakes of a client the caller may see: 404 for any other client, also for lists.
    Admins and the client add intakes; their therapists read them."""

    def has_permission(self, request, view) -> bool:
        client = view.client  # 404 when the caller may not see this client
        if request.method in permissions.SAFE_METHODS and view.action != "draft":
            return True
        return may_record_intake(request.user, client)


class FlagResolutionPermission(permissions.BasePermission):
    """The flag resolutions of a client the caller may see (404 otherwise): everyone who sees
    the client reads them; admins and the client's therapists resolve (the client: 403)."""

    def has_permission(self, request, view) -> bool:
        client = view.client  # 404 when the caller may not see this client
        if request.method in permissions.SAFE_METHODS:
            return True
        return may_resolve_flags(request.user, client)
