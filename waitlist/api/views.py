"""`/waitlist/` and `/waitlist-offers/`: joining and leaving the waitlist, answering offers."""

from django.urls import reverse
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from bookings.api.common import ForClientMixin
from bookings.api.serializers import BookingSerializer
from clinic.api.idempotency import idempotent
from waitlist import selectors, services
from waitlist.api.serializers import WaitlistEntrySerializer, WaitlistOfferSerializer


@extend_schema(
    description=(
        "The waitlist: a client waits for a service (optionally with one therapist) on local "
        "dates `earliest_date`..`latest_date`, on `weekdays` (0 = Monday; empty = any) with a "
        "start in [`time_from`, `time_to`). When a slot inside the window frees up "
        "(cancellation, reschedule, new working hours), the earliest waiting clients are "
        "offered it by email (and SMS when the clinic sends SMS and the client has a phone) "
        "and at /api/v1/waitlist-offers/, held for them for the clinic's "
        "`waitlist_hold_minutes`; the first to accept gets it. A client sees and cancels their "
        "own entries; admins all (and join for a client with `client`)."
    )
)
class WaitlistEntryViewSet(
    ForClientMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = WaitlistEntrySerializer
    refused_message = "Clients and the clinic put people on the waitlist."
    missing_client_message = "Say who is waiting."
    ordering_fields = ["created_at", "id"]
    ordering = ["created_at", "id"]

    def get_queryset(self):
        return selectors.entries_visible_to(self.request.user)

    @extend_schema(
        request=WaitlistEntrySerializer,
        responses={201: WaitlistEntrySerializer, 400: None, 403: None},
        examples=[
            OpenApiExample(
                "Weekday mornings in June",
                value={
                    "service": 2,
                    "earliest_date": "2026-06-01",
                    "latest_date": "2026-06-30",
                    "weekdays": [0, 1, 2, 3, 4],
                    "time_from": "08:00",
                    "time_to": "12:00",
                },
                request_only=True,
            )
        ],
    )
    def create(self, request, *args, **kwargs):
        client, data = self.payload_for_client(WaitlistEntrySerializer)
        entry = services.join(client=client, **data)
        return Response(WaitlistEntrySerializer(entry).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: WaitlistEntrySerializer, 400: None})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Leave the waitlist (its open offers end)."""
        entry = services.leave(self.get_object())
        return Response(WaitlistEntrySerializer(entry).data)


@extend_schema(
    description=(
        "Offers of freed slots to waiting clients: a client sees their own, admins all. "
        "`accept` books the slot (409 if the offer expired, is no longer open, or another "
        "offered client accepted first); `decline` passes it to the next in line."
    )
)
class WaitlistOfferViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = WaitlistOfferSerializer
    ordering_fields = ["created_at", "start", "id"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        return selectors.offers_visible_to(self.request.user).select_related("entry__service")

    @extend_schema(request=None, responses={201: BookingSerializer, 404: None, 409: None})
    @action(detail=True, methods=["post"])
    @idempotent
    def accept(self, request, pk=None):
        """Book the offered slot (the booking starts as `requested`)."""
        booking = services.accept(self.get_object(), actor=request.user)
        context = {"request": request, "staff": False}
        location = request.build_absolute_uri(reverse("booking-detail", args=[booking.pk]))
        return Response(
            BookingSerializer(booking, context=context).data,
            status=201,
            headers={"Location": location},
        )

    @extend_schema(request=None, responses={200: WaitlistOfferSerializer, 409: None})
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        """Say no: the slot goes to the next in line."""
        offer = services.decline(self.get_object())
        return Response(self.get_serializer(self.get_queryset().get(pk=offer.pk)).data)
