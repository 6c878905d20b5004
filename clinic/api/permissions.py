from rest_framework import permissions

from clinic.roles import is_admin


class IsAdmin(permissions.BasePermission):
    def has_permission(self, request, view) -> bool:
        return is_admin(request.user)


class IsAdminOrReadOnly(permissions.BasePermission):
    """Anyone, even anonymous, reads; only admins write."""

    def has_permission(self, request, view) -> bool:
        return request.method in permissions.SAFE_METHODS or is_admin(request.user)
