"""The admin for bookings: every write goes through `bookings.services` (the same rules, history
and notices as the API). Times are the clinic's, with the zone's abbreviation (the admin runs in
the clinic's zone, clinic.middleware; formats in config/formats)."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from bookings import schedule, services
from bookings.models import Booking, BookingEvent, BookingSeries, CancelledBy, Room
from clinic.admin import ClinicAdmin, ServiceAdmin
from clinic.errors import DomainError
from clinic.models import Clinic, Service
from clinic.services import CLINIC_FIELDS, SERVICE_FIELDS
from therapists import services as therapist_services
from therapists.admin import (
    TherapistAdmin,
    TherapistForm,
    TimeOffForm,
    WeekdayFilter,
    WorkingHoursForm,
)
from therapists.models import Therapist, TimeOff, Weekday, WorkingHours
from therapists.services import PROFILE_FIELDS


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


@admin.action(description="Check in selected bookings (the client has arrived)")
def check_in(modeladmin, request, queryset):
    _run(modeladmin, request, queryset, services.check_in_booking, "checked in")


@admin.action(description="Complete selected bookings")
def complete(modeladmin, request, queryset):
    _run(modeladmin, request, queryset, services.complete_booking, "completed")


@admin.action(description="Mark selected bookings as no-shows")
def no_show(modeladmin, request, queryset):
    _run(modeladmin, request, queryset, services.mark_no_show, "marked as no-shows")


class CancelForm(forms.Form):
    """Who cancelled (a client's phone call is the client's: it may count as late) and why."""

    initiated_by = forms.ChoiceField(
        label="Who cancelled", choices=CancelledBy.choices, widget=forms.RadioSelect
    )
    reason = forms.CharField(label="Reason", max_length=300)


@admin.action(description="Cancel selected bookings…")
def cancel(modeladmin, request, queryset):
    """Asks who cancelled and why first (a page like the delete confirmation), then cancels."""
    form = CancelForm(request.POST if "apply" in request.POST else None)
    if form.is_valid():
        _run(
            modeladmin,
            request,
            queryset,
            services.cancel_booking,
            "cancelled",
            reason=form.cleaned_data["reason"],
            initiated_by=form.cleaned_data["initiated_by"],
        )
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": "Cancel bookings",
        "opts": modeladmin.model._meta,
        "form": form,
        "bookings": queryset.select_related("client", "therapist", "service"),
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "admin/bookings/booking/cancel_selected.html", context)


class BookingAddForm(forms.ModelForm):
    """A booking added in the admin is made by `services.create_booking`, as through the API:
    the same checks (a refusal is shown on the form), history and notices; an admin may book
    inside the lead time (walk-ins, phone calls)."""

    actor = None  # the signed-in admin, set by BookingAdmin.get_form

    class Meta:
        model = Booking
        fields = ["client", "therapist", "service", "room", "start", "notes"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["start"].help_text = f"In clinic time ({Clinic.get().timezone})."
        self.fields["room"].help_text = "Leave empty to take the first free suitable room."

    def _post_clean(self):
        # Instead of the model's validation: the service's, which also saves.
        if self.errors:
            return
        data = self.cleaned_data
        try:
            self.instance = services.create_booking(
                client=data["client"],
                therapist=data["therapist"],
                service=data["service"],
                start=data["start"],
                room=data.get("room"),
                notes=data.get("notes", ""),
                actor=self.actor,
            )
        except ValidationError as exc:
            refused = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
            for field, said in refused.items():
                self.add_error(field if field in self.fields else None, said)
        except DomainError as exc:
            self.add_error(None, str(exc))

    def save(self, commit=True):
        return self.instance  # saved by the service


ADD_FIELDS = BookingAddForm.Meta.fields


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin):
    """Bookings by day and therapist. Adding one and every change of status go through the
    services (the add form and the actions), so the rules, history and notifications follow."""

    list_display = [
        "start",
        "end",
        "therapist",
        "client",
        "service",
        "room",
        "status",
        "cancelled_by",
        "late_cancellation",
    ]
    list_filter = [
        "status",
        "therapist",
        "service",
        "room",
        "cancelled_by",
        "late_cancellation",
        "start",
    ]
    list_select_related = ["therapist", "client", "service", "room"]
    date_hierarchy = "start"
    ordering = ["start"]
    search_fields = [
        "client__first_name",
        "client__last_name",
        "client__email",
        "client__phone",
        "therapist__display_name",
    ]
    autocomplete_fields = ["client"]
    actions = [confirm, check_in, complete, no_show, cancel]
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
        "price",
        "cancelled_by",
        "late_cancellation",
        "late_change",
        "cancel_reason",
        "notes",
        "created_by",
        "created_at",
    ]
    readonly_fields = [f for f in fields if f != "notes"]

    def get_fields(self, request, obj=None):
        return ADD_FIELDS if obj is None else self.fields

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def get_inlines(self, request, obj):
        return [] if obj is None else self.inlines

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = BookingAddForm
        form = super().get_form(request, obj, change, **kwargs)
        form.actor = request.user
        return form

    def save_model(self, request, obj, form, change):
        if change:  # only `notes` is editable on a booking
            super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        if change:
            super().save_related(request, form, formsets, change)

    def has_delete_permission(self, request, obj=None):
        return False


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


# --- Working hours and time off: every change that can strand a booking is guarded ---------


class AffectedBookingsForm(forms.ModelForm):
    """A change of hours or time off goes through `bookings.schedule` (the API's guard): one
    that would leave booked clients outside the schedule is a form error listing them, until
    the admin chooses to keep them or to cancel them for the clinic (each client is told)."""

    actor = None  # the signed-in admin, set by ScheduleAdmin.get_form
    affected_bookings = forms.ChoiceField(
        label="Affected bookings",
        choices=[("", "Refuse the change if it strands a booking"), *schedule.Decision.choices],
        required=False,
        help_text="What to do with future bookings this change leaves outside the schedule.",
    )
    cancel_reason = forms.CharField(
        label="Cancellation reason",
        max_length=300,
        required=False,
        help_text="Told to each client whose booking the clinic cancels (else the problem).",
    )
    change = None  # the ScheduleChange, once saved

    def write(self, decision: dict):
        raise NotImplementedError

    def _post_clean(self):
        if self.errors:
            return
        decision = {
            "affected_bookings": self.cleaned_data.get("affected_bookings") or None,
            "cancel_reason": self.cleaned_data.get("cancel_reason", ""),
            "actor": self.actor,
        }
        try:
            self.change = self.write(decision)
        except schedule.StrandedBookings as exc:
            self.add_error(None, str(exc).split(" Send ")[0])
            self.add_error("affected_bookings", [_affected_line(a) for a in exc.affected])
        except schedule.CheckedInBookings as exc:  # the refusal, then the list again
            self.add_error(
                "affected_bookings",
                [*exc.messages, *(_affected_line(a) for a in exc.affected)],
            )
        except ValidationError as exc:
            refused = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
            for name, said in refused.items():
                self.add_error(name if name in self.fields else None, said)
        except DomainError as exc:
            self.add_error(None, str(exc))
        else:
            if isinstance(self.change.result, models.Model):
                self.instance = self.change.result

    def save(self, commit=True):
        return self.instance  # saved by the schedule guard


def _affected_line(item) -> str:
    booking = item.booking
    start = date_format(timezone.localtime(booking.start), "DATETIME_FORMAT")
    outcome = f" [{schedule.Outcome(item.outcome).label}]" if item.outcome else ""
    return (
        f"#{booking.pk} {start}, {booking.client.full_name}, {booking.service.name}: "
        f"{item.explanation}{outcome}"
    )


class GuardedWorkingHoursForm(AffectedBookingsForm, WorkingHoursForm):
    remove = forms.BooleanField(
        label="Remove these hours", required=False, help_text="Instead of saving a change."
    )

    class Meta(WorkingHoursForm.Meta):
        pass

    def write(self, decision):
        data = {k: self.cleaned_data[k] for k in ("weekday", "start_time", "end_time")}
        if self.instance.pk is None:  # new hours strand nobody
            hours = therapist_services.add_working_hours(self.cleaned_data["therapist"], **data)
            return schedule.ScheduleChange(hours)
        if self.cleaned_data.get("remove"):
            return schedule.delete_working_hours(self.instance, **decision)
        return schedule.update_working_hours(self.instance, changes=data, **decision)


class GuardedTimeOffForm(AffectedBookingsForm, TimeOffForm):
    class Meta(TimeOffForm.Meta):
        pass

    def write(self, decision):
        data = {k: self.cleaned_data[k] for k in ("start", "end", "reason")}
        if self.instance.pk is None:
            therapist = self.cleaned_data["therapist"]
            return schedule.add_time_off(therapist, **data, **decision)
        return schedule.update_time_off(self.instance, changes=data, **decision)


class ScheduleAdmin(admin.ModelAdmin):
    """Saves through the form's guarded call; reports the bookings it kept or cancelled."""

    list_select_related = ["therapist"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        form.actor = request.user
        return form

    def get_readonly_fields(self, request, obj=None):
        return ["therapist"] if obj is not None else []  # a row stays with its therapist

    def save_model(self, request, obj, form, change):
        for item in form.change.affected:
            self.message_user(request, _affected_line(item), messages.WARNING)

    def save_related(self, request, form, formsets, change):
        pass

    def log_change(self, request, obj, message):
        if obj.pk is not None:  # removed working hours have no row left to log against
            super().log_change(request, obj, message)


@admin.register(WorkingHours)
class WorkingHoursAdmin(ScheduleAdmin):
    form = GuardedWorkingHoursForm
    list_display = ["therapist", "weekday_name", "start_time", "end_time"]
    list_filter = [WeekdayFilter, "therapist"]
    ordering = ["therapist", "weekday", "start_time"]

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        return fields if obj is not None else [f for f in fields if f != "remove"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["exclude"] = ["remove"]
        return super().get_form(request, obj, change, **kwargs)

    def has_delete_permission(self, request, obj=None):
        return False  # "Remove these hours" on the change form, through the guard

    def response_change(self, request, obj):
        if obj.pk is None:
            self.message_user(request, "The working hours were removed.", messages.SUCCESS)
            return HttpResponseRedirect(reverse("admin:therapists_workinghours_changelist"))
        return super().response_change(request, obj)

    @admin.display(description="Weekday", ordering="weekday")
    def weekday_name(self, hours):
        return Weekday(hours.weekday).label


@admin.register(TimeOff)
class TimeOffAdmin(ScheduleAdmin):
    form = GuardedTimeOffForm
    list_display = ["therapist", "start", "end", "reason"]
    list_filter = ["therapist", ("start", admin.DateFieldListFilter)]
    search_fields = ["therapist__display_name", "reason"]
    date_hierarchy = "start"

    def delete_model(self, request, obj):
        therapist_services.delete_time_off(obj)  # removing time off strands nobody

    def delete_queryset(self, request, queryset):
        for time_off in queryset:
            therapist_services.delete_time_off(time_off)


# --- The therapist's profile: deactivating them, dropping a service, a licence ending early --


class GuardedTherapistForm(AffectedBookingsForm, TherapistForm):
    """A new therapist strands nobody (saved as the admin always did); a change of an existing
    one goes through `schedule.update_therapist`, guarded like hours and time off."""

    class Meta(TherapistForm.Meta):
        pass

    def _post_clean(self):
        if self.instance.pk is None:
            forms.ModelForm._post_clean(self)
        else:
            super()._post_clean()

    def write(self, decision):
        changes = {k: self.cleaned_data[k] for k in PROFILE_FIELDS if k in self.cleaned_data}
        if "services" in self.cleaned_data:
            changes["services"] = list(self.cleaned_data["services"])
        return schedule.update_therapist(self.instance, changes=changes, **decision)

    def save(self, commit=True):
        if self.change is None:  # adding: the ModelForm's own save
            return forms.ModelForm.save(self, commit)
        return self.instance


admin.site.unregister(Therapist)


@admin.register(Therapist)
class GuardedTherapistAdmin(TherapistAdmin):
    form = GuardedTherapistForm

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        form.actor = request.user
        return form

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "user"] if obj is not None else fields  # the login stays

    def save_model(self, request, obj, form, change):
        if not change:
            super().save_model(request, obj, form, change)
            return
        for item in form.change.affected:
            self.message_user(request, _affected_line(item), messages.WARNING)

    def save_related(self, request, form, formsets, change):
        if not change:
            super().save_related(request, form, formsets, change)
            return
        for formset in formsets:  # read-only rows: nothing changes, the change message reads them
            self.save_formset(request, form, formset, change)


# --- The catalogue and the rooms: a service taken out of use, a room closed ----------------


class GuardedServiceForm(AffectedBookingsForm):
    """Services are added and changed through `bookings.schedule` (deactivating one must not
    strand anyone; while rooms are in use an active service needs a room that suits it)."""

    class Meta:
        model = Service
        fields = sorted(SERVICE_FIELDS)

    def write(self, decision):
        data = {k: self.cleaned_data[k] for k in SERVICE_FIELDS if k in self.cleaned_data}
        if self.instance.pk is None:
            return schedule.ScheduleChange(schedule.create_service(**data))
        return schedule.update_service(self.instance, changes=data, **decision)


admin.site.unregister(Service)


@admin.register(Service)
class GuardedServiceAdmin(ScheduleAdmin, ServiceAdmin):
    form = GuardedServiceForm
    list_select_related = []

    def get_readonly_fields(self, request, obj=None):
        return []

    @admin.action(description="Deactivate selected services (refused if it strands bookings)")
    def deactivate(self, request, queryset):
        done = 0
        for service in queryset:
            try:
                schedule.update_service(service, changes={"active": False}, actor=request.user)
                done += 1
            except schedule.StrandedBookings as exc:
                lines = "; ".join(_affected_line(a) for a in exc.affected)
                self.message_user(
                    request,
                    f"{service}: not deactivated, it would strand {lines}. Open the service to "
                    "keep or cancel them.",
                    messages.ERROR,
                )
            except (ValidationError, DomainError) as exc:
                said = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
                self.message_user(request, f"{service}: {said}", messages.ERROR)
        if done:
            self.message_user(request, f"{done} service(s) deactivated.", messages.SUCCESS)


class GuardedRoomForm(AffectedBookingsForm):
    """Rooms through `bookings.schedule`: a room closed or no longer suiting a service moves
    its bookings to a free suitable room, else they are affected (keep / cancel)."""

    class Meta:
        model = Room
        fields = ["name", "active", "services"]

    def write(self, decision):
        data = {k: self.cleaned_data[k] for k in ("name", "active", "services")}
        data["services"] = list(data["services"])
        if self.instance.pk is None:
            return schedule.create_room(**data, **decision)
        return schedule.update_room(self.instance, changes=data, **decision)


@admin.register(Room)
class RoomAdmin(ScheduleAdmin):
    form = GuardedRoomForm
    list_display = ["name", "active", "created_at"]
    list_filter = ["active", "services"]
    search_fields = ["name"]
    filter_horizontal = ["services"]
    list_select_related = []

    def get_readonly_fields(self, request, obj=None):
        return []

    def has_delete_permission(self, request, obj=None):
        return False  # as in the API: a room is taken out of use (guarded), never deleted


# --- The clinic's settings: a new time zone moves every therapist's hours against bookings --


LOOK_FIELDS = ["brand_colour"]


class GuardedClinicForm(AffectedBookingsForm):
    """The settings through `schedule.update_clinic` (`clinic.services.update_clinic`'s rules;
    a time zone change that strands bookings is refused until kept or cancelled); the
    look of the pages (`brand_colour`), which binds no booking, is saved beside it."""

    class Meta:
        model = Clinic
        fields = [f.name for f in Clinic._meta.fields if f.name in {*CLINIC_FIELDS, *LOOK_FIELDS}]

    def write(self, decision):
        changes = {k: v for k, v in self.cleaned_data.items() if k in CLINIC_FIELDS}
        if self.instance.pk is None:  # the row is made once, by the first admin
            forms.ModelForm._post_clean(self)
            return schedule.ScheduleChange(self.instance)
        change = schedule.update_clinic(changes=changes, **decision)
        rest = [k for k in LOOK_FIELDS if k in self.cleaned_data]
        for name in rest:
            setattr(change.result, name, self.cleaned_data[name])
        if rest:
            change.result.save(update_fields=rest)
        return change

    def save(self, commit=True):
        if self.instance.pk is None:
            return forms.ModelForm.save(self, commit)
        return self.instance


admin.site.unregister(Clinic)


@admin.register(Clinic)
class GuardedClinicAdmin(ScheduleAdmin, ClinicAdmin):
    form = GuardedClinicForm
    list_select_related = []

    def get_readonly_fields(self, request, obj=None):
        return []

    def save_model(self, request, obj, form, change):
        if not change:
            obj.save()
            return
        super().save_model(request, obj, form, change)
