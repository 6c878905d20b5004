from django import forms
from django.core.exceptions import ValidationError
from django.forms import formset_factory
from django.forms.models import fields_for_model
from django.utils.translation import gettext_lazy as _

from clients.models import Intake, PressurePreference
from clinic.vocabulary import PAIN_MAX, PAIN_MIN, Muscle, Referral, Side
from web import bodymap


def apply_errors(form, error: ValidationError) -> None:
    """A service's ValidationError, shown on the form's fields (or the form, for others)."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


class RegisterForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=100)
    email = forms.EmailField(label=_("Email"))
    username = forms.CharField(
        label=_("Username"), max_length=150, help_text=_("What you will sign in with.")
    )
    password = forms.CharField(
        label=_("Password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 8 characters; not only numbers, and not a common password."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["first_name"].widget.attrs["autocomplete"] = "given-name"
        self.fields["last_name"].widget.attrs["autocomplete"] = "family-name"
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        self.fields["username"].widget.attrs["autocomplete"] = "username"


def _muscle_choices():
    """Muscles grouped by the body map's view (front, back), for the plain list."""
    by_view = {view: [] for view in bodymap.VIEWS}
    for muscle, shape in bodymap.SHAPES.items():
        by_view[shape[0]].append((str(muscle), Muscle(muscle).label))
    return [("", _("Choose a muscle"))] + [
        (bodymap.VIEWS[view], sorted(items, key=lambda item: item[1]))
        for view, items in by_view.items()
    ]


