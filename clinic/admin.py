from django.contrib import admin

from clinic.models import Clinic, Service


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
