from functools import cached_property

from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from clients.api.filters import ClientFilter
from clients.api.permissions import (
    ClientRecordPermission,
    FlagResolutionPermission,
    IntakePermission,
)
from clients.api.serializers import (
    ClientDetailSerializer,
    ClientSerializer,
    ConsentTextSerializer,
    FlagResolutionSerializer,
    IntakeDraftSerializer,
    IntakeSerializer,
    RegisterSerializer,
)
from clients.models import FlagResolution, Intake
from clients.selectors import (
    current_consent_text,
    flag_resolutions_of,
    intake_draft,
    published_consent_texts,
    signed_consent_text,
    visible_clients,
    with_latest_intake,
)
from clients.services import (
    SIGN_UP_SENT,
    activate_login,
    confirm_email_change,
    create_client,
    record_intake,
    register_client,
    request_email_change,
    resolve_flag,
    update_client,
)
from clinic import audit
from clinic.roles import client_of

Detail = inline_serializer("SignUpDetail", {"detail": serializers.CharField()})


class RegisterView(APIView):
    """A new client signs up: creates the login and the client record together; the login
    works once its owner follows the link mailed to the address (POST /auth/register/confirm/).

    The answer (202) is the same whether or not the email or username is taken: the address
    is told by email instead. Input that is wrong in itself (a weak password) is a 400."""

    permission_classes = [permissions.AllowAny]
    throttle_scope = "auth"

    @extend_schema(request=RegisterSerializer, responses={202: Detail})
    def post(self, request):
        serializer = RegisterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        register_client(**serializer.validated_data)
        return Response({"detail": SIGN_UP_SENT}, status=status.HTTP_202_ACCEPTED)


class LinkSerializer(serializers.Serializer):
    uid = serializers.CharField()
    token = serializers.CharField()


class EmailConfirmSerializer(serializers.Serializer):
    token = serializers.CharField()


class EmailConfirmView(APIView):
    """Confirm a new email address for your client record with the token mailed to it."""

    permission_classes = [permissions.AllowAny]
    throttle_scope = "auth"

    @extend_schema(request=EmailConfirmSerializer, responses=Detail)
    def post(self, request):
        serializer = EmailConfirmSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        confirm_email_change(serializer.validated_data["token"])
        return Response({"detail": "Your email address was changed."})


class RegisterConfirmView(APIView):
    """Finish signing up with the `uid` and `token` from the mailed link; then sign in."""

    permission_classes = [permissions.AllowAny]
    throttle_scope = "auth"

    @extend_schema(request=LinkSerializer, responses=Detail)
    def post(self, request):
        serializer = LinkSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        activate_login(**serializer.validated_data)
        return Response({"detail": "Your account is ready: sign in."})


