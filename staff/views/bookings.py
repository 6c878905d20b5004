"""Booking at the desk (an existing client found by name, phone or email, or a walk-in added
without a login) and a booking's page: status buttons, reschedule to any free time, cancel
saying who asked and why, its history and its reminders and notices. Everything through
bookings.services and clients.services, as the API does."""

import contextlib
from datetime import datetime, time, timedelta

from django.contrib import messages
from django.db import transaction
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from bookings import services
from bookings.api.permissions import refusal_for
from bookings.selectors import available_slots, bookings_visible_to, with_history
from clients.models import Client
from clients.selectors import active_flags_by_client, clients_in_care_of
from clients.services import create_client
from clinic.models import Clinic, Service
from staff.access import front_desk, staff_page
from staff.forms import BookForm, CancelForm, ClientSearchForm, RescheduleForm, WalkInForm
from staff.views.agenda import actions_for
from staff.views.common import REFUSALS, add_errors
from therapists.models import Therapist

SEARCH_LIMIT = 20


def search_clients(user, query: str):
    """Clients the user may see whose name, phone or email holds every word of `query`."""
    clients = clients_in_care_of(user)
    for word in query.split()[:5]:
        clients = clients.filter(
            Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(email__icontains=word)
            | Q(phone__icontains=word)
        )
    return clients.order_by("last_name", "first_name", "id")


def _book_initial(request) -> dict:
    initial = {}
    for key in ("therapist", "date", "time", "service"):
        if request.GET.get(key):
            initial[key] = request.GET[key]
    return initial


@front_desk
def book(request):
    """GET: the time picked on the board, a client search and a walk-in form. POST: book it,
    for the client chosen (`client`) or a new walk-in (`walk_in`)."""
    data = request.POST if request.method == "POST" else None
    form = BookForm(data, initial=_book_initial(request))
    walk_in = WalkInForm(data if data and "walk_in" in data else None, prefix="walk_in")
    search = ClientSearchForm(request.GET or None)
    found = []
    if search.is_valid() and search.cleaned_data["q"].strip():
        found = list(search_clients(request.user, search.cleaned_data["q"])[:SEARCH_LIMIT])
    chosen = None
    if request.GET.get("client", "").isdigit():
        chosen = Client.objects.filter(pk=int(request.GET["client"])).first()
    status = 200
    if data is not None:
        booking = _book(request, form, walk_in)
        if booking is not None:
            messages.success(
                request,
                _("Booked %(client)s with %(therapist)s.")
                % {"client": booking.client.full_name, "therapist": booking.therapist},
            )
            return redirect("staff:booking", booking_id=booking.pk)
        status = 400
        chosen = Client.objects.filter(pk=request.POST.get("client") or None).first()
    therapist = _chosen_therapist(form)
    services_offered = (
        therapist.services.filter(active=True) if therapist else Service.objects.filter(active=True)
    )
    form.fields["service"].queryset = services_offered
    if not form.is_bound and "service" not in form.initial:
        form.initial["service"] = services_offered.order_by("name", "id").first()
    return render(
        request,
        "staff/book.html",
        {
            "form": form,
            "walk_in": walk_in,
            "search": search,
            "found": found,
            "flags": active_flags_by_client([c.pk for c in found]),
            "chosen": chosen,
            "therapist": therapist,
        },
        status=status,
    )


def _chosen_therapist(form):
    value = form.data.get("therapist") if form.is_bound else form.initial.get("therapist")
    if str(value or "").isdigit():
        return Therapist.objects.filter(pk=int(value)).first()
    return None


def _book(request, form, walk_in):
    if not form.is_valid():
        return None
    data = form.cleaned_data
    try:
        with transaction.atomic():
            if "walk_in" in request.POST:
                if not walk_in.is_valid():
                    return None
                client = create_client(**walk_in.cleaned_data)
            else:
                client = (
                    clients_in_care_of(request.user)
                    .filter(
                        pk=request.POST.get("client")
                        if request.POST.get("client", "").isdigit()
                        else None
                    )
                    .first()
                )
                if client is None:
                    form.add_error(None, _("Choose a client, or add a walk-in client."))
                    return None
            return services.create_booking(
                client=client,
                therapist=data["therapist"],
                service=data["service"],
                start=data["start"],
                notes=data["notes"],
                actor=request.user,
            )
    except REFUSALS as exc:
        add_errors(form, exc)
        return None


