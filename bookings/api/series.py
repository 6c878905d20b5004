"""`/booking-series/`: recurring series, each visit booked through the one booking path."""

from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from bookings import selectors, series
from bookings.api.common import ForClientMixin
from bookings.api.serializers import (
    SeriesCancelSerializer,
    SeriesConflictSerializer,
    SeriesCreatedSerializer,
    SeriesCreateSerializer,
    SeriesSerializer,
)
from bookings.models import CancelledBy
from clinic.api.idempotency import idempotent
from clinic.roles import Role

SERIES_EXAMPLE = {
    "therapist": 3,
    "service": 2,
    "start": "2026-06-02T10:00:00-04:00",
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
    ForClientMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = SeriesSerializer
    create_throttle_scope = "booking"
    refused_message = "Bookings are made by clients and the clinic."
    missing_client_message = "Say whom the series is for."
    ordering_fields = ["created_at", "start", "id"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        return selectors.series_visible_to(self.request.user).prefetch_related("bookings")

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
                value={
                    **{key: value for key, value in SERIES_EXAMPLE.items() if key != "count"},
                    "until": "2026-08-25",
                    "every_weeks": 2,
                },
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
    @idempotent
    def create(self, request, *args, **kwargs):
        client, data = self.payload_for_client(SeriesCreateSerializer)
        try:
            result = series.create_series(client=client, actor=request.user, **data)
        except series.SeriesConflict as exc:
            body = {"detail": str(exc), "conflict": exc.code, "collided": exc.collided}
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
                value={"from": "2026-07-01T00:00:00-04:00", "reason": "Moving away"},
                request_only=True,
            )
        ],
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Cancel the requested and confirmed visits starting at or after `from` (required):
        the series' client (future visits only) or an admin. One visit alone is cancelled
        through its booking's cancel."""
        item = self.get_object()
        role = self.role
        if role not in (Role.ADMIN, Role.CLIENT):
            raise PermissionDenied("Only the series' client or the clinic can do this.")
        payload = SeriesCancelSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        now = timezone.now()
        since = payload.validated_data["from"]
        if role == Role.CLIENT:
            since = max(since, now)
        initiated_by = None  # the service decides: a client cancelling online is the client
        if role == Role.ADMIN:
            initiated_by = payload.validated_data.get("initiated_by", CancelledBy.CLINIC)
        series.cancel_series(
            item,
            since=since,
            actor=request.user,
            reason=payload.validated_data["reason"],
            initiated_by=initiated_by,
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=item.pk)).data)