class ClientViewSet(
    audit.AuditedReadsMixin,
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Client records. Admins: all, and create clients without a login (front desk).
    Therapists: read the clients they have a booking with. Clients: their own record.
    Any other record answers 404. There is no delete: records are kept (anonymised later).
    Reads are audited: a client record carries the latest intake and contraindication flags."""

    permission_classes = [permissions.IsAuthenticated, ClientRecordPermission]
    filterset_class = ClientFilter
    search_fields = ["first_name", "last_name", "email", "phone"]
    ordering_fields = ["last_name", "first_name", "created_at", "date_of_birth"]

    def get_queryset(self):
        clients = visible_clients(self.request.user)
        return with_latest_intake(clients, trigger_points=self.action != "list")

    def get_serializer_class(self):
        return ClientSerializer if self.action == "list" else ClientDetailSerializer

    def perform_create(self, serializer):
        serializer.instance = create_client(**serializer.validated_data)

    def perform_update(self, serializer):
        fields = dict(serializer.validated_data)
        client = serializer.instance
        if fields.get("email") and client_of(self.request.user) == client:
            # One's own address changes once the new one confirms (no enumeration either).
            request_email_change(client, fields.pop("email"))
        serializer.instance = update_client(client, **fields)


CLIENT_ID = OpenApiParameter(
    "client_id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The client's id."
)


class ClientScopedMixin:
    """Nested under /clients/{client_id}/: the client, or a 404 when the caller may not see
    them (lists included)."""

    @cached_property
    def client(self):
        return get_object_or_404(visible_clients(self.request.user), pk=self.kwargs["client_id"])


INTAKE_EXAMPLES = [
    OpenApiExample(
        "A follow-up form: only what changed",
        description=(
            "Everything left out is carried forward from the previous intake (its flags too); "
            '"none" clears a text item, false a yes/no item.'
        ),
        value={
            "medications": "none",
            "takes_anticoagulants": False,
            "areas_of_concern": "Left shoulder",
            "consent_given": True,
            "consent_version": "2026-01",
        },
        request_only=True,
    ),
]


@extend_schema_view(
    list=extend_schema(parameters=[CLIENT_ID]),
    create=extend_schema(
        parameters=[CLIENT_ID],
        examples=INTAKE_EXAMPLES,
        responses={201: IntakeSerializer, 409: None},
    ),
    retrieve=extend_schema(parameters=[CLIENT_ID]),
)
class IntakeViewSet(
    ClientScopedMixin,
    audit.AuditedReadsMixin,
    audit.AuditedCreateMixin,
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """A client's intake forms, newest first. Intakes are records: a new one is added, none is
    edited; a new one starts from the previous one's answers (the draft), and an item it leaves
    out is carried forward. Admins and the client add them; the client's therapists read them.
    Intakes are health records: every read and write is in the audit log."""

    serializer_class = IntakeSerializer
    permission_classes = [permissions.IsAuthenticated, IntakePermission]
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Intake.objects.none()
        return self.client.intakes.prefetch_related("reported_trigger_points")

    def perform_create(self, serializer):
        serializer.instance = record_intake(
            self.client, recorded_by=self.request.user, **serializer.to_service()
        )

    @extend_schema(parameters=[CLIENT_ID], responses=IntakeDraftSerializer)
    @action(detail=False, methods=["get"], pagination_class=None)
    def draft(self, request, client_id=None):
        """A new intake form filled in with the client's answers so far (for admins and the
        client, who add intakes): change what changed, give consent, and POST it to the list.
        Read from the latest intake (`based_on`), so it is audited as a read of that intake."""
        draft = intake_draft(self.client)
        audit.record(request, audit.AuditAction.READ, Intake, draft["based_on"])
        return Response(IntakeDraftSerializer(draft, context=self.get_serializer_context()).data)

    @extend_schema(parameters=[CLIENT_ID], responses=ConsentTextSerializer)
    @action(detail=True, methods=["get"])
    def consent(self, request, client_id=None, pk=None):
        """The consent text this intake's client signed: the version named on the intake."""
        intake = self.get_object()
        audit.record(request, audit.AuditAction.READ, intake)
        text = signed_consent_text(intake)
        return Response(ConsentTextSerializer(text, context=self.get_serializer_context()).data)


@extend_schema_view(
    list=extend_schema(parameters=[CLIENT_ID]),
    create=extend_schema(
        parameters=[CLIENT_ID],
        examples=[
            OpenApiExample(
                "Cleared by the client's physician",
                value={
                    "code": "anticoagulants",
                    "reason": "Stopped warfarin in March; her GP's letter is on file.",
                },
                request_only=True,
            )
        ],
    ),
    retrieve=extend_schema(parameters=[CLIENT_ID]),
)
class FlagResolutionViewSet(
    ClientScopedMixin,
    audit.AuditedReadsMixin,
    audit.AuditedCreateMixin,
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Staff resolutions of a client's contraindication flags, newest first: who cleared which
    flag, when and why, and whether a later intake reactivated it. Admins and the client's
    therapists resolve an active flag (POST `code` and `reason`); the client reads their own.
    Health records: every read and write is in the audit log."""

    serializer_class = FlagResolutionSerializer
    permission_classes = [permissions.IsAuthenticated, FlagResolutionPermission]
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return FlagResolution.objects.none()
        return flag_resolutions_of(self.client)

    def perform_create(self, serializer):
        serializer.instance = resolve_flag(
            self.client, resolved_by=self.request.user, **serializer.validated_data
        )


class ConsentTextViewSet(viewsets.ReadOnlyModelViewSet):
    """The published versions of the consent to treatment, newest first; anyone may read them
    (a client reads the text before signing it). Each intake names the version it signed."""

    serializer_class = ConsentTextSerializer
    permission_classes = [permissions.AllowAny]
    filter_backends: list = []

    def get_queryset(self):
        return published_consent_texts()

    @extend_schema(responses=ConsentTextSerializer)
    @action(detail=False, methods=["get"], pagination_class=None)
    def current(self, request):
        """The consent text clients sign today (404 until one is published)."""
        text = current_consent_text()
        if text is None:
            raise Http404("No consent text is published yet.")
        return Response(ConsentTextSerializer(text, context=self.get_serializer_context()).data)
