from django.contrib import admin

from waitlist.models import WaitlistEntry, WaitlistOffer


class WaitlistOfferInline(admin.TabularInline):
    model = WaitlistOffer
    fields = ["therapist", "start", "hold_until", "status", "booking"]
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

    def has_add_permission(self, request):
        return False
