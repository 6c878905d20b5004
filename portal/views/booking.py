"""Book: service, then therapist or anyone, then a week of free times, then sign in or
register, then (before a first visit) the intake, then review and confirm. The choice waits
in the session between steps; the booking is made by bookings.services.create_booking, the
same call the API makes, which checks the time again."""

from datetime import date, datetime, timedelta
from itertools import groupby

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bookings import services as booking_services
from clients.selectors import latest_intake_of
from clinic.errors import Conflict
from clinic.models import Clinic, Modality, Service
from portal import slots
from portal.access import current_client
from portal.forms import RegisterForm
from portal.views.common import client_required, say_conflict
from therapists.models import Therapist
from web.forms import SignInForm
from web.http import no_store, throttle_wait

DRAFT = "portal.booking"


def active_services():
    return Service.objects.filter(active=True).order_by("modality", "duration_minutes", "name")


def by_modality(services):
    labels = dict(Modality.choices)
    return [
        {"modality": key, "label": labels.get(key, key), "services": list(group)}
        for key, group in groupby(services, key=lambda s: s.modality)
    ]


def choose_service(request):
    return render(
        request,
        "portal/book/service.html",
        {"groups": by_modality(active_services()), "step": 1},
    )


def _week_start(request, clinic) -> date:
    today = slots.today(clinic)
    try:
        asked = date.fromisoformat(request.GET.get("week", ""))
    except ValueError:
        asked = today
    return max(asked, today)


def _therapist_choice(request, service, default=None):
    """The service's therapists, and the one asked for (`?therapist=`; `any` or nobody
    known: None, anyone available; not asked: `default`)."""
    therapists = list(
        Therapist.objects.filter(active=True, services=service).order_by("display_name", "id")
    )
    wanted = request.GET.get("therapist") or (str(default.pk) if default else slots.ANY)
    chosen = next((t for t in therapists if str(t.pk) == wanted), None)
    return therapists, chosen


def times_context(
    request, service, *, clinic, client_id=None, exclude_start=None, default_therapist=None
):
    """What the week picker shows: therapists, the week's days and times, prev/next. The
    therapist shown first is `default_therapist` (a visit being moved: its own), else anyone."""
    therapists, chosen = _therapist_choice(request, service, default_therapist)
    first_day = _week_start(request, clinic)
    today = slots.today(clinic)
    if request.GET.get("first"):
        slot = slots.first_free(
            service=service, therapist=chosen, clinic=clinic, client_id=client_id
        )
        if slot is not None:
            first_day = timezone.localtime(slot.start, clinic.tz).date()
    days = slots.week(
        service=service,
        therapist=chosen,
        first_day=first_day,
        clinic=clinic,
        client_id=client_id,
        exclude_start=exclude_start,
    )
    horizon = today + timedelta(days=clinic.booking_horizon_days)
    return {
        "service": service,
        "therapists": therapists,
        "chosen": chosen,
        "days": days,
        "any_free": any(day.choices for day in days),
        "week": first_day,
        "week_end": first_day + timedelta(days=slots.DAYS - 1),
        "prev_week": (first_day - timedelta(days=slots.DAYS)) if first_day > today else None,
        "next_week": (first_day + timedelta(days=slots.DAYS))
        if first_day + timedelta(days=slots.DAYS) <= horizon
        else None,
        "therapist_param": str(chosen.pk) if chosen else slots.ANY,
    }


def choose_time(request, service_id: int):
    service = get_object_or_404(active_services(), pk=service_id)
    clinic = Clinic.get()
    client = current_client(request)
    context = times_context(
        request, service, clinic=clinic, client_id=client.pk if client else None
    )
    context.update(step=2, action=reverse("portal:book-hold", args=[service.pk]))
    response = render(request, "portal/book/times.html", context)
    return no_store(response) if request.user.is_authenticated else response


