from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils import timezone

from bookings import services
from bookings.models import Booking, BookingEvent, BookingSeries, Room
from clinic.errors import DomainError
from clinic.models import Clinic


class BookingEventInline(admin.TabularInline):
    model = BookingEvent
    extra = 0
    can_delete = False
    fields = ["at", "actor", "from_status", "to_status", "from_start", "to_start", "reason"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


def _run(modeladmin, request, queryset, service, done: str, **kwargs):
    """Call a booking service on each selected booking; report what worked and what did not."""
    succeeded = 0
    for booking in queryset:
        try:
            service(booking, actor=request.user, **kwargs)
            succeeded += 1
        except ValidationError as exc:
            modeladmin.message_user(
                request, f"#{booking.pk}: {' '.join(exc.messages)}", messages.ERROR
            )
        except DomainError as exc:
            modeladmin.message_user(request, f"#{booking.pk}: {exc}", messages.ERROR)
    if succeeded:
        modeladmin.message_user(request, f"{succeeded} booking(s) {done}.", messages.SUCCESS)


@admin.action(description="Confirm selected bookings")
def confirm(modeladmin, request, queryset):
    _run(modeladmin, request, queryset, services.confirm_booking, "confirmed")


@admin.action(description="Cancel selected bookings")
def cancel(modeladmin, request, queryset):
    _run(
        modeladmin, request, queryset, services.cancel_booking, "cancelled", reason="By the clinic"
    )


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin):
    """Bookings by day and therapist. Changes of status go through the services (actions), so
    history and notifications follow; new bookings are made through the API."""

    list_display = [
        "start",
        "end",
        "therapist",
        "client",
        "service",
        "room",
        "status",
        "late_cancellation",
    ]
    list_filter = ["status", "therapist", "service", "room", "late_cancellation", "start"]
    list_select_related = ["therapist", "client", "service", "room"]
    date_hierarchy = "start"
    ordering = ["start"]
    search_fields = [
        "client__first_name",
        "client__last_name",
        "client__email",
        "therapist__display_name",
    ]
    actions = [confirm, cancel]
    inlines = [BookingEventInline]
    fields = [
        "therapist",
        "client",
        "service",
        "room",
        "start",
        "end",
        "blocks_until",
        "status",
        "late_cancellation",
        "cancel_reason",
        "notes",
        "created_by",
        "created_at",
    ]
    readonly_fields = [f for f in fields if f != "notes"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        # Days in the date hierarchy and times on the page are the clinic's.
        with timezone.override(Clinic.get().tz):
            return _rendered(super().changelist_view(request, extra_context))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        with timezone.override(Clinic.get().tz):
            return _rendered(super().change_view(request, object_id, form_url, extra_context))


def _rendered(response):
    """Render a lazy TemplateResponse now, while the clinic's time zone is active."""
    if hasattr(response, "render") and not getattr(response, "is_rendered", True):
        response.render()
    return response


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    list_display = ["name", "active", "created_at"]
    list_filter = ["active", "services"]
    search_fields = ["name"]
    filter_horizontal = ["services"]


class SeriesBookingInline(admin.TabularInline):
    model = Booking
    fields = ["start", "status", "room"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(BookingSeries)
class BookingSeriesAdmin(admin.ModelAdmin):
    """Series are made through the API (each visit checked like a booking); here they are read."""

    list_display = ["start", "client", "therapist", "service", "every_weeks", "count", "until"]
    list_filter = ["mode", "therapist", "service"]
    list_select_related = ["client", "therapist", "service"]
    search_fields = ["client__first_name", "client__last_name", "client__email"]
    readonly_fields = [
        "client",
        "therapist",
        "service",
        "start",
        "every_weeks",
        "count",
        "until",
        "mode",
        "created_by",
        "created_at",
    ]
    inlines = [SeriesBookingInline]

    def has_add_permission(self, request):
        return False
