from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils import timezone

from clinic.models import Modality
from therapists.models import Therapist, TimeOff, WorkingHours
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


class WorkingHoursInline(admin.TabularInline):
    model = WorkingHours
    formset = WorkingHoursFormSet
    extra = 0


class TimeOffInline(admin.TabularInline):
    model = TimeOff
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


@admin.register(WorkingHours)
class WorkingHoursAdmin(admin.ModelAdmin):
    list_display = ["therapist", "weekday", "start_time", "end_time"]
    list_filter = ["weekday", "therapist"]
    list_select_related = ["therapist"]


@admin.register(TimeOff)
class TimeOffAdmin(admin.ModelAdmin):
    list_display = ["therapist", "start", "end", "reason"]
    list_filter = ["therapist", ("start", admin.DateFieldListFilter)]
    search_fields = ["therapist__display_name", "reason"]
    list_select_related = ["therapist"]
    date_hierarchy = "start"
