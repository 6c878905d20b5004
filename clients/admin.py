from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count, DateField, OuterRef, Subquery, Value
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join

from clients import services
from clients.contraindications import flags_for_intake
from clients.models import Client, ConsentText, Intake, ReportedTriggerPoint
from clients.selectors import (
    active_flags_of,
    clinic_today,
    flag_resolutions_of,
    with_latest_intake,
)


def _flag_list(flags) -> str:
    if not flags:
        return "-"
    return format_html_join(
        ", ",
        "<span title='{}'>{} ({})</span>",
        ((flag.label, flag.code, flag.severity) for flag in flags),
    )


def _with_today(queryset):
    # The clinic's date rides along on every row: one clinic read per page, not one per row.
    return queryset.annotate(clinic_today=Value(clinic_today(), output_field=DateField()))


def _flag_labels(flags) -> str:
    if not flags:
        return "None"
    return format_html_join(
        "", "<div><strong>{}</strong>: {}</div>", ((f.severity, f.label) for f in flags)
    )


def _today_of(obj):
    return getattr(obj, "clinic_today", None) or clinic_today()


class ReadOnlyInline(admin.TabularInline):
    """Intakes are records added through the API (where the consent rules run), never edited."""

    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class IntakeInline(ReadOnlyInline):
    model = Intake
    fields = ["created_at", "consent_version", "consent_signed_at", "pressure_preference", "flags"]
    readonly_fields = fields

    def get_queryset(self, request):
        return _with_today(super().get_queryset(request))

    @admin.display(description="Flags")
    def flags(self, intake):
        return _flag_list(flags_for_intake(intake, _today_of(intake)))


class ReportedTriggerPointInline(ReadOnlyInline):
    model = ReportedTriggerPoint
    fields = ["muscle", "side", "pain", "refers_to", "note"]
    readonly_fields = fields
    show_change_link = False


@admin.register(Client)
class ClientAdmin(admin.ModelAdmin):
    list_display = ["full_name", "email", "phone", "date_of_birth", "has_login", "flag_codes"]
    list_filter = ["marketing_consent", "created_at"]
    search_fields = ["first_name", "last_name", "email", "phone"]
    readonly_fields = ["user", "created_at", "active_flags", "resolutions"]
    inlines = [IntakeInline]
    fieldsets = [
        (None, {"fields": ["first_name", "last_name", "pronouns", "date_of_birth", "user"]}),
        ("Contact", {"fields": ["email", "phone"]}),
        ("Emergency contact", {"fields": ["emergency_contact_name", "emergency_contact_phone"]}),
        ("Contraindications", {"fields": ["active_flags", "resolutions"]}),
        ("Clinic", {"fields": ["marketing_consent", "staff_notes", "created_at"]}),
    ]

    def get_queryset(self, request):
        return with_latest_intake(_with_today(super().get_queryset(request)))

    def has_delete_permission(self, request, obj=None):
        return False  # bookings and charts point at the record; anonymisation comes later

    @admin.display(description="Name", ordering="last_name")
    def full_name(self, client):
        return client.full_name

    @admin.display(description="Login", boolean=True)
    def has_login(self, client):
        return client.user_id is not None

    def _flags(self, client):
        if client.pk is None:
            return []
        return active_flags_of(client, _today_of(client))  # less the flags staff resolved

    @admin.display(description="Flags")
    def flag_codes(self, client):
        return _flag_list(self._flags(client))

    @admin.display(description="Flag resolutions")
    def resolutions(self, client):
        """Who cleared which flag, when and why; a standing one keeps the flag off the list
        above until a later intake reports the condition again (resolved through the API)."""
        rows = flag_resolutions_of(client) if client.pk else []
        if not rows:
            return "None"
        return format_html_join(
            "",
            "<div><strong>{}</strong>: resolved by {} on {}: {}{}</div>",
            (
                (
                    r.get_code_display(),
                    r.resolved_by,
                    date_format(timezone.localtime(r.resolved_at), "DATETIME_FORMAT"),
                    r.reason,
                    " (reactivated by a later intake)" if r.reactivated_by_id else " (standing)",
                )
                for r in rows
            ),
        )

    @admin.display(description="Active contraindication flags")
    def active_flags(self, client):
        return _flag_labels(self._flags(client))


@admin.register(Intake)
class IntakeAdmin(admin.ModelAdmin):
    list_display = ["__str__", "client_link", "created_at", "consent_version", "flags"]
    list_select_related = ["client"]
    search_fields = ["client__first_name", "client__last_name", "client__email"]
    list_filter = ["pregnant", "takes_anticoagulants", "created_at"]
    readonly_fields = ["flags"]
    inlines = [ReportedTriggerPointInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="Client", ordering="client__last_name")
    def client_link(self, intake):
        url = reverse("admin:clients_client_change", args=[intake.client_id])
        return format_html("<a href='{}'>{}</a>", url, intake.client)

    def get_queryset(self, request):
        return _with_today(super().get_queryset(request))

    @admin.display(description="Flags")
    def flags(self, intake):
        return _flag_list(flags_for_intake(intake, _today_of(intake)))


class ConsentTextForm(forms.ModelForm):
    """Publishing a new version of the consent text (`services.publish_consent_text`); the
    versions already there are never rewritten (clients signed them)."""

    published_at = forms.DateTimeField(
        required=False,
        help_text="In clinic time; empty: from now. The newest published one is current.",
    )

    class Meta:
        model = ConsentText
        fields = ["version", "text", "published_at"]

    def _post_clean(self):
        if self.errors:
            return
        data = self.cleaned_data
        try:
            self.instance = services.publish_consent_text(
                version=data["version"], text=data["text"], published_at=data.get("published_at")
            )
        except ValidationError as exc:
            refused = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
            for name, said in refused.items():
                self.add_error(name if name in self.fields else None, said)

    def save(self, commit=True):
        return self.instance  # published by the service


@admin.register(ConsentText)
class ConsentTextAdmin(admin.ModelAdmin):
    """ "Add" publishes a new version; existing versions are read only (a signed one is kept
    unchanged by the database), and one no intake signed may be deleted."""

    form = ConsentTextForm
    list_display = ["version", "published_at", "signed_by"]
    actions = None

    def get_queryset(self, request):
        signed = Intake.objects.filter(consent_version=OuterRef("version"))
        return (
            super()
            .get_queryset(request)
            .annotate(
                signatures=Subquery(
                    signed.values("consent_version").annotate(n=Count("pk")).values("n")
                )
            )
        )

    @admin.display(description="Intakes signed")
    def signed_by(self, text):
        return text.signatures or 0

    def get_readonly_fields(self, request, obj=None):
        return ["version", "text", "published_at"] if obj is not None else []

    def has_change_permission(self, request, obj=None):
        return False  # publish a new version instead

    def has_delete_permission(self, request, obj=None):
        if obj is None:
            return False
        return not Intake.objects.filter(consent_version=obj.version).exists()

    def save_model(self, request, obj, form, change):
        pass  # the form's service call published it

    def save_related(self, request, form, formsets, change):
        pass
