"""Fields the whole API shares."""

from datetime import timedelta

import django_filters
from django import forms
from django_filters.fields import IsoDateTimeField
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

# Real UTC offsets run from -12:00 to +14:00; PostgreSQL refuses some beyond that.
MAX_UTC_OFFSET = timedelta(hours=14)
MIN_YEAR, MAX_YEAR = 1900, 9998


def instant_problem(value) -> str | None:
    """Why the database cannot take this datetime, or None."""
    offset = value.utcoffset()
    if offset is not None and abs(offset) > MAX_UTC_OFFSET:
        return "offset"
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        return "year"
    return None


class InstantField(serializers.DateTimeField):
    """A datetime the database can store and compare: a 400 naming the field, never a 500,
    for an offset no place on Earth uses or a year outside 1900-9998. A datetime without an
    offset is read in the current time zone (the clinic's, for the API)."""

    default_error_messages = {
        "offset": "A UTC offset must be between -14:00 and +14:00.",
        "year": f"Give a date between {MIN_YEAR} and {MAX_YEAR}.",
    }

    def enforce_timezone(self, value):
        problem = instant_problem(value)
        if problem:
            self.fail(problem)
        return super().enforce_timezone(value)


class InstantFormField(IsoDateTimeField):
    """The filter's side of `InstantField`: the same refusals, as a 400 naming the filter."""

    def to_python(self, value):
        result = super().to_python(value)
        problem = result and instant_problem(result)
        if problem:
            raise forms.ValidationError(InstantField.default_error_messages[problem], code=problem)
        return result


class InstantFilter(django_filters.IsoDateTimeFilter):
    field_class = InstantFormField


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(django_filters.Filter):
    """A record's id in a query: an integer (`1.5` or `x` is a 400 naming the filter)."""

    field_class = forms.IntegerField
