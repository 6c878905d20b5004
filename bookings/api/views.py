from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.functional import cached_property
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
)
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from bookings import calendar, selectors, series, services, waitlist
from bookings.api.filters import BookingFilter
from bookings.api.permissions import refusal_for
from bookings.api.serializers import (
    AvailabilityQuerySerializer,
    AvailabilitySerializer,
    BookingCreateSerializer,
    BookingSerializer,
    CalendarLinkSerializer,
    CancelSerializer,
    RescheduleSerializer,
    RoomSerializer,
    SeriesCancelSerializer,
    SeriesConflictSerializer,
    SeriesCreatedSerializer,
    SeriesCreateSerializer,
    SeriesSerializer,
    WaitlistEntrySerializer,
    WaitlistOfferSerializer,
)
from bookings.models import Booking, BookingSeries, Room, WaitlistEntry, WaitlistOffer
from clients.models import Client
from clients.selectors import active_flags_by_client
from clinic.api.permissions import IsAdmin
from clinic.models import Clinic
from clinic.roles import Role, client_of, is_admin, role_of, therapist_of
from therapists.models import Therapist

STAFF_ROLES = (Role.ADMIN, Role.THERAPIST)


def clients_caller_acts_for(role, user, *, refused: str):
    """Whom the caller may book or wait-list for: an admin anyone, a client themself."""
    if role == Role.ADMIN:
        return Client.objects.all()
    if role == Role.CLIENT:
        return Client.objects.filter(pk=client_of(user).pk)
    raise PermissionDenied(refused)


def named_client(role, user, data: dict, *, missing: str):
    """The client a request is for: the one sent (admins must send one), else the caller."""
    client = data.pop("client", None) or (client_of(user) if role == Role.CLIENT else None)
    if client is None:
        raise ValidationError({"client": [missing]})
    return client


class ClinicTimeMixin:
    """Datetimes in and out in the clinic's time zone: answers carry its offset, and a naive
    datetime in a request is read as clinic time."""

    def initial(self, request, *args, **kwargs):
        self.clinic = Clinic.get()
        timezone.activate(self.clinic.tz)
        super().initial(request, *args, **kwargs)

    def dispatch(self, request, *args, **kwargs):
        try:
            return super().dispatch(request, *args, **kwargs)
        finally:
            timezone.deactivate()


class AvailabilityView(ClinicTimeMixin, APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        parameters=[AvailabilityQuerySerializer],
        responses=AvailabilitySerializer,
        description=(
            "Free slots of a service, for one therapist or every therapist who offers it. "
            "`start` and `end` are dates (end inclusive) or datetimes (end exclusive; naive = "
            "clinic time); the range may span at most 62 days. A slot lies inside the "
            "therapist's working hours, clear of time off and of other bookings (with the "
            "service's buffer), on the clinic's slot grid (local time), between the minimum "
            "lead time and the booking horizon. Times are in the clinic's time zone."
        ),
    )
    def get(self, request):
        query = AvailabilityQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        slots = selectors.available_slots(clinic=self.clinic, **query.validated_data)
        tz = self.clinic.tz
        # Hand-formatted (the same ISO 8601 the serializers write): thousands of slots.
        results = [
            {
                "therapist": slot.therapist_id,
                "start": slot.start.astimezone(tz).isoformat(),
                "end": slot.end.astimezone(tz).isoformat(),
            }
            for slot in slots
        ]
        return Response({"results": results})


BOOKING_DESCRIPTION = (
    "Bookings: admins see all, a therapist their own, a client their own. Datetimes are answered "
    "in the clinic's time zone; a naive datetime in a request is read as clinic time. A booking "
    "that collides with another (the therapist's, counting the service buffer, or the client's "
    "own) is refused with 409."
)


