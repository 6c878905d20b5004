from django.contrib import admin
from django.db.models import DateField, Value
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from clients.contraindications import flags_for_intake
from clients.models import Client, Intake, ReportedTriggerPoint
from clients.selectors import clinic_today, latest_intake_of, with_latest_intake


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
    readonly_fields = ["user", "created_at", "active_flags"]
    inlines = [IntakeInline]
    fieldsets = [
        (None, {"fields": ["first_name", "last_name", "pronouns", "date_of_birth", "user"]}),
        ("Contact", {"fields": ["email", "phone"]}),
        ("Emergency contact", {"fields": ["emergency_contact_name", "emergency_contact_phone"]}),
        ("Clinic", {"fields": ["marketing_consent", "staff_notes", "active_flags", "created_at"]}),
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
        return flags_for_intake(latest_intake_of(client), _today_of(client))

    @admin.display(description="Flags")
    def flag_codes(self, client):
        return _flag_list(self._flags(client))

    @admin.display(description="Contraindication flags (latest intake)")
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
