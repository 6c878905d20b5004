"""The staff screens' forms: they check the shape of what was typed (dates that exist in the
clinic's zone, numbers in range); the services decide everything else."""

from datetime import datetime, timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from bookings.models import CancelledBy
from bookings.schedule import Decision
from clinic.api.fields import read_local
from clinic.models import Service, clinic_timezone
from clinic.vocabulary import (
    PAIN_MAX,
    PAIN_MIN,
    PRESSURE_MAX,
    PRESSURE_MIN,
    Muscle,
    Side,
    Technique,
)
from therapists.models import Therapist, Weekday

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time", "step": 300}, format="%H:%M")


def local_instant(day, at, field: str) -> datetime:
    """A wall time in the clinic's zone (ValidationError naming `field` in a DST gap)."""
    try:
        return read_local(datetime.combine(day, at), clinic_timezone())
    except ValidationError as exc:
        raise ValidationError({field: exc.messages}) from exc


class DayForm(forms.Form):
    date = forms.DateField(required=False, widget=DATE, label=_("Day"))


class ClientSearchForm(forms.Form):
    q = forms.CharField(
        required=False,
        max_length=100,
        label=_("Name, phone or email"),
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )


class WalkInForm(forms.Form):
    """A client without a login, added at the desk."""

    first_name = forms.CharField(max_length=100, label=_("First name"))
    last_name = forms.CharField(max_length=100, label=_("Last name"))
    phone = forms.CharField(max_length=40, required=False, label=_("Phone"))
    email = forms.EmailField(required=False, label=_("Email"))


class BookForm(forms.Form):
    """A booking from the board: who, what, when (clinic time)."""

    therapist = forms.ModelChoiceField(queryset=Therapist.objects.filter(active=True))
    service = forms.ModelChoiceField(queryset=Service.objects.filter(active=True))
    date = forms.DateField(widget=DATE, label=_("Day"))
    time = forms.TimeField(widget=TIME, label=_("Start"))
    notes = forms.CharField(
        required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("date") and cleaned.get("time"):
            cleaned["start"] = local_instant(cleaned["date"], cleaned["time"], "time")
        return cleaned


class RescheduleForm(forms.Form):
    therapist = forms.ModelChoiceField(
        queryset=Therapist.objects.filter(active=True), label=_("Therapist")
    )
    date = forms.DateField(widget=DATE, label=_("New day"))
    time = forms.TimeField(widget=TIME, label=_("New start"))
    reason = forms.CharField(required=False, max_length=300, label=_("Why (for the history)"))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("date") and cleaned.get("time"):
            cleaned["start"] = local_instant(cleaned["date"], cleaned["time"], "time")
        return cleaned


class CancelForm(forms.Form):
    initiated_by = forms.ChoiceField(
        choices=CancelledBy.choices, widget=forms.RadioSelect, label=_("Who cancelled")
    )
    reason = forms.CharField(
        max_length=300,
        label=_("Reason"),
        help_text=_("Told to the client in the cancellation notice."),
    )


class WorkingHoursForm(forms.Form):
    """Its own ids (`hours_...`): the time off form on the same page has a start_time too."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "hours_%s")
        super().__init__(*args, **kwargs)

    weekday = forms.TypedChoiceField(choices=Weekday.choices, coerce=int, label=_("Weekday"))
    start_time = forms.TimeField(widget=TIME, label=_("From"))
    end_time = forms.TimeField(widget=TIME, label=_("Until"))


class TimeOffForm(forms.Form):
    start_date = forms.DateField(widget=DATE, label=_("From (day)"))
    start_time = forms.TimeField(widget=TIME, label=_("From (time)"))
    end_date = forms.DateField(widget=DATE, label=_("Until (day)"))
    end_time = forms.TimeField(widget=TIME, label=_("Until (time)"))
    reason = forms.CharField(required=False, max_length=200, label=_("Reason"))

    def clean(self):
        cleaned = super().clean()
        if all(cleaned.get(k) for k in ("start_date", "start_time", "end_date", "end_time")):
            cleaned["start"] = local_instant(
                cleaned["start_date"], cleaned["start_time"], "start_time"
            )
            cleaned["end"] = local_instant(cleaned["end_date"], cleaned["end_time"], "end_time")
        return cleaned


class DecisionForm(forms.Form):
    """What to do with the bookings a schedule change would strand (the two submit buttons
    name the choice; empty: not decided yet, so the change is refused listing them)."""

    affected_bookings = forms.ChoiceField(
        choices=[("", ""), *Decision.choices], required=False, label=_("Affected bookings")
    )
    cancel_reason = forms.CharField(
        required=False,
        max_length=300,
        label=_("Reason given to the clients"),
        help_text=_("Leave empty to tell each client the problem shown above."),
    )


class TreatedPointForm(forms.Form):
    """One treated trigger point as the charting page posts it."""

    muscle = forms.ChoiceField(choices=Muscle.choices, label=_("Muscle"))
    side = forms.ChoiceField(choices=Side.choices, label=_("Side"))
    technique = forms.ChoiceField(choices=Technique.choices, label=_("Technique"))
    pressure = forms.IntegerField(
        min_value=PRESSURE_MIN, max_value=PRESSURE_MAX, initial=3, label=_("Pressure (1-5)")
    )
    pain_before = forms.IntegerField(
        min_value=PAIN_MIN, max_value=PAIN_MAX, label=_("Pain before (0-10)")
    )
    pain_after = forms.IntegerField(
        min_value=PAIN_MIN, max_value=PAIN_MAX, label=_("Pain after (0-10)")
    )
    referral_reproduced = forms.BooleanField(required=False, label=_("Referral reproduced"))
    note = forms.CharField(required=False, max_length=300, label=_("Note"))


# absolute_max: a posted TOTAL_FORMS of 10**20 binds 60 rows and says so, not 1,060.
TreatedPointFormSet = forms.formset_factory(
    TreatedPointForm, extra=0, can_delete=True, max_num=60, absolute_max=60, validate_max=True
)


class SoapForm(forms.Form):
    subjective = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label=_("Subjective"),
        help_text=_("What the client reports."),
    )
    objective = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label=_("Objective"),
        help_text=_("What you find."),
    )
    assessment = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label=_("Assessment"),
        help_text=_("Interpretation and response."),
    )
    plan = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label=_("Plan"),
        help_text=_("Frequency, home care, next visit."),
    )


class SignForm(forms.Form):
    confirm = forms.BooleanField(
        required=True,
        label=_("I understand that signing locks this note: after it, only amendments."),
    )


class AmendmentForm(forms.Form):
    text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), max_length=5000, label=_("Amendment")
    )


class ReferralForm(forms.Form):
    muscle = forms.ChoiceField(choices=Muscle.choices, label=_("Muscle"))
    side = forms.ChoiceField(choices=Side.choices, initial=Side.RIGHT, label=_("Side"))


class ReportForm(forms.Form):
    start = forms.DateField(widget=DATE, label=_("From"))
    end = forms.DateField(widget=DATE, label=_("Until"))
    period = forms.ChoiceField(
        choices=[("week", _("Week")), ("month", _("Month")), ("day", _("Day"))],
        initial="week",
        label=_("Per"),
    )
    therapist = forms.ModelChoiceField(
        queryset=Therapist.objects.all(), required=False, label=_("Therapist")
    )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end:
            if end < start:
                self.add_error("end", _("The end comes before the start."))
            elif end - start > timedelta(days=731):
                self.add_error("end", _("A report spans at most two years."))
        return cleaned