@require_POST
def hold_time(request, service_id: int):
    """Keep the chosen time in the session (checked free now; checked again on booking)."""
    service = get_object_or_404(active_services(), pk=service_id)
    clinic = Clinic.get()
    parsed = slots.parse_value(request.POST.get("slot", ""))
    back = reverse("portal:book-times", args=[service.pk])
    if parsed is None:
        messages.error(request, _("Choose a time first."))
        return redirect(back)
    therapist_id, start = parsed
    client = current_client(request)
    slot = slots.free_at(
        service=service,
        therapist_id=therapist_id,
        start=start,
        clinic=clinic,
        client_id=client.pk if client else None,
    )
    if slot is None:
        messages.error(request, _("That time has just been taken. Please choose another."))
        return redirect(back)
    request.session[DRAFT] = {
        "service": service.pk,
        "therapist": slot.therapist_id,
        "start": int(slot.start.timestamp()),
        "anyone": therapist_id is None,
    }
    return redirect("portal:book-review")


def load_draft(request):
    """(service, therapist, start) of the booking being made, or None."""
    draft = request.session.get(DRAFT)
    if not draft:
        return None
    service = active_services().filter(pk=draft.get("service")).first()
    therapist = Therapist.objects.filter(pk=draft.get("therapist"), active=True).first()
    if service is None or therapist is None:
        return None
    start = datetime.fromtimestamp(draft["start"], tz=timezone.get_current_timezone())
    return service, therapist, start


def account_step(request):
    """Sign in, or register, without losing the chosen time."""
    if current_client(request) is not None:
        return redirect("portal:book-review")
    if load_draft(request) is None:
        return redirect("portal:book")
    register = RegisterForm(auto_id="register_%s")  # beside the sign-in form: ids apart
    return no_store(
        render(
            request,
            "portal/book/account.html",
            {
                "sign_in_form": SignInForm(request),
                "register_form": register,
                "next": reverse("portal:book-review"),
                "step": 3,
            },
        )
    )


def review(request):
    draft = load_draft(request)
    if draft is None:
        messages.info(request, _("Choose a service and a time to book."))
        return redirect("portal:book")
    if not request.user.is_authenticated:
        return redirect("portal:book-account")
    client = current_client(request)
    if client is None:
        return no_store(render(request, "portal/not_a_client.html", status=403))
    if latest_intake_of(client) is None:
        return redirect(f"{reverse('portal:intake-new')}?next={reverse('portal:book-review')}")
    service, therapist, start = draft
    clinic = Clinic.get()
    return no_store(
        render(
            request,
            "portal/book/review.html",
            {
                "service": service,
                "therapist": therapist,
                "start": timezone.localtime(start, clinic.tz),
                "end": timezone.localtime(start + service.duration, clinic.tz),
                "step": 5,
            },
        )
    )


@require_POST
@client_required
def confirm(request):
    draft = load_draft(request)
    if draft is None:
        return redirect("portal:book")
    if throttle_wait(request, "booking") is not None:  # the API's booking throttle, shared
        return no_store(
            render(
                request,
                "portal/message.html",
                {
                    "title": _("Please wait"),
                    "message": _(
                        "Too many bookings from your account just now. Try again in a minute."
                    ),
                },
                status=429,
            )
        )
    service, therapist, start = draft
    notes = str(request.POST.get("notes", ""))[:2000]
    if any(ord(c) < 32 and c not in "\n\r\t" for c in notes):
        messages.error(request, _("The note has characters we cannot keep; please retype it."))
        return redirect("portal:book-review")
    try:
        booking = booking_services.create_booking(
            client=request.client,
            therapist=therapist,
            service=service,
            start=start,
            notes=notes,
            actor=request.user,
        )
    except Conflict as exc:
        say_conflict(request, exc)
        return redirect("portal:book-times", service.pk)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("portal:book-times", service.pk)
    request.session.pop(DRAFT, None)
    return redirect(f"{reverse('portal:visit', args=[booking.pk])}?booked=1")
