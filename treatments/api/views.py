from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from clinic import audit
from clinic.roles import Role, client_of, role_of
from treatments import selectors, services
from treatments.api.filters import TreatmentNoteFilter
from treatments.api.permissions import ChartAccess
from treatments.api.serializers import (
    AmendmentCreateSerializer,
    AmendmentSerializer,
    TreatmentNoteSerializer,
    TriggerPointProgressSerializer,
)
from treatments.models import TreatmentNote


class TreatmentNoteViewSet(audit.AuditedViewSetMixin, viewsets.ModelViewSet):
    """SOAP treatment notes. The treating therapist writes and signs; therapists of the same
    client and admins read; a signed note is locked and takes amendments. Every read and write
    is recorded in the audit log."""

    serializer_class = TreatmentNoteSerializer
    permission_classes = [permissions.IsAuthenticated, ChartAccess]
    filterset_class = TreatmentNoteFilter
    ordering_fields = ["created_at", "signed_at", "booking__start"]
    search_fields = ["booking__client__first_name", "booking__client__last_name"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        return selectors.notes_visible_to(self.request.user)

    def _fresh(self, note: TreatmentNote) -> TreatmentNote:
        return self.get_queryset().get(pk=note.pk)

    def perform_create(self, serializer):
        note = services.create_note(user=self.request.user, **serializer.validated_data)
        serializer.instance = self._fresh(note)

    def perform_update(self, serializer):
        fields = {k: v for k, v in serializer.validated_data.items() if k != "booking"}
        note = services.update_note(user=self.request.user, note=serializer.instance, **fields)
        serializer.instance = self._fresh(note)

    def perform_destroy(self, instance):
        services.delete_note(user=self.request.user, note=instance)

    @extend_schema(request=None, responses=TreatmentNoteSerializer)
    @action(detail=True, methods=["post"])
    def sign(self, request, pk=None):
        """Sign the note: it is locked from now on."""
        note = self.get_object()
        with transaction.atomic():
            services.sign_note(user=request.user, note=note)
            audit.record(request, audit.AuditAction.SIGN, note)
        return Response(self.get_serializer(self._fresh(note)).data)

    @extend_schema(
        methods=["GET"], request=None, responses=AmendmentSerializer(many=True), filters=False
    )
    @extend_schema(
        methods=["POST"],
        request=AmendmentCreateSerializer,
        responses={201: AmendmentSerializer},
        filters=False,
    )
    @action(detail=True, methods=["get", "post"], serializer_class=AmendmentSerializer)
    def amendments(self, request, pk=None):
        """A signed note's amendments, oldest first; its treating therapist appends one."""
        note = self.get_object()
        if request.method == "GET":
            page = self.paginate_queryset(note.amendments.all())
            audit.record(
                request, audit.AuditAction.READ, note, object_ids=[a.pk for a in page or []]
            )
            return self.get_paginated_response(AmendmentSerializer(page, many=True).data)
        serializer = AmendmentCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            amendment = services.add_amendment(
                user=request.user, note=note, text=serializer.validated_data["text"]
            )
            audit.record(request, audit.AuditAction.AMEND, note)
        # Amendments have no page of their own: they are listed on the note's amendments.
        return Response(
            AmendmentSerializer(amendment).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": request.build_absolute_uri(request.path)},
        )


class TriggerPointProgressView(APIView):
    """Per muscle and side, the client's pain over time: reported at intakes, and before and
    after each treatment. For admins and the client's therapists; the read is audited."""

    @extend_schema(
        responses={
            200: TriggerPointProgressSerializer,
            403: OpenApiResponse(description="A client asking for their own progress."),
            404: OpenApiResponse(description="No such client among those you may see."),
        }
    )
    def get(self, request, client_id: int):
        if role_of(request.user) == Role.CLIENT and client_of(request.user).pk == client_id:
            raise PermissionDenied(
                "Trigger point progress is part of the clinical chart; "
                "your therapist can go through it with you."
            )
        client = get_object_or_404(selectors.clients_in_care_of(request.user), pk=client_id)
        series = selectors.trigger_point_progress(client)
        audit.record(request, audit.AuditAction.READ, "trigger_point_progress", client.pk)
        return Response(
            TriggerPointProgressSerializer({"client": client.pk, "series": series}).data
        )
