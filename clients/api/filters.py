import django_filters

from clients.contraindications import FlagCode
from clients.models import Client
from clients.selectors import with_flag, with_upcoming_booking, without_upcoming_booking
from clinic.api.fields import FilterSet, StrictBooleanFilter


class ClientFilter(FilterSet):
    """Narrow the clients the caller may see (never widen them: the view scopes first)."""

    has_flag = django_filters.ChoiceFilter(
        choices=FlagCode.choices,
        method="filter_has_flag",
        label="Clients with this active contraindication flag (raised by the latest intake, "
        "not cleared by a staff resolution)",
    )
    has_upcoming_booking = StrictBooleanFilter(
        method="filter_has_upcoming_booking",
        label="Clients with (true) or without (false) an active booking still to come",
    )

    class Meta:
        model = Client
        fields = ["has_flag", "has_upcoming_booking", "marketing_consent"]

    def filter_has_flag(self, queryset, name, value):
        return with_flag(queryset, value)

    def filter_has_upcoming_booking(self, queryset, name, value):
        if value:
            return with_upcoming_booking(queryset)
        return without_upcoming_booking(queryset)
