from django.contrib import admin

from clinic import audit
from treatments.models import Amendment, TreatedTriggerPoint, TreatmentNote


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class TreatedTriggerPointInline(ReadOnlyInline):
    model = TreatedTriggerPoint
    fields = [
        "muscle",
        "side",
        "technique",
        "pressure",
        "pain_before",
        "pain_after",
        "referral_reproduced",
        "note",
    ]


class AmendmentInline(ReadOnlyInline):
    model = Amendment
    fields = ["created_at", "author", "text"]
    readonly_fields = ["created_at"]


@admin.register(TreatmentNote)
class TreatmentNoteAdmin(admin.ModelAdmin):
    """Charts are read here, never written: the treating therapist writes and signs through the
    API (services enforce the rules), and a signed note is locked in the database. Opening a
    note here is a read of the chart, recorded in the audit log like any other."""

    list_display = ["id", "booking_start", "client", "therapist", "created_at", "signed_at"]
    list_filter = ["therapist", ("signed_at", admin.EmptyFieldListFilter), "created_at"]
    search_fields = ["booking__client__first_name", "booking__client__last_name", "=booking__id"]
    list_select_related = ["booking__client", "therapist"]
    date_hierarchy = "created_at"
    inlines = [TreatedTriggerPointInline, AmendmentInline]
    fields = [
        "booking",
        "therapist",
        "subjective",
        "objective",
        "assessment",
        "plan",
        "created_at",
        "updated_at",
        "signed_at",
        "signed_by",
    ]
    readonly_fields = ["created_at", "updated_at"]

    @admin.display(ordering="booking__start", description="Visit")
    def booking_start(self, note):
        return note.booking.start

    @admin.display(ordering="booking__client__last_name")
    def client(self, note):
        return note.booking.client

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and response.status_code == 200:
            audit.record(request, audit.AuditAction.READ, TreatmentNote, int(object_id))
        return response
