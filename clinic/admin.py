from django.contrib import admin

from clinic.models import AuditEntry, Clinic, Service


@admin.register(Clinic)
class ClinicAdmin(admin.ModelAdmin):
    list_display = ["name", "timezone", "cancellation_window_hours", "slot_interval_minutes"]

    def has_add_permission(self, request):
        return not Clinic.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["name", "modality", "duration_minutes", "buffer_minutes", "price", "active"]
    list_filter = ["modality", "active", "duration_minutes"]
    search_fields = ["name", "description"]
    actions = ["deactivate"]

    @admin.action(description="Deactivate selected services (keeps their bookings' history)")
    def deactivate(self, request, queryset):
        count = queryset.update(active=False)
        self.message_user(request, f"{count} service(s) deactivated.")


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the audit log is append-only (the database refuses UPDATE and DELETE too)."""

    list_display = ["at", "user", "action", "object_type", "object_id", "remote_addr", "path"]
    list_filter = ["action", "object_type", ("user", admin.RelatedOnlyFieldListFilter), "at"]
    search_fields = ["user__username", "object_type", "=object_id", "remote_addr"]
    date_hierarchy = "at"
    list_select_related = ["user"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
