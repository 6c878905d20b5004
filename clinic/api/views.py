from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.db import connection
from django.http import JsonResponse
from django.urls import reverse
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import exceptions, generics, permissions, serializers, status, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from clinic.api.filters import ServiceFilter
from clinic.api.permissions import IsAdminOrReadOnly
from clinic.api.serializers import ClinicSerializer, ServiceSerializer
from clinic.api.throttling import ResilientScopedRateThrottle
from clinic.models import Clinic, Service
from clinic.roles import client_of, is_admin, role_of, therapist_of
from clinic.services import create_service, retire_service, update_clinic, update_service


def _check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except Exception:  # any failure means "down" to a health probe
        return "down"


def _check_broker() -> str:
    import redis

    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1
        )
        client.ping()
        return "ok"
    except Exception:
        return "down"


HEALTH = inline_serializer(
    "Health",
    {
        "status": serializers.ChoiceField(choices=["ok", "down"]),
        "database": serializers.ChoiceField(choices=["ok", "down"]),
        "broker": serializers.ChoiceField(choices=["ok", "down"]),
    },
)


class HealthView(APIView):
    """Liveness and dependencies: 200 when the database and the broker answer, else 503."""

    permission_classes = [permissions.AllowAny]
    authentication_classes = []

    @extend_schema(
        responses={
            status_code: OpenApiResponse(HEALTH, description=description)
            for status_code, description in (
                (200, "The database and the broker answer."),
                (503, "The database or the broker is down (`down` says which)."),
            )
        }
    )
    def get(self, request):
        checks = {"database": _check_database(), "broker": _check_broker()}
        healthy = all(value == "ok" for value in checks.values())
        return Response(
            {"status": "ok" if healthy else "down", **checks}, status=200 if healthy else 503
        )


class LockedOut(exceptions.APIException):
    status_code = 429
    default_code = "locked_out"


class TokenView(ObtainAuthToken):
    """Exchange `username` and `password` for an API token.

    Repeated failures for one username from one address lock that pair out for a while
    (django-axes); a locked-out request answers 429 and says when to try again.
    """

    throttle_classes = [ResilientScopedRateThrottle]
    throttle_scope = "auth"
    parser_classes = api_settings.DEFAULT_PARSER_CLASSES  # DRF's view also takes forms

    def post(self, request, *args, **kwargs):
        body = request.data if isinstance(request.data, dict) else {}  # a list: the 400 below
        credentials = {"username": str(body.get("username", ""))}
        # A NUL byte cannot reach PostgreSQL (the lockout lookup); the serializer refuses it.
        clean = "\x00" not in credentials["username"]
        if clean and AxesProxyHandler.is_locked(request._request, credentials):
            minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
            raise LockedOut(
                "Too many failed login attempts for this account from your address. "
                f"Try again in {minutes} minutes, or ask the clinic to unlock it."
            )
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        token, _ = Token.objects.get_or_create(user=user)
        # A token is a login: record it (last_login, and django-axes resets the failure count).
        user_logged_in.send(sender=user.__class__, request=request._request, user=user)
        return Response({"token": token.key})


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    role = serializers.CharField(allow_null=True)
    client = serializers.IntegerField(allow_null=True)
    therapist = serializers.IntegerField(allow_null=True)


class MeView(APIView):
    """Who you are: your role and the ids of your client record and therapist profile."""

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        user = request.user
        client, therapist = client_of(user), therapist_of(user)
        data = {
            "id": user.pk,
            "username": user.get_username(),
            "role": role_of(user),
            "client": client.pk if client else None,
            "therapist": therapist.pk if therapist else None,
        }
        return Response(MeSerializer(data).data)


class ClinicView(generics.RetrieveUpdateAPIView):
    """The clinic's settings: anyone reads, admins edit (PATCH)."""

    serializer_class = ClinicSerializer
    permission_classes = [IsAdminOrReadOnly]
    http_method_names = ["get", "patch", "head", "options"]

    def get_object(self):
        return Clinic.get()

    def perform_update(self, serializer):
        serializer.instance = update_clinic(**serializer.validated_data)


@extend_schema_view(
    destroy=extend_schema(
        description="Deletes a service nobody has booked (204). A service that has bookings is "
        "deactivated instead, and the answer is the deactivated service (200).",
        responses={200: ServiceSerializer, 204: None},
    )
)
class ServiceViewSet(viewsets.ModelViewSet):
    """The service catalogue: anyone reads active services, admins read all and write."""

    serializer_class = ServiceSerializer
    permission_classes = [IsAdminOrReadOnly]
    filterset_class = ServiceFilter
    search_fields = ["name", "description"]
    ordering_fields = ["name", "modality", "duration_minutes", "price"]

    def get_queryset(self):
        services = Service.objects.all()
        return services if is_admin(self.request.user) else services.filter(active=True)

    def perform_create(self, serializer):
        serializer.instance = create_service(**serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = update_service(serializer.instance, **serializer.validated_data)

    def destroy(self, request, *args, **kwargs):
        service = self.get_object()
        if retire_service(service):
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(self.get_serializer(service).data, status=status.HTTP_200_OK)


def _wants_json(request) -> bool:
    return request.path.startswith("/api/")


def json_not_found(request, exception=None):
    if _wants_json(request):
        return JsonResponse({"detail": "Not found."}, status=404)
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)


def json_server_error(request):
    if _wants_json(request):
        return JsonResponse({"detail": "Server error."}, status=500)
    from django.views.defaults import server_error

    return server_error(request)


class ApiRootView(APIView):
    """The API's front door: every resource's URL, the schema and the docs. `resources` maps a
    name to a URL name (set in config.urls, which knows every app)."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []
    resources: dict[str, str] = {}

    def get_serializer_class(self):  # the schema's shape of this answer
        fields = {name: serializers.URLField() for name in self.resources}
        return type(inline_serializer("ApiRoot", fields))

    @extend_schema(operation_id="api_root", summary="The API's resources", tags=["api"])
    def get(self, request):
        return Response(
            {name: request.build_absolute_uri(reverse(url)) for name, url in self.resources.items()}
        )
