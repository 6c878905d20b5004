"""Admin for the waitlist: entries, the offers made to them and the messages that told the
clients (read only: what went out, what was skipped and why, what failed)."""

from django.contrib import admin

from notifications.admin import DELIVERY_COLUMNS, DELIVERY_FIELDS, DeliveryAdmin
from waitlist.models import OfferMessage, WaitlistEntry, WaitlistOffer


class WaitlistOfferInline(admin.TabularInline):
    model = WaitlistOffer
    fields = ["therapist", "start", "hold_until", "status", "booking"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class OfferMessageInline(admin.TabularInline):
    model = OfferMessage
    fields = ["channel", "due_at", "status", "sent_at", "attempts", "skip_reason", "error"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(WaitlistEntry)
class WaitlistEntryAdmin(admin.ModelAdmin):
    list_display = [
        "client",
        "service",
        "therapist",
        "earliest_date",
        "latest_date",
        "time_from",
        "time_to",
        "status",
        "created_at",
    ]
    list_filter = ["status", "service", "therapist"]
    list_select_related = ["client", "service", "therapist"]
    search_fields = ["client__first_name", "client__last_name", "client__email"]
    inlines = [WaitlistOfferInline]


@admin.register(WaitlistOffer)
class WaitlistOfferAdmin(admin.ModelAdmin):
    """Offers are made by the waitlist scan and answered by clients; here they are read."""

    list_display = ["start", "entry", "therapist", "hold_until", "status", "booking"]
    list_filter = ["status", "therapist"]
    list_select_related = ["entry__client", "entry__service", "therapist", "booking"]
    readonly_fields = ["entry", "therapist", "start", "blocks_until", "hold_until", "booking"]
    inlines = [OfferMessageInline]

    def has_add_permission(self, request):
        return False


@admin.register(OfferMessage)
class OfferMessageAdmin(DeliveryAdmin):
    list_display = ["offer", "client", *DELIVERY_COLUMNS]
    search_fields = [
        "=offer__id",
        "offer__entry__client__first_name",
        "offer__entry__client__last_name",
        "offer__entry__client__email",
    ]
    list_select_related = ["offer__entry__client", "offer__therapist"]
    readonly_fields = ["offer", *DELIVERY_FIELDS]

    @admin.display(description="Client")
    def client(self, obj):
        return obj.offer.entry.client
