"""Accounts over the API: log out, log out everywhere, my sessions, password change and reset,
two-factor enrolment."""

import base64

from django.contrib.auth import logout, update_session_auth_hash
from django_otp.plugins.otp_static.models import StaticToken
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import generics, permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from clinic import accounts, two_factor
from clinic.api.throttling import ResilientScopedRateThrottle
from clinic.models import ApiToken

Detail = inline_serializer("Detail", {"detail": serializers.CharField()})


def _current_token(request) -> ApiToken | None:
    return request.auth if isinstance(request.auth, ApiToken) else None


class LogoutView(APIView):
    """End this sign-in: the token stops working at once (a session is logged out)."""

    @extend_schema(request=None, responses={204: None})
    def post(self, request):
        token = _current_token(request)
        if token is not None:
            accounts.revoke_token(token)
        else:
            logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class LogoutAllView(APIView):
    """End every sign-in of yours, this one included, on every device."""

    @extend_schema(request=None, responses={204: None})
    def post(self, request):
        accounts.revoke_all_tokens(request.user)
        if _current_token(request) is None:
            logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SessionSerializer(serializers.ModelSerializer):
    current = serializers.SerializerMethodField()

    class Meta:
        model = ApiToken
        fields = ["id", "prefix", "created", "last_used", "expires", "user_agent", "current"]
        read_only_fields = fields

    def get_current(self, token) -> bool:
        current = _current_token(self.context["request"])
        return current is not None and current.pk == token.pk


class SessionViewSetMixin:
    serializer_class = SessionSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ApiToken.objects.none()
        return accounts.sessions_of(self.request.user)


class SessionList(SessionViewSetMixin, generics.ListAPIView):
    """Your live sign-ins (API tokens), newest first; `current` is the one asking."""


class SessionDetail(SessionViewSetMixin, generics.GenericAPIView):
    """End one of your sign-ins (another's is a 404)."""

    def delete(self, request, *args, **kwargs):
        accounts.revoke_token(self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordChangeSerializer(serializers.Serializer):
    old_password = serializers.CharField(trim_whitespace=False)
    new_password = serializers.CharField(trim_whitespace=False)


class PasswordChangeView(APIView):
    """Change your password (the old one is required). Every other sign-in ends."""

    throttle_classes = [ResilientScopedRateThrottle]
    throttle_scope = "auth"

    @extend_schema(request=PasswordChangeSerializer, responses=Detail)
    def post(self, request):
        serializer = PasswordChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        accounts.change_password(
            request.user, **serializer.validated_data, keep=_current_token(request)
        )
        if _current_token(request) is None:
            update_session_auth_hash(request._request, request.user)
        return Response({"detail": "Your password was changed; your other sign-ins ended."})


class PasswordResetSerializer(serializers.Serializer):
    email = serializers.EmailField()


RESET_SENT = "If an account uses this address, we have sent it a link to choose a new password."


class PasswordResetView(APIView):
    """Ask for a password reset link by email. The answer is the same whether or not an
    account uses the address."""

    permission_classes = [permissions.AllowAny]
    throttle_classes = [ResilientScopedRateThrottle]
    throttle_scope = "auth"

    @extend_schema(request=PasswordResetSerializer, responses={202: Detail})
    def post(self, request):
        serializer = PasswordResetSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        accounts.request_password_reset(serializer.validated_data["email"])
        return Response({"detail": RESET_SENT}, status=status.HTTP_202_ACCEPTED)


class PasswordResetConfirmSerializer(serializers.Serializer):
    uid = serializers.CharField()
    token = serializers.CharField()
    new_password = serializers.CharField(trim_whitespace=False)


class PasswordResetConfirmView(APIView):
    """Choose a new password with the `uid` and `token` from the emailed link. Every sign-in
    of the account ends; sign in again with the new password."""

    permission_classes = [permissions.AllowAny]
    throttle_classes = [ResilientScopedRateThrottle]
    throttle_scope = "auth"

    @extend_schema(request=PasswordResetConfirmSerializer, responses=Detail)
    def post(self, request):
        serializer = PasswordResetConfirmSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        accounts.confirm_password_reset(**serializer.validated_data)
        return Response({"detail": "Your password was changed. Sign in with it."})


class TwoFactorStatus(serializers.Serializer):
    enabled = serializers.BooleanField()
    required = serializers.BooleanField(help_text="The clinic requires it of you.")
    recovery_codes_left = serializers.IntegerField()


class TwoFactorStart(serializers.Serializer):
    otpauth_uri = serializers.CharField(help_text="Scan as a QR code in an authenticator app.")
    secret = serializers.CharField(help_text="The same secret, base32, to type in by hand.")


class OtpSerializer(serializers.Serializer):
    otp = serializers.CharField(max_length=64, help_text="A code from the app (or recovery).")


class RecoveryCodes(serializers.Serializer):
    recovery_codes = serializers.ListField(
        child=serializers.CharField(), help_text="Single-use codes, shown this once: keep them."
    )


class TwoFactorView(APIView):
    """Your two-factor sign-in (TOTP): see whether it is on, start enrolling (POST: the
    otpauth:// URI and the secret; then confirm with a code), or turn it off (DELETE with a
    code; not while the clinic requires it of you)."""

    throttle_classes = [ResilientScopedRateThrottle]
    throttle_scope = "auth"

    @extend_schema(responses=TwoFactorStatus)
    def get(self, request):
        user = request.user
        codes_left = StaticToken.objects.filter(device__user=user, device__confirmed=True)
        data = {
            "enabled": two_factor.is_enrolled(user),
            "required": two_factor.must_use_2fa(user),
            "recovery_codes_left": codes_left.count(),
        }
        return Response(TwoFactorStatus(data).data)

    @extend_schema(request=None, responses={201: TwoFactorStart})
    def post(self, request):
        device = two_factor.start_enrolment(request.user)
        data = {
            "otpauth_uri": device.config_url,
            "secret": base64.b32encode(device.bin_key).decode(),
        }
        return Response(TwoFactorStart(data).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=OtpSerializer, responses={204: None, 400: None})
    def delete(self, request):
        serializer = OtpSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        two_factor.disable(request.user, serializer.validated_data["otp"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class TwoFactorConfirmView(APIView):
    """Confirm enrolment with a code from the app. The answer holds your recovery codes, shown
    this once; this sign-in counts as verified from now on."""

    throttle_classes = [ResilientScopedRateThrottle]
    throttle_scope = "auth"

    @extend_schema(request=OtpSerializer, responses=RecoveryCodes)
    def post(self, request):
        serializer = OtpSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        codes = two_factor.confirm_enrolment(
            request.user, serializer.validated_data["otp"], token=_current_token(request)
        )
        return Response({"recovery_codes": codes})
