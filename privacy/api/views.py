"""The client's privacy rights: `GET /clients/{id}/export/` and `POST /clients/{id}/anonymise/`.

Both span every app, so they live in privacy, the top layer, which may import all the others
(clients must not import bookings or treatments)."""

from django.db import transaction
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from clients.api.serializers import ClientDetailSerializer
from clients.models import Client
from clients.selectors import may_export_client, visible_clients, with_latest_intake
from clinic import audit
from clinic.roles import is_admin
from privacy.selectors import client_export
from privacy.services import anonymise_client

NOT_YOURS = OpenApiResponse(description="No such client among those you may see.")


class ClientExportView(APIView):
    """Everything the clinic holds about the client, as one JSON document: the client themself
    and admins. The client's therapists may see the record but not export it (403); anyone
    else finds no such client (404). Every export is in the audit log."""

    @extend_schema(
        operation_id="clients_export",
        responses={200: OpenApiTypes.OBJECT, 403: OpenApiResponse(), 404: NOT_YOURS},
    )
    def get(self, request, pk: int):
        client = get_object_or_404(visible_clients(request.user), pk=pk)
        if not may_export_client(request.user, client):
            raise PermissionDenied("Only the client and the clinic's admins can export this.")
        with transaction.atomic():
            data = client_export(client)
            audit.record(request, audit.AuditAction.READ, "clients.client.export", client.pk)
        response = Response(data)
        response["Content-Disposition"] = f'attachment; filename="client-{client.pk}.json"'
        return response


class ClientAnonymiseView(APIView):
    """An admin anonymises a client who asked to be forgotten (privacy.services tells what is
    removed and what is kept). Idempotent; every call is in the audit log. A client or their
    therapist gets 403, anyone else 404."""

    @extend_schema(
        operation_id="clients_anonymise",
        request=None,
        responses={200: ClientDetailSerializer, 403: OpenApiResponse(), 404: NOT_YOURS},
    )
    def post(self, request, pk: int):
        client = get_object_or_404(visible_clients(request.user), pk=pk)
        if not is_admin(request.user):
            raise PermissionDenied("Only the clinic's admins can anonymise a client.")
        with transaction.atomic():
            anonymise_client(client, actor=request.user)
            audit.record(request, audit.AuditAction.UPDATE, "clients.client.anonymise", client.pk)
        client = with_latest_intake(Client.objects.filter(pk=client.pk)).get()
        return Response(ClientDetailSerializer(client, context={"request": request}).data)