@extend_schema(description=BOOKING_DESCRIPTION)
class BookingViewSet(
    ClinicTimeMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = BookingSerializer
    filterset_class = BookingFilter
    ordering_fields = ["start", "created_at", "status", "id"]
    ordering = ["start", "id"]

    @property
    def throttle_scope(self):
        return "booking" if getattr(self, "action", None) == "create" else None

    @cached_property
    def role(self):
        """The caller's role, looked up once per request."""
        return role_of(self.request.user)

    def get_queryset(self):
        user = self.request.user
        role = self.role
        bookings = Booking.objects.all()
        if role == Role.ADMIN:
            pass
        elif role == Role.THERAPIST:
            bookings = bookings.filter(therapist=therapist_of(user))
        elif role == Role.CLIENT:
            bookings = bookings.filter(client=client_of(user))
        else:
            bookings = bookings.none()
        if role in STAFF_ROLES:
            bookings = selectors.with_history(bookings)
        return bookings

    def output(self, bookings, *, many=False, status_code=status.HTTP_200_OK):
        staff = self.role in STAFF_ROLES
        context = {"request": self.request, "staff": staff}
        if staff:
            items = bookings if many else [bookings]
            context["flags"] = active_flags_by_client({b.client_id for b in items})
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
    def create(self, request, *args, **kwargs):
        user = request.user
        role = self.role
        if role == Role.ADMIN:
            clients = Client.objects.all()
        elif role == Role.CLIENT:
            clients = Client.objects.filter(pk=client_of(user).pk)
        else:
            raise PermissionDenied("Bookings are made by clients and the clinic.")
        payload = BookingCreateSerializer(data=request.data, clients=clients)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        client = data.get("client") or (client_of(user) if role == Role.CLIENT else None)
        if client is None:
            raise ValidationError({"client": ["Say whom the booking is for."]})
        if data.get("room") is not None and role != Role.ADMIN:
            raise ValidationError({"room": ["Rooms are assigned by the clinic."]})
        booking = services.create_booking(
            client=client,
            therapist=data["therapist"],
            service=data["service"],
            start=data["start"],
            notes=data["notes"],
            actor=user,
            clinic=self.clinic,
            room=data.get("room"),
        )
        return self.output(self.get_queryset().get(pk=booking.pk), status_code=201)

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
        """Cancel (client: own future booking; admin). Inside the clinic's cancellation window
        the booking is marked `late_cancellation`."""
        booking = self.act("cancel")
        payload = CancelSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        return self.done(
            services.cancel_booking(
                booking, actor=request.user, reason=payload.validated_data["reason"]
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


@extend_schema(
    description=(
        "Treatment rooms and the services each suits. Any signed-in user reads them; admins "
        "create and change them (deactivate with `active: false`; rooms are never deleted, "
        "bookings keep theirs). Once any room is active, a booking needs a free room that "
        "suits its service, and availability offers only such slots."
    )
)
class RoomViewSet(viewsets.ModelViewSet):
    serializer_class = RoomSerializer
    http_method_names = ["get", "post", "put", "patch", "head", "options"]
    ordering_fields = ["name", "id"]
    ordering = ["name", "id"]
    search_fields = ["name"]

    def get_permissions(self):
        if self.request.method in permissions.SAFE_METHODS:
            return [permissions.IsAuthenticated()]
        return [IsAdmin()]

    def get_queryset(self):
        return Room.objects.prefetch_related("services")


class TherapistCalendarView(APIView):
    """A therapist's bookings as an iCalendar feed. Anyone with the private link (`token`)
    reads it, so calendar apps can subscribe; admins need no token. A wrong token is a 404."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(
        parameters=[OpenApiParameter("token", str, description="The therapist's private token")],
        responses={(200, "text/calendar"): OpenApiResponse(response=OpenApiTypes.STR)},
    )
    def get(self, request, pk: int):
        therapist = Therapist.objects.filter(pk=pk).first()
        token = request.query_params.get("token", "")
        allowed = therapist is not None and (
            is_admin(request.user)
            or (token and constant_time_compare(token, therapist.calendar_token))
        )
        if not allowed:
            raise NotFound()
        clinic = Clinic.get()
        body = calendar.therapist_feed(
            therapist,
            selectors.calendar_bookings(therapist),
            clinic_name=clinic.name,
            host=request.get_host().split(":")[0],
        )
        response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = f'inline; filename="therapist-{therapist.pk}.ics"'
        response["Cache-Control"] = "private, max-age=300"
        return response


class CalendarTokenView(APIView):
    """The therapist's private calendar link: GET shows it, POST rotates it (the old link stops
    working). The therapist themselves or an admin."""

    def therapist(self, request, pk: int) -> Therapist:
        therapist = get_object_or_404(Therapist, pk=pk)
        own = therapist_of(request.user)
        if not (is_admin(request.user) or (own is not None and own.pk == therapist.pk)):
            raise PermissionDenied("Only this therapist or an admin can see this link.")
        return therapist

    def link(self, request, therapist: Therapist) -> Response:
        url = request.build_absolute_uri(
            f"/api/v1/therapists/{therapist.pk}/calendar.ics?token={therapist.calendar_token}"
        )
        return Response(CalendarLinkSerializer({"calendar_url": url}).data)

    @extend_schema(request=None, responses=CalendarLinkSerializer)
    def get(self, request, pk: int):
        return self.link(request, self.therapist(request, pk))

    @extend_schema(request=None, responses=CalendarLinkSerializer)
    def post(self, request, pk: int):
        therapist = services.rotate_calendar_token(self.therapist(request, pk))
        return self.link(request, therapist)


SERIES_EXAMPLE = {
    "therapist": 3,
    "service": 2,
    "start": "2026-06-02T10:00",
    "every_weeks": 1,
    "count": 6,
    "mode": "book_what_fits",
}


@extend_schema(
    description=(
        "Recurring series: the same service with the same therapist every `every_weeks` weeks "
        "at the first visit's local wall time (it stays 10:00 across a daylight saving "
        "change), for `count` visits or until the date `until` (1 to 52 visits). Each visit is "
        "checked like a single booking. Seen like bookings: admins all, a therapist theirs, a "
        "client their own."
    )
)
class BookingSeriesViewSet(
    ClinicTimeMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = SeriesSerializer
    ordering_fields = ["created_at", "start", "id"]
    ordering = ["-created_at", "-id"]

    @property
    def throttle_scope(self):
        return "booking" if getattr(self, "action", None) == "create" else None

    @cached_property
    def role(self):
        return role_of(self.request.user)

    def get_queryset(self):
        user, role = self.request.user, self.role
        series = BookingSeries.objects.prefetch_related("bookings")
        if role == Role.ADMIN:
            return series
        if role == Role.THERAPIST:
            return series.filter(therapist=therapist_of(user))
        if role == Role.CLIENT:
            return series.filter(client=client_of(user))
        return series.none()

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "staff": False}

    @extend_schema(
        request=SeriesCreateSerializer,
        responses={
            201: SeriesCreatedSerializer,
            400: None,
            403: None,
            409: SeriesConflictSerializer,
        },
        examples=[
            OpenApiExample("Six weekly visits", value=SERIES_EXAMPLE, request_only=True),
            OpenApiExample(
                "Until a date, every two weeks",
                value={**SERIES_EXAMPLE, "count": None, "until": "2026-08-25", "every_weeks": 2},
                request_only=True,
            ),
            OpenApiExample(
                "One visit collided",
                value={
                    "id": 7,
                    "booked": [],
                    "collided": [
                        {
                            "start": "2026-06-16T10:00:00-04:00",
                            "reason": "This therapist is already booked then.",
                        }
                    ],
                },
                response_only=True,
                status_codes=["201"],
            ),
        ],
        description=(
            "Book a series in one request. A client books for themselves; an admin sends "
            "`client`. Give `count` (1-52) or `until` (a date; at most 52 visits). "
            "`mode: all_or_nothing` books every visit or none: any refused visit answers 409 "
            "with `collided`, and nothing is booked. `mode: book_what_fits` books the visits "
            "that can be booked and lists the others in `collided` with the reason (409 when "
            "none can)."
        ),
    )
    def create(self, request, *args, **kwargs):
        clients = clients_caller_acts_for(
            self.role, request.user, refused="Bookings are made by clients and the clinic."
        )
        payload = SeriesCreateSerializer(data=request.data, clients=clients)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        client = named_client(self.role, request.user, data, missing="Say whom the series is for.")
        try:
            result = series.create_series(
                client=client, actor=request.user, clinic=self.clinic, **data
            )
        except series.SeriesConflict as exc:
            body = {"detail": str(exc.detail), "collided": exc.collided}
            return Response(SeriesConflictSerializer(body).data, status=status.HTTP_409_CONFLICT)
        body = {"id": result.series.pk, "booked": result.booked, "collided": result.collided}
        context = self.get_serializer_context()
        return Response(SeriesCreatedSerializer(body, context=context).data, status=201)

    @extend_schema(
        request=SeriesCancelSerializer,
        responses={200: SeriesSerializer, 403: None},
        examples=[
            OpenApiExample(
                "The rest of the series",
                value={"from": "2026-07-01T00:00", "reason": "Moving away"},
                request_only=True,
            )
        ],
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Cancel the requested and confirmed visits starting at or after `from` (default now):
        the series' client (future visits only) or an admin. One visit alone is cancelled
        through its booking's cancel."""
        item = self.get_object()
        role = self.role
        if role not in (Role.ADMIN, Role.CLIENT):
            raise PermissionDenied("Only the series' client or the clinic can do this.")
        payload = SeriesCancelSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        now = timezone.now()
        since = payload.validated_data.get("from") or now
        if role == Role.CLIENT:
            since = max(since, now)
        series.cancel_series(
            item, since=since, actor=request.user, reason=payload.validated_data["reason"]
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=item.pk)).data)


