"""The admin site: staff who have two-factor sign-in, or whom the clinic requires to have it,
log in with a code too (the session then counts as verified, django-otp's OTPMiddleware)."""

from django import forms
from django.contrib.admin import AdminSite
from django.contrib.admin.forms import AdminAuthenticationForm

from clinic import two_factor


def needs_code(user) -> bool:
    return two_factor.is_enrolled(user) or two_factor.must_use_2fa(user)


class AdminLoginForm(AdminAuthenticationForm):
    otp_token = forms.CharField(
        required=False,
        label="Two-factor code",
        help_text="From your authenticator app, or one of your recovery codes.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code"}),
    )

    def clean(self):
        cleaned = super().clean()
        user = self.get_user()
        if user is not None and needs_code(user):
            if not two_factor.is_enrolled(user):
                raise forms.ValidationError(two_factor.ENROL_FIRST, code="otp_enrolment")
            code = cleaned.get("otp_token")
            if not code:
                raise forms.ValidationError("Enter your two-factor code.", code="otp_required")
            device = two_factor.verify_code(user, code)
            if device is None:
                raise forms.ValidationError(two_factor.INVALID_CODE, code="otp_invalid")
            user.otp_device = device  # django-otp keeps it in the session at login
        return cleaned


class KneadlyAdminSite(AdminSite):
    login_form = AdminLoginForm
    login_template = "admin/kneadly_login.html"

    def has_permission(self, request):
        if not super().has_permission(request) or request.user.is_verified():
            return super().has_permission(request)
        if not hasattr(request, "_kneadly_needs_code"):  # asked several times a page
            request._kneadly_needs_code = needs_code(request.user)
        return not request._kneadly_needs_code
