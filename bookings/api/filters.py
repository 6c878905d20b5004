from datetime import timedelta

import django_filters

from bookings.api.serializers import local_midnight
from bookings.models import Booking, BookingStatus
from clinic.api.fields import DayFilter, FilterSet, IdFilter, InstantFilter


class BookingFilter(FilterSet):
    """Ids are plain numbers, not validated choices: filtering by a record the caller may not
    see gives an empty list, never a hint that it exists."""

    therapist = IdFilter(field_name="therapist_id")
    client = IdFilter(field_name="client_id")
    service = IdFilter(field_name="service_id")
    status = django_filters.MultipleChoiceFilter(choices=BookingStatus.choices)
    start_after = InstantFilter(
        field_name="start", lookup_expr="gte", label="Starting at or after (naive = clinic time)"
    )
    start_before = InstantFilter(
        field_name="start", lookup_expr="lt", label="Starting before (naive = clinic time)"
    )
    date_from = DayFilter(method="filter_date_from", label="On or after this day")
    date_to = DayFilter(method="filter_date_to", label="On or before this day")

    class Meta:
        model = Booking
        fields = ["therapist", "client", "service", "status"]

    def filter_date_from(self, queryset, name, value):
        return queryset.filter(start__gte=local_midnight(value))

    def filter_date_to(self, queryset, name, value):
        return queryset.filter(start__lt=local_midnight(value + timedelta(days=1)))