def _scoped_entries(user, role):
    entries = WaitlistEntry.objects.all()
    if role == Role.ADMIN:
        return entries
    if role == Role.CLIENT:
        return entries.filter(client=client_of(user))
    return entries.none()


@extend_schema(
    description=(
        "The waitlist: a client waits for a service (optionally with one therapist) on local "
        "dates `earliest_date`..`latest_date`, on `weekdays` (0 = Monday; empty = any) with a "
        "start in [`time_from`, `time_to`). When a slot inside the window frees up "
        "(cancellation, reschedule, new working hours), the earliest waiting clients are "
        "offered it by email and at /api/v1/waitlist-offers/, held for them for the clinic's "
        "`waitlist_hold_minutes`; the first to accept gets it. A client sees and cancels their "
        "own entries; admins all (and join for a client with `client`)."
    )
)
class WaitlistEntryViewSet(
    ClinicTimeMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = WaitlistEntrySerializer
    ordering_fields = ["created_at", "id"]
    ordering = ["created_at", "id"]

    @cached_property
    def role(self):
        return role_of(self.request.user)

    def get_queryset(self):
        return _scoped_entries(self.request.user, self.role)

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
        clients = clients_caller_acts_for(
            self.role, request.user, refused="Clients and the clinic put people on the waitlist."
        )
        payload = WaitlistEntrySerializer(data=request.data, clients=clients)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        client = named_client(self.role, request.user, data, missing="Say who is waiting.")
        entry = waitlist.join(client=client, **data)
        return Response(WaitlistEntrySerializer(entry).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: WaitlistEntrySerializer, 400: None})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Leave the waitlist (its open offers end)."""
        entry = waitlist.leave(self.get_object())
        return Response(WaitlistEntrySerializer(entry).data)


@extend_schema(
    description=(
        "Offers of freed slots to waiting clients: a client sees their own, admins all. "
        "`accept` books the slot (409 if the offer expired, is no longer open, or another "
        "offered client accepted first); `decline` passes it to the next in line."
    )
)
class WaitlistOfferViewSet(ClinicTimeMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = WaitlistOfferSerializer
    ordering_fields = ["created_at", "start", "id"]
    ordering = ["-created_at", "-id"]

    @cached_property
    def role(self):
        return role_of(self.request.user)

    def get_queryset(self):
        entries = _scoped_entries(self.request.user, self.role)
        return WaitlistOffer.objects.filter(entry__in=entries).select_related("entry__service")

    @extend_schema(request=None, responses={201: BookingSerializer, 404: None, 409: None})
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        """Book the offered slot (the booking starts as `requested`)."""
        booking = waitlist.accept(self.get_object(), actor=request.user)
        context = {"request": request, "staff": False}
        return Response(BookingSerializer(booking, context=context).data, status=201)

    @extend_schema(request=None, responses={200: WaitlistOfferSerializer, 409: None})
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        """Say no: the slot goes to the next in line."""
        offer = waitlist.decline(self.get_object())
        return Response(self.get_serializer(self.get_queryset().get(pk=offer.pk)).data)
