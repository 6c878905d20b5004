import csv
import io

from django.http import Http404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import renderers, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from clinic.api.fields import REPORTS, DayField
from clinic.api.permissions import IsAdmin
from clinic.models import Clinic
from reports.selectors import MAX_RANGE, PERIODS, ROW_FIELDS, ReportRange, clinic_report
from therapists.models import Therapist


class CSVRenderer(renderers.BaseRenderer):
    """The report's per-period, per-therapist rows as CSV (`?format=csv`)."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        out = io.StringIO()
        writer = csv.writer(out)
        if isinstance(data, dict) and "rows" in data:
            fields = [*ROW_FIELDS, "utilisation", "no_show_rate", "late_cancellation_rate"]
            writer.writerow(fields)
            for row in data["rows"]:
                writer.writerow([row[field] for field in fields])
        else:  # an error: field, message
            for field, messages in (data or {}).items():
                for message in messages if isinstance(messages, list) else [messages]:
                    writer.writerow([field, message])
        return out.getvalue().encode(self.charset)


class ReportQuerySerializer(serializers.Serializer):
    start = DayField(window=REPORTS, required=False, help_text="First day (clinic time), inclusive")
    end = DayField(window=REPORTS, required=False, help_text="Last day (clinic time), inclusive")
    period = serializers.ChoiceField(choices=PERIODS, default="month")
    therapist = serializers.PrimaryKeyRelatedField(
        queryset=Therapist.objects.all(), required=False, allow_null=True
    )

    def validate(self, attrs):
        today = timezone.localdate(timezone=self.context["tz"])
        attrs.setdefault("end", today)
        attrs.setdefault("start", attrs["end"].replace(day=1))
        if attrs["end"] < attrs["start"]:
            raise serializers.ValidationError({"end": ["The end must not be before the start."]})
        if attrs["end"] - attrs["start"] >= MAX_RANGE:
            raise serializers.ValidationError(
                {"end": ["A report covers at most two years; narrow the range."]}
            )
        return attrs


class ReportRowSerializer(serializers.Serializer):
    period = serializers.DateField()
    therapist = serializers.IntegerField()
    therapist_name = serializers.CharField()
    bookings = serializers.IntegerField()
    completed = serializers.IntegerField()
    cancelled = serializers.IntegerField()
    late_cancellations = serializers.IntegerField()
    clinic_cancellations = serializers.IntegerField(
        help_text="Cancellations the clinic initiated (never late)."
    )
    no_shows = serializers.IntegerField()
    booked_minutes = serializers.IntegerField()
    working_minutes = serializers.IntegerField()
    revenue = serializers.DecimalField(max_digits=12, decimal_places=2)
    utilisation = serializers.FloatField(allow_null=True)
    no_show_rate = serializers.FloatField(allow_null=True)
    late_cancellation_rate = serializers.FloatField(allow_null=True)


class ReportTotalsSerializer(ReportRowSerializer):
    period = None
    therapist = None
    therapist_name = None


class BreakdownSerializer(serializers.Serializer):
    service = serializers.IntegerField(required=False)
    service__name = serializers.CharField(required=False)
    service__modality = serializers.CharField()
    bookings = serializers.IntegerField()
    completed = serializers.IntegerField()
    no_shows = serializers.IntegerField()
    cancelled = serializers.IntegerField()
    revenue = serializers.DecimalField(max_digits=12, decimal_places=2)


class ClientMixSerializer(serializers.Serializer):
    new = serializers.IntegerField()
    returning = serializers.IntegerField()


class ReportSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    period = serializers.CharField()
    timezone = serializers.CharField()
    rows = ReportRowSerializer(many=True)
    totals = ReportTotalsSerializer()
    by_service = BreakdownSerializer(many=True)
    by_modality = BreakdownSerializer(many=True)
    clients = ClientMixSerializer()


ROW_EXAMPLE = {
    "bookings": 14,
    "completed": 11,
    "cancelled": 2,
    "late_cancellations": 1,
    "clinic_cancellations": 0,
    "no_shows": 1,
    "booked_minutes": 840,
    "working_minutes": 1200,
    "revenue": "1045.00",
    "utilisation": 0.7,
    "no_show_rate": 0.0714,
    "late_cancellation_rate": 0.0714,
}
BREAKDOWN_EXAMPLE = {
    "service": 2,
    "service__name": "Trigger point therapy, 60 min",
    "service__modality": "trigger_point",
    "bookings": 14,
    "completed": 11,
    "no_shows": 1,
    "cancelled": 2,
    "revenue": "1045.00",
}
BY_SERVICE_ONLY = ("service", "service__name")
REPORT_EXAMPLE = {
    "start": "2026-03-01",
    "end": "2026-03-31",
    "period": "week",
    "timezone": "America/Toronto",
    "rows": [
        {"period": "2026-03-02", "therapist": 1, "therapist_name": "Tess", **ROW_EXAMPLE},
    ],
    "totals": ROW_EXAMPLE,
    "by_service": [BREAKDOWN_EXAMPLE],
    "by_modality": [
        {key: value for key, value in BREAKDOWN_EXAMPLE.items() if key not in BY_SERVICE_ONLY}
    ],
    "clients": {"new": 3, "returning": 8},
}
VALIDATION_ERROR_REF = {"$ref": "#/components/schemas/ValidationError"}


class ReportView(APIView):
    """Clinic report for admins: per period and therapist, utilisation, bookings by service and
    modality, no-show and late-cancellation rates, revenue, new versus returning clients.
    `?format=csv` gives the per-period rows as CSV."""

    permission_classes = [IsAdmin]
    renderer_classes = [renderers.JSONRenderer, renderers.BrowsableAPIRenderer, CSVRenderer]

    def perform_content_negotiation(self, request, force=False):
        # DRF answers an unknown `?format=` with a 404; it is a bad parameter, a 400 naming it.
        try:
            return super().perform_content_negotiation(request, force=force)
        except Http404:
            raise ValidationError({"format": ["Give `json` or `csv`."]}) from None

    @extend_schema(
        parameters=[ReportQuerySerializer],
        responses={
            (200, "application/json"): ReportSerializer,
            (200, "text/csv"): OpenApiResponse(
                OpenApiTypes.STR, description="`?format=csv`: the rows, one a line, with a header."
            ),
            (400, "application/json"): OpenApiResponse(VALIDATION_ERROR_REF),
            (400, "text/csv"): OpenApiResponse(
                OpenApiTypes.STR, description="`?format=csv`: `field,message` lines."
            ),
        },
        examples=[
            OpenApiExample(
                "March by week",
                summary="GET /api/v1/reports/?start=2026-03-01&end=2026-03-31&period=week",
                value=REPORT_EXAMPLE,
                response_only=True,
                status_codes=["200"],
                media_type="application/json",
            )
        ],
    )
    def get(self, request):
        tz = Clinic.get().tz
        query = ReportQuerySerializer(data=request.query_params, context={"tz": tz})
        query.is_valid(raise_exception=True)
        params = query.validated_data
        therapist = params.get("therapist")
        report = clinic_report(
            ReportRange(params["start"], params["end"], tz),
            params["period"],
            therapist.pk if therapist else None,
        )
        return Response(ReportSerializer(report).data)
