"""A waitlist offer's page, from the signed link in its email or signed in: accept it (a
booking, by waitlist.services.accept) or decline it."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from clinic import links
from clinic.errors import Conflict
from clinic.models import Clinic
from portal.access import offer_access
from waitlist import services as waitlist_services
from waitlist.models import OfferStatus
from web.http import personal


@personal
@require_http_methods(["GET", "POST"])
def offer(request, pk: int):
    access = offer_access(request, pk)
    offer = access.obj
    clinic = Clinic.get()
    if request.method == "POST":
        answer = request.POST.get("answer")
        try:
            if answer == "accept":
                booking = waitlist_services.accept(offer, actor=access.actor)
                messages.success(request, _("It is yours: the visit is booked."))
                if access.token:  # not signed in: the new visit's own link opens it
                    return redirect(links.visit_path(booking))
                return redirect("portal:visit", booking.pk)
            if answer == "decline":
                waitlist_services.decline(offer)
                messages.success(request, _("Thank you: the time goes to the next in line."))
        except Conflict as exc:
            messages.error(request, exc.message)
        return redirect(reverse("portal:offer", args=[pk]) + access.query)
    open_now = offer.status == OfferStatus.OFFERED and offer.hold_until > timezone.now()
    service = offer.entry.service
    return render(
        request,
        "portal/offer.html",
        {
            "offer": offer,
            "access": access,
            "service": service,
            "start": timezone.localtime(offer.start, clinic.tz),
            "end": timezone.localtime(offer.start + service.duration, clinic.tz),
            "hold_until": timezone.localtime(offer.hold_until, clinic.tz),
            "open_now": open_now,
        },
    )
