from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.db import connection
from django.http import JsonResponse
from django.urls import reverse
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import exceptions, generics, permissions, serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer as CredentialsSerializer
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from clinic import heartbeat, two_factor
from clinic.accounts import issue_token
from clinic.api.authentication import EnrolmentRequired
from clinic.api.throttling import ResilientScopedRateThrottle
from clinic.roles import client_of, role_of, therapist_of


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


class _ProbeView(APIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes = []
    throttle_classes = []


def _answer(checks: dict) -> Response:
    healthy = all(value == "ok" for value in checks.values())
    return Response(
        {"status": "ok" if healthy else "down", **checks}, status=200 if healthy else 503
    )


class LiveView(_ProbeView):
    """Liveness: the process answers. Touches neither the database nor Redis."""

    @extend_schema(responses=inline_serializer("Live", {"status": serializers.CharField()}))
    def get(self, request):
        return Response({"status": "ok"})


READY = inline_serializer(
    "Ready",
    {
        "status": serializers.CharField(),
        "database": serializers.CharField(),
        "broker": serializers.CharField(),
        "worker": serializers.CharField(),
        "beat": serializers.CharField(),
    },
)


class ReadyView(_ProbeView):
    """Readiness: 200 when the database and the broker answer and the Celery worker and beat
    beat (heartbeats no older than HEARTBEAT_MAX_AGE seconds), else 503 saying which is down."""

    @extend_schema(responses={200: READY, 503: READY})
    def get(self, request):
        return _answer(
            {
                "database": _check_database(),
                "broker": _check_broker(),
                "worker": "ok" if heartbeat.is_fresh(heartbeat.WORKER) else "down",
                "beat": "ok" if heartbeat.is_fresh(heartbeat.BEAT) else "down",
            }
        )


class HealthView(_ProbeView):
    """Dependencies (kept for existing probes): 200 when the database and the broker answer,
    else 503."""

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
        return _answer({"database": _check_database(), "broker": _check_broker()})


class LockedOut(exceptions.APIException):
    status_code = 429
    default_code = "locked_out"


class OtpRequired(exceptions.AuthenticationFailed):
    default_detail = (
        "A two-factor code is required: send it as `otp` with your username and password "
        "(the 6-digit code from your authenticator app, or a recovery code)."
    )
    default_code = "otp_required"


class OtpInvalid(exceptions.AuthenticationFailed):
    default_detail = two_factor.INVALID_CODE
    default_code = "otp_invalid"


class AuthTokenSerializer(CredentialsSerializer):
    """Username, password and, for accounts that have it, a two-factor code."""

    otp = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=64,
        help_text="Two-factor code, for accounts that have it set up.",
    )


class TokenView(generics.GenericAPIView):
    """Exchange `username` and `password` for an API token (`Authorization: Token <key>`).

    The token expires (`expiry`; API_TOKEN_TTL_HOURS) and ends at log out, log out
    everywhere, a password change or reset, or when the user is deactivated.

    Repeated failures for one username from one address lock that pair out for a while
    (django-axes); a locked-out request answers 429 and says when to try again.
    """

    permission_classes = [permissions.AllowAny]
    serializer_class = AuthTokenSerializer
    throttle_classes = [ResilientScopedRateThrottle]
    throttle_scope = "auth"
    parser_classes = api_settings.DEFAULT_PARSER_CLASSES  # DRF's own view also takes forms

    @extend_schema(
        responses=inline_serializer(
            "AuthToken",
            {
                "token": serializers.CharField(),
                "expiry": serializers.DateTimeField(),
                "otp_enrolment_required": serializers.BooleanField(required=False),
            },
        ),
    )
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
        otp = serializer.validated_data.get("otp", "")
        verified = enrol_only = False
        if two_factor.is_enrolled(user):
            if not otp:
                raise OtpRequired()
            if two_factor.verify_code(user, otp) is None:
                raise OtpInvalid()
            verified = True
        elif two_factor.must_use_2fa(user):
            enrol_only = True
        token, key = issue_token(
            user,
            user_agent=request.headers.get("User-Agent", ""),
            otp_verified=verified,
            enrol_only=enrol_only,
        )
        # A token is a login: record it (last_login, and django-axes resets the failure count).
        user_logged_in.send(sender=user.__class__, request=request._request, user=user)
        body = {
            "token": key,
            "expiry": serializers.DateTimeField().to_representation(token.expires),
        }
        if enrol_only:
            body["otp_enrolment_required"] = True
            body["detail"] = EnrolmentRequired.default_detail
        return Response(body)


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
