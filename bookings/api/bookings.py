"""`/bookings/`: the booking lifecycle over HTTP (list, read, book, and the state machine's
actions). Who sees a booking is `selectors.bookings_visible_to`; who may act on it is
`permissions.refusal_for`; every change goes through `bookings.services`."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from bookings import selectors, services
from bookings.api.common import STAFF_ROLES, ForClientMixin
from bookings.api.filters import BookingFilter
from bookings.api.permissions import refusal_for
from bookings.api.serializers import (
    BookingCreateSerializer,
    BookingSerializer,
    CancelSerializer,
    RescheduleSerializer,
)
from bookings.models import CancelledBy
from clients.selectors import active_flags_by_client
from clinic.api.idempotency import idempotent
from clinic.roles import Role
from clinic.transactions import retried_atomic

BOOKING_DESCRIPTION = (
    "Bookings: admins see all, a therapist their own, a client their own. Datetimes are answered "
    "in the clinic's time zone; a naive datetime in a request is read as clinic time. A booking "
    "that collides with another (the therapist's, counting the service buffer, or the client's "
    "own) is refused with 409."
)


@extend_schema(description=BOOKING_DESCRIPTION)
class BookingViewSet(
    ForClientMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = BookingSerializer
    filterset_class = BookingFilter
    create_throttle_scope = "booking"
    refused_message = "Bookings are made by clients and the clinic."
    missing_client_message = "Say whom the booking is for."
    ordering_fields = ["start", "created_at", "status", "id"]
    ordering = ["start", "id"]
    search_fields = [
        "client__first_name",
        "client__last_name",
        "therapist__display_name",
        "service__name",
    ]

    def get_queryset(self):
        bookings = selectors.bookings_visible_to(self.request.user)
        if self.role in STAFF_ROLES:
            bookings = selectors.with_history(bookings)
        return bookings

    def output(self, bookings, *, many=False, status_code=status.HTTP_200_OK):
        staff = self.role in STAFF_ROLES
        context = {"request": self.request, "staff": staff}
        if staff:
            items = bookings if many else [bookings]
            context["flags"] = active_flags_by_client(
                {b.client_id for b in items}, viewer=self.request.user
            )
        data = BookingSerializer(bookings, many=many, context=context).data
        return data if many else Response(data, status=status_code)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.output(page, many=True))

    def retrieve(self, request, *args, **kwargs):
        return self.output(self.get_object())

    @extend_schema(
        request=BookingCreateSerializer,
        responses={201: BookingSerializer, 400: None, 403: None, 409: None},
        description=(
            "A client books for themselves (leave out `client`); an admin sends `client`. "
            "Therapists do not create bookings. The booking starts as `requested`. "
            "`start` without an offset is read as clinic time. When the clinic has treatment "
            "rooms the booking also holds one: the first free room that suits the service "
            "(by name), or the `room` an admin names (400 if it does not suit the service); "
            "409 when no suitable room is free."
        ),
    )
    @idempotent
    def create(self, request, *args, **kwargs):
        booking = self.book(request)
        # The service's instance is the saved row (nothing is computed by the database), so
        # it is answered without reading it back; staff also see its history.
        if self.role in STAFF_ROLES:
            selectors.load_history([booking])
        return self.output(booking, status_code=201)

    @retried_atomic
    def book(self, request):
        """The payload checked and booked in one transaction, whose first statement reads the
        therapist, the service and the clinic and holds the first two (the booking's hold,
        `selectors.held_booking_request_rows`): one statement instead of three and the
        hold's own. Ids that are not plain integers are looked up by the validation, and
        the service holds the rows itself."""
        body = request.data if isinstance(request.data, dict) else {}
        held = selectors.held_booking_request_rows(body.get("therapist"), body.get("service"))
        therapist, service, rooms_in_use = held or (None, None, None)
        client, data = self.payload_for_client(
            BookingCreateSerializer, known=(therapist, service) if held else ()
        )
        if data.get("room") is not None and self.role != Role.ADMIN:
            raise ValidationError({"room": ["Rooms are assigned by the clinic."]})
        return services.book(
            client=client,
            therapist=data["therapist"],
            service=data["service"],
            start=data["start"],
            notes=data["notes"],
            actor=request.user,
            room=data.get("room"),
            rooms_in_use=rooms_in_use,
        )

    def act(self, action_name: str):
        booking = self.get_object()
        why_not = refusal_for(self.request.user, action_name, booking, role=self.role)
        if why_not:
            raise PermissionDenied(why_not)
        return booking

    def done(self, booking):
        return self.output(self.get_queryset().get(pk=booking.pk))

    @extend_schema(request=CancelSerializer, responses=BookingSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Cancel (client: own future booking; admin, saying with `initiated_by` whether the
        client or the clinic asked). A client's cancellation inside the clinic's cancellation
        window is marked `late_cancellation`; the clinic's never is."""
        booking = self.act("cancel")
        payload = CancelSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        initiated_by = None  # the service decides: a client cancelling online is the client
        if self.role == Role.ADMIN:
            initiated_by = data.get("initiated_by", CancelledBy.CLINIC)
        return self.done(
            services.cancel_booking(
                booking, actor=request.user, reason=data["reason"], initiated_by=initiated_by
            )
        )

    @extend_schema(request=None, responses=BookingSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        """requested -> confirmed (the booking's therapist, admin)."""
        return self.done(services.confirm_booking(self.act("confirm"), actor=request.user))

    @extend_schema(request=None, responses=BookingSerializer)
    @action(detail=True, methods=["post"], url_path="check-in")
    def check_in(self, request, pk=None):
        """requested/confirmed -> checked_in (the booking's therapist, admin)."""
        return self.done(services.check_in_booking(self.act("check_in"), actor=request.user))

    @extend_schema(request=None, responses=BookingSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        """checked_in -> completed (the booking's therapist, admin)."""
        return self.done(services.complete_booking(self.act("complete"), actor=request.user))

    @extend_schema(request=None, responses=BookingSerializer)
    @action(detail=True, methods=["post"], url_path="no-show")
    def no_show(self, request, pk=None):
        """requested/confirmed -> no_show, after the start time (the booking's therapist,
        admin)."""
        return self.done(services.mark_no_show(self.act("no_show"), actor=request.user))

    @extend_schema(
        request=RescheduleSerializer, responses={200: BookingSerializer, 400: None, 409: None}
    )
    @action(detail=True, methods=["post"])
    def reschedule(self, request, pk=None):
        """Move to a new `start` (and optionally `therapist`): client (own future booking),
        admin. Same id and history; the new time is checked like a new booking."""
        booking = self.act("reschedule")
        payload = RescheduleSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        return self.done(
            services.reschedule_booking(
                booking,
                start=data["start"],
                therapist=data.get("therapist"),
                reason=data["reason"],
                actor=request.user,
            )
        )
