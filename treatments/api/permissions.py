from rest_framework import permissions

from clinic.roles import is_admin, therapist_of
from treatments.services import NOT_THE_AUTHOR


class ChartAccess(permissions.BasePermission):
    """Admins and therapists list notes; therapists write them. A client is refused the list
    (403) and finds no note by id (404: get_queryset shows them none). Writes on a note the
    caller may read are the treating therapist's alone (403 for the others)."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        if view.action == "create":
            self.message = "Only therapists write treatment notes."
            return therapist_of(user) is not None
        if view.action == "list":
            self.message = "Treatment notes are not shown to clients through the API."
            return is_admin(user) or therapist_of(user) is not None
        return True

    def has_object_permission(self, request, view, obj) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        self.message = NOT_THE_AUTHOR
        return obj.written_by(request.user)
