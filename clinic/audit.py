"""The audit log of clinical records: who read or wrote what, when, and from which address.

DOMAIN.md: every read of a chart is recorded. Treatment notes, intakes and a client's trigger
point progress are audited through this module, written once: `record()` for a single event and
`AuditedViewSetMixin` for the standard viewset actions. Entries land in `AuditEntry`, which
the database keeps append-only.

Only successful requests are recorded (a 404 discloses nothing). Writes are recorded in the same
transaction as the write, so there is never a change without its entry; a read whose entry
cannot be written fails instead of answering.
"""

from django.db import models, transaction

from clinic.addresses import client_ip
from clinic.models import AuditAction, AuditEntry

__all__ = [
    "AuditAction",
    "AuditedCreateMixin",
    "AuditedReadsMixin",
    "AuditedViewSetMixin",
    "record",
    "remote_address",
]


def remote_address(request) -> str | None:
    """The caller's IP address (clinic.addresses.client_ip: X-Forwarded-For only from a trusted
    proxy)."""
    return client_ip(request)


def _object_type(obj_or_type) -> str:
    if isinstance(obj_or_type, str):
        return obj_or_type
    return obj_or_type._meta.label_lower  # a model instance or class


def record(request, action, obj_or_type, obj_id=None, *, object_ids=()) -> AuditEntry:
    """Append one audit entry: `obj_or_type` is a model instance (its id is taken), a model
    class or a type name such as "trigger_point_progress" (with `obj_id`)."""
    if obj_id is None and isinstance(obj_or_type, models.Model):
        obj_id = obj_or_type.pk
    user = getattr(request, "user", None)
    return AuditEntry.objects.create(
        user=user if user is not None and user.is_authenticated else None,
        action=action,
        object_type=_object_type(obj_or_type),
        object_id=obj_id,
        object_ids=list(object_ids),
        path=request.get_full_path()[: AuditEntry._meta.get_field("path").max_length],
        remote_addr=remote_address(request),
    )


def _ids_shown(data) -> list[int]:
    rows = data.get("results", []) if isinstance(data, dict) else data
    return [row["id"] for row in rows if isinstance(row, dict) and "id" in row]


class AuditedReadsMixin:
    """Record list and retrieve of a DRF viewset. The object type defaults to the serializer's
    model (`clients.intake`); set `audit_object_type` to name it otherwise."""

    audit_object_type: str = ""

    def audit_type(self) -> str:
        return self.audit_object_type or _object_type(self.get_serializer_class().Meta.model)

    def get_object(self):
        obj = super().get_object()
        self.audited_pk = obj.pk  # kept: a deleted instance loses its pk
        return obj

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        record(request, AuditAction.LIST, self.audit_type(), object_ids=_ids_shown(response.data))
        return response

    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        record(request, AuditAction.READ, self.audit_type(), self.audited_pk)
        return response


class AuditedCreateMixin:
    """Record create, in the same transaction as the write. Kept apart from update and destroy:
    a router routes every method a viewset has, so a read-and-add-only viewset must not get
    them."""

    def create(self, request, *args, **kwargs):
        with transaction.atomic():
            response = super().create(request, *args, **kwargs)
            record(request, AuditAction.CREATE, self.audit_type(), response.data["id"])
        return response


class AuditedViewSetMixin(AuditedReadsMixin, AuditedCreateMixin):
    """Record list, retrieve, create, update, partial_update and destroy of a DRF viewset.

    Put it first in the bases: `class NoteViewSet(AuditedViewSetMixin, viewsets.ModelViewSet)`.
    Custom actions call `record()` themselves.
    """

    def update(self, request, *args, **kwargs):
        with transaction.atomic():
            response = super().update(request, *args, **kwargs)
            record(request, AuditAction.UPDATE, self.audit_type(), self.audited_pk)
        return response

    def destroy(self, request, *args, **kwargs):
        with transaction.atomic():
            response = super().destroy(request, *args, **kwargs)
            record(request, AuditAction.DELETE, self.audit_type(), self.audited_pk)
        return response
