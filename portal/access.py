"""Who may see a visit or an offer on the portal: the signed-in client it belongs to (the same
selectors as the API), or whoever holds the signed link mailed about it. Anything else is a
404, so a stranger cannot even tell that it exists."""

from dataclasses import dataclass

from django.http import Http404

from bookings.models import Booking
from bookings.selectors import bookings_visible_to
from clinic import links
from clinic.roles import Role, client_of, role_of
from waitlist.models import WaitlistOffer
from waitlist.selectors import offers_visible_to

VISIT_RELATED = ("service", "therapist", "client", "client__user")


@dataclass
class Access:
    obj: object
    token: str  # the link's proof, carried on to the page's own links and forms ("" if none)
    actor: object  # who acts: the signed-in user, or the client's login behind a link

    @property
    def query(self) -> str:
        return f"?k={self.token}" if self.token else ""


def current_client(request):
    return client_of(request.user) if role_of(request.user) == Role.CLIENT else None


def _token(request) -> str:
    return str(request.GET.get("k") or request.POST.get("k") or "")


def visit_access(request, pk: int, *, for_update: bool = False) -> Access:
    token = _token(request)
    if token and links.token_grants(links.VISIT, pk, token):
        booking = Booking.objects.select_related(*VISIT_RELATED).filter(pk=pk).first()
        if booking is None:
            raise Http404
        signed_in_as_client = current_client(request) == booking.client
        actor = request.user if signed_in_as_client else booking.client.user
        return Access(booking, token, actor)
    if not request.user.is_authenticated:
        raise Http404  # a bad or expired link says nothing more than a wrong address
    booking = bookings_visible_to(request.user).select_related(*VISIT_RELATED).filter(pk=pk).first()
    if booking is None or booking.client != current_client(request):
        raise Http404  # the portal shows a client their own visits (staff have their screens)
    return Access(booking, "", request.user)


def offer_access(request, pk: int) -> Access:
    related = ("entry__client__user", "entry__service", "therapist", "booking")
    token = _token(request)
    if token and links.token_grants(links.OFFER, pk, token):
        offer = WaitlistOffer.objects.select_related(*related).filter(pk=pk).first()
        if offer is None:
            raise Http404
        client = offer.entry.client
        actor = request.user if current_client(request) == client else client.user
        return Access(offer, token, actor)
    if not request.user.is_authenticated or current_client(request) is None:
        raise Http404
    offer = offers_visible_to(request.user).select_related(*related).filter(pk=pk).first()
    if offer is None:
        raise Http404
    return Access(offer, "", request.user)