def _free_times(booking, day) -> list:
    """Free starts for the booking's service that day, every therapist who offers it (the
    front desk may book inside the lead time)."""
    tz = Clinic.get().tz
    start = datetime.combine(day, time(0), tzinfo=tz)
    slots = available_slots(
        service=booking.service,
        start=start,
        end=start + timedelta(days=1),
        client_id=booking.client_id,
        for_staff=True,
    )
    return slots


def _visible_booking(request, booking_id: int):
    """The booking with its history and what its page shows, if the user may see it (404)."""
    return get_object_or_404(
        with_history(bookings_visible_to(request.user)).select_related(
            "client", "therapist", "service", "room"
        ),
        pk=booking_id,
    )


@staff_page
def booking(request, booking_id: int):
    """A booking's page: the front desk's, or the booking's therapist's (read and status)."""
    booking = _visible_booking(request, booking_id)
    return _booking_page(request, booking)


def _booking_page(request, booking, *, reschedule=None, cancel=None, status=200):
    tz = Clinic.get().tz
    local = booking.start.astimezone(tz)
    day = local.date()
    if request.GET.get("date"):
        with contextlib.suppress(ValueError):
            day = datetime.strptime(request.GET["date"], "%Y-%m-%d").date()
    may_move = refusal_for(request.user, "reschedule", booking) is None and booking.is_active
    slots = _free_times(booking, day) if may_move and booking.status != "checked_in" else []
    therapists = {t.pk: t for t in Therapist.objects.filter(pk__in={s.therapist_id for s in slots})}
    flags = active_flags_by_client([booking.client_id])[booking.client_id]
    return render(
        request,
        "staff/booking.html",
        {
            "booking": booking,
            "flags": flags,
            "actions": actions_for(booking),
            "events": list(booking.events.all()),
            "reminders": list(booking.reminders.all()),
            "notices": list(booking.notices.all()),
            "may_move": may_move and booking.status in ("requested", "confirmed"),
            "may_cancel": refusal_for(request.user, "cancel", booking) is None
            and booking.status in ("requested", "confirmed"),
            "reschedule": reschedule
            or RescheduleForm(
                prefix="move",
                initial={"therapist": booking.therapist_id, "date": day, "time": f"{local:%H:%M}"},
            ),
            "cancel": cancel or CancelForm(prefix="cancel"),
            "slots": [
                (
                    s,
                    therapists.get(s.therapist_id),
                    s.start.astimezone(tz),
                )
                for s in slots
            ],
            "slot_day": day,
        },
        status=status,
    )


@front_desk
def reschedule(request, booking_id: int):
    booking = _visible_booking(request, booking_id)
    if request.method != "POST":
        return redirect("staff:booking", booking_id=booking.pk)
    form = RescheduleForm(request.POST, prefix="move")
    if form.is_valid():
        try:
            services.reschedule_booking(
                booking,
                start=form.cleaned_data["start"],
                therapist=form.cleaned_data["therapist"],
                reason=form.cleaned_data["reason"],
                actor=request.user,
            )
        except REFUSALS as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Moved; the client is told."))
            return redirect("staff:booking", booking_id=booking.pk)
    return _booking_page(request, booking, reschedule=form, status=400)


@front_desk
def cancel(request, booking_id: int):
    booking = _visible_booking(request, booking_id)
    if request.method != "POST":
        return redirect("staff:booking", booking_id=booking.pk)
    form = CancelForm(request.POST, prefix="cancel")
    if form.is_valid():
        try:
            services.cancel_booking(
                booking,
                actor=request.user,
                reason=form.cleaned_data["reason"],
                initiated_by=form.cleaned_data["initiated_by"],
            )
        except REFUSALS as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Cancelled; the client is told."))
            return redirect("staff:booking", booking_id=booking.pk)
    return _booking_page(request, booking, cancel=form, status=400)
