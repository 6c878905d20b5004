"""The admin for therapists. Their working hours and time off are registered by
`bookings.admin` (a change there is checked against the bookings it would strand, which this
app cannot see); the therapist page lists them read-only with links."""

from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from clinic.models import Clinic, Modality
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
            "email_booking_notices",
        ]

    def clean(self):
        cleaned = super().clean()
        cleaned["modalities"] = normalize_modalities(cleaned.get("modalities") or [])
        if "services" in cleaned:
            check_services_match_modalities(cleaned["modalities"], cleaned["services"])
        return cleaned


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


class ScheduleInline(admin.TabularInline):
    """The therapist's hours and time off, read here; each row links to its own page, where a
    change is checked against the bookings it would strand (`bookings.admin`)."""

    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class WorkingHoursInline(ScheduleInline):
    model = WorkingHours
    fields = ["weekday_name", "start_time", "end_time"]
    readonly_fields = fields

    @admin.display(description="Weekday")
    def weekday_name(self, hours):
        return Weekday(hours.weekday).label


class TimeOffInline(ScheduleInline):
    model = TimeOff
    fields = ["start", "end", "reason"]
    readonly_fields = fields


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
    readonly_fields = ["schedule_links"]
    inlines = [WorkingHoursInline, TimeOffInline]

    @admin.display(description="Hours and time off")
    def schedule_links(self, obj):
        if obj.pk is None:
            return "Save the therapist first, then add their hours and time off."
        return format_html(
            "<a href='{}?therapist__id__exact={}'>Working hours</a> · "
            "<a href='{}?therapist__id__exact={}'>Time off</a> (changed there, checked against "
            "the bookings they would strand)",
            reverse("admin:therapists_workinghours_changelist"),
            obj.pk,
            reverse("admin:therapists_timeoff_changelist"),
            obj.pk,
        )

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
