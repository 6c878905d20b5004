import django_filters

from clinic.api.fields import FilterSet, StrictBooleanFilter
from clinic.models import Modality, Service


class ServiceFilter(FilterSet):
    modality = django_filters.ChoiceFilter(choices=Modality.choices)
    active = StrictBooleanFilter()
    duration_minutes = django_filters.NumberFilter(help_text="Exactly this many minutes.")
    min_duration = django_filters.NumberFilter(
        field_name="duration_minutes", lookup_expr="gte", help_text="At least this many minutes."
    )
    max_duration = django_filters.NumberFilter(
        field_name="duration_minutes", lookup_expr="lte", help_text="At most this many minutes."
    )

    class Meta:
        model = Service
        fields = ["modality", "active", "duration_minutes", "min_duration", "max_duration"]
