from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils import timezone

from clinic.errors import DomainError
from clinic.models import Clinic, Modality
from therapists import services
from therapists.models import Therapist, TimeOff, Weekday, WorkingHours
from therapists.services import check_services_match_modalities, normalize_modalities


class TherapistForm(forms.ModelForm):
    modalities = forms.MultipleChoiceField(
        choices=Modality.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    photo_url = forms.URLField(required=False, assume_scheme="https")

    class Meta:
        model = Therapist
        fields = [
            "user",
            "display_name",
            "bio",
            "photo_url",
            "license_number",
            "license_expires_on",
            "modalities",
            "services",
            "active",
        ]

    def clean(self):
        cleaned = super().clean()
        cleaned["modalities"] = normalize_modalities(cleaned.get("modalities") or [])
        if "services" in cleaned:
            check_services_match_modalities(cleaned["modalities"], cleaned["services"])
        return cleaned


class NoOverlapFormSet(forms.BaseInlineFormSet):
    """Rows saved together are checked against each other (the model checks each row against
    the rows already in the database)."""

    def intervals(self, form):
        raise NotImplementedError

    def clean(self):
        super().clean()
        seen = []
        for form in self.forms:
            if not form.cleaned_data or form.cleaned_data.get("DELETE"):
                continue
            interval = self.intervals(form)
            if interval is None:
                continue
            key, start, end = interval
            for other_key, other_start, other_end in seen:
                if key == other_key and start < other_end and other_start < end:
                    raise ValidationError("Two of these rows overlap: change or remove one.")
            seen.append(interval)


class WorkingHoursFormSet(NoOverlapFormSet):
    def intervals(self, form):
        data = form.cleaned_data
        if None in (data.get("weekday"), data.get("start_time"), data.get("end_time")):
            return None
        return data["weekday"], data["start_time"], data["end_time"]


class TimeOffFormSet(NoOverlapFormSet):
    def intervals(self, form):
        data = form.cleaned_data
        if data.get("start") is None or data.get("end") is None:
            return None
        return None, data["start"], data["end"]


class WorkingHoursForm(forms.ModelForm):
    """Weekdays by name (stored 0 = Monday ... 6 = Sunday); times in the clinic's local time."""

    weekday = forms.TypedChoiceField(choices=Weekday.choices, coerce=int)

    class Meta:
        model = WorkingHours
        fields = ["therapist", "weekday", "start_time", "end_time"]


def _clinic_time_help() -> str:
    return f"In clinic time ({Clinic.get().timezone})."


class TimeOffForm(forms.ModelForm):
    """Time off is typed and shown in the clinic's time (the admin runs in the clinic's zone,
    clinic.middleware), so the front desk never converts to UTC."""

    class Meta:
        model = TimeOff
        fields = ["therapist", "start", "end", "reason"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("start", "end"):
            self.fields[name].help_text = _clinic_time_help()


class WorkingHoursInline(admin.TabularInline):
    model = WorkingHours
    form = WorkingHoursForm
    formset = WorkingHoursFormSet
    extra = 0


class TimeOffInline(admin.TabularInline):
    model = TimeOff
    form = TimeOffForm
    formset = TimeOffFormSet
    extra = 0


@admin.register(Therapist)
class TherapistAdmin(admin.ModelAdmin):
    form = TherapistForm
    list_display = [
        "display_name",
        "user",
        "modality_list",
        "license_number",
        "license_expires_on",
        "license_valid",
        "active",
    ]
    list_filter = ["active", "services", ("license_expires_on", admin.DateFieldListFilter)]
    search_fields = ["display_name", "user__username", "user__email", "license_number"]
    list_select_related = ["user"]
    filter_horizontal = ["services"]
    raw_id_fields = ["user"]
    inlines = [WorkingHoursInline, TimeOffInline]

    @admin.display(description="Modalities")
    def modality_list(self, obj):
        return ", ".join(Modality(m).label for m in obj.modalities if m in Modality.values)

    @admin.display(description="License valid today", boolean=True)
    def license_valid(self, obj):
        return obj.license_valid_on(timezone.localdate())


class WeekdayFilter(admin.SimpleListFilter):
    title = "weekday"
    parameter_name = "weekday"

    def lookups(self, request, model_admin):
        return [(str(value), label) for value, label in Weekday.choices]

    def queryset(self, request, queryset):
        if self.value() in {str(v) for v in Weekday.values}:
            return queryset.filter(weekday=int(self.value()))
        return queryset


@admin.register(WorkingHours)
class WorkingHoursAdmin(admin.ModelAdmin):
    form = WorkingHoursForm
    list_display = ["therapist", "weekday_name", "start_time", "end_time"]
    list_filter = [WeekdayFilter, "therapist"]
    list_select_related = ["therapist"]
    ordering = ["therapist", "weekday", "start_time"]

    @admin.display(description="Weekday", ordering="weekday")
    def weekday_name(self, hours):
        return Weekday(hours.weekday).label


class TimeOffServiceForm(TimeOffForm):
    """Time off added or changed here goes through therapists.services (the API's checks, and
    whatever the schedule rules refuse, such as time off over booked clients, shown on the
    form)."""

    def _post_clean(self):
        if self.errors:
            return
        data = {k: self.cleaned_data[k] for k in ("start", "end", "reason")}
        try:
            if self.instance.pk is None:
                self.instance = services.add_time_off(self.cleaned_data["therapist"], **data)
            else:
                self.instance = services.update_time_off(self.instance, **data)
        except ValidationError as exc:
            refused = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
            for field, said in refused.items():
                self.add_error(field if field in self.fields else None, said)
        except DomainError as exc:
            self.add_error(None, str(exc))

    def save(self, commit=True):
        return self.instance  # saved by the service


@admin.register(TimeOff)
class TimeOffAdmin(admin.ModelAdmin):
    form = TimeOffServiceForm

    def save_model(self, request, obj, form, change):
        pass  # the form's service call saved it

    def save_related(self, request, form, formsets, change):
        pass

    list_display = ["therapist", "start", "end", "reason"]
    list_filter = ["therapist", ("start", admin.DateFieldListFilter)]
    search_fields = ["therapist__display_name", "reason"]
    list_select_related = ["therapist"]
    date_hierarchy = "start"
