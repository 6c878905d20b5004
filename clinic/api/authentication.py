"""`Authorization: Token <key>`: the API's sign-ins (clinic.accounts), which expire and can be
revoked. A token of an inactive user, an expired or a revoked one answers 401."""

from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from clinic.accounts import token_for_key

# What a staff member who must still enrol in two-factor sign-in may do with their token.
ENROL_ONLY_ROUTES = {"auth-me", "auth-logout", "auth-logout-all", "auth-2fa", "auth-2fa-confirm"}


class EnrolmentRequired(exceptions.PermissionDenied):
    default_detail = (
        "The clinic requires two-factor sign-in for staff: enrol first "
        "(POST /api/v1/auth/2fa/, then /api/v1/auth/2fa/confirm/), then sign in again with a code."
    )
    default_code = "otp_enrolment_required"


class ApiTokenAuthentication(BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request):
        auth = get_authorization_header(request).split()
        if not auth or auth[0].lower() != self.keyword.lower().encode():
            return None
        if len(auth) != 2:
            raise exceptions.AuthenticationFailed("Invalid token header: give one token.")
        try:
            key = auth[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed("Invalid token.") from None
        token = token_for_key(key)
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid or expired token: sign in again.")
        if token.enrol_only:
            match = getattr(request._request, "resolver_match", None)
            if match is None or match.url_name not in ENROL_ONLY_ROUTES:
                raise EnrolmentRequired()
        return token.user, token

    def authenticate_header(self, request):
        return self.keyword