class TriggerPointForm(forms.Form):
    """One point that bothers the client (a row of the body map's list)."""

    muscle = forms.ChoiceField(label=_("Where"), choices=_muscle_choices)
    side = forms.ChoiceField(label=_("Side"), choices=Side.choices, initial=Side.LEFT)
    pain = forms.IntegerField(
        label=_("Pain, from 0 (none) to 10 (worst)"),
        min_value=PAIN_MIN,
        max_value=PAIN_MAX,
        initial=5,
        widget=forms.NumberInput(attrs={"type": "range", "min": PAIN_MIN, "max": PAIN_MAX}),
    )
    refers_to = forms.ChoiceField(
        label=_("What it causes"),
        choices=Referral.choices,
        initial=Referral.OTHER,
        widget=forms.RadioSelect(attrs={"class": "choices"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["muscle"].widget.attrs["data-tp-muscle"] = ""
        self.fields["side"].widget.attrs["data-tp-side"] = ""
        self.fields["pain"].widget.attrs["data-tp-focus"] = ""


class BaseTriggerPointFormSet(forms.BaseFormSet):
    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = _("Remove this point")
            form.fields["DELETE"].widget.attrs["data-tp-delete"] = ""

    def points(self) -> list[dict]:
        """The points kept (filled in and not removed), as the intake service takes them."""
        return [
            {k: form.cleaned_data[k] for k in ("muscle", "side", "pain", "refers_to")}
            for form in self.forms
            if form.has_changed()
            and form.cleaned_data.get("muscle")
            and not form.cleaned_data.get("DELETE")
        ]


# absolute_max: a posted TOTAL_FORMS of 10**20 binds and redraws 20 rows and says so, not
# Django's default of max_num + 1,000 rows (seconds of rendering for one request).
TriggerPointFormSet = formset_factory(
    TriggerPointForm,
    formset=BaseTriggerPointFormSet,
    extra=2,
    can_delete=True,
    max_num=20,
    absolute_max=20,
    validate_max=True,
)


class IntakeForm(forms.Form):
    """The intake's questions (the model's fields, labelled for clients). A plain form: the
    intake service checks every rule and says what is wrong, naming the field."""

    consent_given = forms.BooleanField(
        label=_("I have read the consent above and I agree to it."),
        required=True,
        error_messages={"required": _("Please read and agree to the consent to go on.")},
    )

    class Meta:
        fields = [
            "conditions",
            "medications",
            "allergies",
            "recent_injuries",
            "recent_surgery",
            "recent_surgery_date",
            "takes_anticoagulants",
            "history_of_dvt",
            "bleeding_disorder",
            "fever_or_infection",
            "osteoporosis",
            "cancer_under_treatment",
            "skin_condition",
            "pregnant",
            "pregnancy_weeks",
            "high_risk_pregnancy",
            "pressure_preference",
            "areas_of_concern",
        ]
        labels = {
            "conditions": _("Health conditions"),
            "medications": _("Medications"),
            "allergies": _("Allergies (oils, lotions, latex...)"),
            "recent_injuries": _("Recent injuries"),
            "recent_surgery": _("Recent surgery"),
            "recent_surgery_date": _("Date of the surgery"),
            "takes_anticoagulants": _("I take blood thinners (anticoagulants)"),
            "history_of_dvt": _("I have had a blood clot (deep vein thrombosis)"),
            "bleeding_disorder": _("I have a bleeding disorder"),
            "fever_or_infection": _("I have a fever or an infection"),
            "osteoporosis": _("I have osteoporosis"),
            "cancer_under_treatment": _("I am being treated for cancer"),
            "skin_condition": _("I have a skin condition where I would be massaged"),
            "pregnant": _("I am pregnant"),
            "pregnancy_weeks": _("Weeks of pregnancy"),
            "high_risk_pregnancy": _("My pregnancy is high risk"),
            "pressure_preference": _("Pressure you prefer"),
            "areas_of_concern": _("Anything else your therapist should know"),
        }
        widgets = {
            "conditions": forms.Textarea(attrs={"rows": 3}),
            "medications": forms.Textarea(attrs={"rows": 2}),
            "allergies": forms.Textarea(attrs={"rows": 2}),
            "recent_injuries": forms.Textarea(attrs={"rows": 2}),
            "recent_surgery": forms.Textarea(attrs={"rows": 2}),
            "areas_of_concern": forms.Textarea(attrs={"rows": 3}),
            "recent_surgery_date": forms.DateInput(attrs={"type": "date"}),
            "pressure_preference": forms.RadioSelect(attrs={"class": "choices"}),
        }
        help_texts = {
            "conditions": _(
                "For example high blood pressure, diabetes, arthritis. Leave empty if none."
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pressure_preference"].choices = PressurePreference.choices


IntakeForm.base_fields = {
    **fields_for_model(
        Intake,
        fields=IntakeForm.Meta.fields,
        labels=IntakeForm.Meta.labels,
        widgets=IntakeForm.Meta.widgets,
        help_texts=IntakeForm.Meta.help_texts,
    ),
    "consent_given": IntakeForm.base_fields["consent_given"],
}


HEALTH_FIELDS = [
    "conditions",
    "medications",
    "allergies",
    "recent_injuries",
    "recent_surgery",
    "recent_surgery_date",
]
FLAG_FIELDS = [
    "takes_anticoagulants",
    "history_of_dvt",
    "bleeding_disorder",
    "fever_or_infection",
    "osteoporosis",
    "cancer_under_treatment",
    "skin_condition",
]
PREGNANCY_FIELDS = ["pregnant", "pregnancy_weeks", "high_risk_pregnancy"]


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=300,
        help_text=_("Optional: it helps the clinic."),
    )


class WaitlistForm(forms.Form):
    earliest_date = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    latest_date = forms.DateField(label=_("Until"), widget=forms.DateInput(attrs={"type": "date"}))
    time_from = forms.TimeField(
        label=_("Earliest time"), initial="09:00", widget=forms.TimeInput(attrs={"type": "time"})
    )
    time_to = forms.TimeField(
        label=_("Latest time"), initial="18:00", widget=forms.TimeInput(attrs={"type": "time"})
    )


class EmailForm(forms.Form):
    email = forms.EmailField(label=_("Email"))


class NewPasswordForm(forms.Form):
    new_password = forms.CharField(
        label=_("New password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )


class ChangePasswordForm(forms.Form):
    old_password = forms.CharField(
        label=_("Current password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    new_password = forms.CharField(
        label=_("New password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
