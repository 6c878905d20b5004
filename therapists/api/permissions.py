from rest_framework import permissions

from clinic.roles import is_admin, therapist_of


class TherapistProfilePermission(permissions.BasePermission):
    """Anyone reads profiles; admins write everything; a therapist edits their own profile."""

    def has_permission(self, request, view) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        if view.action in ("update", "partial_update"):
            return bool(request.user and request.user.is_authenticated)
        return is_admin(request.user)

    def has_object_permission(self, request, view, obj) -> bool:
        if request.method in permissions.SAFE_METHODS or is_admin(request.user):
            return True
        me = therapist_of(request.user)
        return me is not None and me.pk == obj.pk
