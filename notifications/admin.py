"""Admin for reminders, client notices and therapist notices (and the base for any delivery
kind's admin): what went out, what was skipped and why, what failed."""

from django.contrib import admin, messages

from notifications import services
from notifications.models import Notice, Reminder, TherapistNotice

# What the change lists show of any delivery, after the columns of its own kind.
DELIVERY_COLUMNS = [
    "channel",
    "due_at",
    "status",
    "sent_at",
    "attempts",
    "skip_reason",
    "short_error",
]
DELIVERY_FIELDS = [
    "channel",
    "due_at",
    "status",
    "claim_token",
    "claimed_at",
    "claimed_until",
    "attempts",
    "sent_at",
    "skip_reason",
    "error",
    "created_at",
    "updated_at",
]


class DeliveryAdmin(admin.ModelAdmin):
    """Any delivery kind's rows (`notifications.kinds`), read only, with "send again" for the
    failed ones; an app above notifications subclasses it for its own kind."""

    list_filter = ["status", "channel"]
    date_hierarchy = "due_at"
    readonly_fields = DELIVERY_FIELDS
    actions = ["send_again"]

    def has_add_permission(self, request):
        return False  # rows are written by their subject's lifecycle only

    @admin.display(description="Error")
    def short_error(self, obj):
        return obj.error[:80]

    @admin.action(description="Send the selected failed ones again")
    def send_again(self, request, queryset):
        count = services.retry_failed(queryset)
        self.message_user(request, f"{count} queued to be sent again.", messages.SUCCESS)


class BookingDeliveryAdmin(DeliveryAdmin):
    search_fields = [
        "=booking__id",
        "booking__client__first_name",
        "booking__client__last_name",
        "booking__client__email",
    ]
    list_select_related = ["booking__client", "booking__service", "booking__therapist"]
    readonly_fields = ["booking", *DELIVERY_FIELDS]

    @admin.display(description="Client")
    def client(self, obj):
        return obj.booking.client


@admin.register(Reminder)
class ReminderAdmin(BookingDeliveryAdmin):
    list_display = ["booking", "client", "offset_hours", *DELIVERY_COLUMNS]
    list_filter = ["status", "channel", "offset_hours"]
    readonly_fields = ["offset_hours", "appointment_start", *BookingDeliveryAdmin.readonly_fields]


@admin.register(Notice)
class NoticeAdmin(BookingDeliveryAdmin):
    list_display = ["booking", "client", "kind", *DELIVERY_COLUMNS]
    list_filter = ["status", "kind", "channel"]
    readonly_fields = ["kind", *BookingDeliveryAdmin.readonly_fields]


@admin.register(TherapistNotice)
class TherapistNoticeAdmin(BookingDeliveryAdmin):
    """The booking emails therapists get (those who keep `email_booking_notices` on)."""

    list_display = ["booking", "therapist", "kind", *DELIVERY_COLUMNS]
    list_filter = ["status", "kind", "channel", "therapist"]
    list_select_related = [*BookingDeliveryAdmin.list_select_related]
    search_fields = [*BookingDeliveryAdmin.search_fields, "therapist__display_name"]
    readonly_fields = [
        "therapist",
        "kind",
        "previous_start",
        "previous_therapist",
        "visits",
        "booking_version",
        *BookingDeliveryAdmin.readonly_fields,
    ]
