from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from clinic import two_factor
from clinic.admin_site import needs_code


class SignInForm(AuthenticationForm):
    """Username and password; a two-factor code from whoever has one or must have one (the
    same rule as the API's token view and the admin site)."""

    otp_token = forms.CharField(
        required=False,
        label=_("Two-factor code"),
        help_text=_("Only if you set one up: from your authenticator app, or a recovery code."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].widget.attrs.pop("autofocus", None)  # the skip link comes first
        self.fields["username"].widget.attrs.update(autocomplete="username")
        self.fields["password"].widget.attrs.update(autocomplete="current-password")

    def clean(self):
        cleaned = super().clean()
        user = self.get_user()
        if user is not None and needs_code(user):
            if not two_factor.is_enrolled(user):
                raise forms.ValidationError(two_factor.ENROL_FIRST, code="otp_enrolment")
            code = cleaned.get("otp_token")
            if not code:
                raise forms.ValidationError(_("Enter your two-factor code."), code="otp_required")
            device = two_factor.verify_code(user, code)
            if device is None:
                raise forms.ValidationError(two_factor.INVALID_CODE, code="otp_invalid")
            user.otp_device = device  # django-otp marks the session verified at login
        return cleaned
