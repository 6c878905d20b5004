import django_filters

from clinic.api.fields import FilterSet, InstantFilter, StrictBooleanFilter
from clinic.models import Modality, Service
from therapists.models import Therapist, TimeOff, WorkingHours


class TherapistFilter(FilterSet):
    modality = django_filters.ChoiceFilter(
        choices=Modality.choices, method="filter_modality", help_text="Practises this modality."
    )
    service = django_filters.ModelChoiceFilter(
        field_name="services", queryset=Service.objects.all(), help_text="Offers this service."
    )
    active = StrictBooleanFilter()

    class Meta:
        model = Therapist
        fields = ["modality", "service", "active"]

    def filter_modality(self, queryset, name, value):
        return queryset.filter(modalities__contains=[value])


class WorkingHoursFilter(FilterSet):
    weekday = django_filters.NumberFilter()

    class Meta:
        model = WorkingHours
        fields = ["weekday"]


class TimeOffFilter(FilterSet):
    ends_after = InstantFilter(
        field_name="end", lookup_expr="gt", help_text="Time off still running at or after this."
    )
    starts_before = InstantFilter(
        field_name="start", lookup_expr="lt", help_text="Time off that begins before this."
    )

    class Meta:
        model = TimeOff
        fields = ["ends_after", "starts_before"]
