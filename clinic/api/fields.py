"""Fields the whole API shares: every date, datetime, text and boolean that arrives in a body or
a query is read here, so that bad input is a 400 naming the field, never a 500.

- Datetimes (`InstantField`, `InstantFilter`): an offset within +-14:00, a year in 1900-9998,
  and, read in the clinic's time zone when naive, a local time that exists: a time in the
  spring-forward gap is refused, naming the gap; an ambiguous autumn time is its first
  occurrence (fold=0, the offset before the clocks go back), in bodies and filters alike.
- Dates (`DayField`, `DayFilter`): a year in 1900-9998 (so a day can be added to any of them).
- Each field may narrow this to a `Window` of clinic days around today (the booking horizon,
  a few years for time off, ...), refusing the rest with the range in the message.
- Text: no C0 control characters but tab, newline and carriage return (`control_problem`);
  bodies are checked by clinic.api.parsers, query parameters by clinic.middleware.
- Booleans in filters (`StrictBooleanFilter`): true/false/1/0, anything else a 400.
- An empty query value (`?therapist=`) is a 400 for every parameter alike, before any view
  runs (clinic.middleware.QueryParameterMiddleware): leave a filter out to mean no filter.
- `ModelSerializer` and `FilterSet` map model date, datetime and boolean fields to these.
"""

import re
from datetime import UTC, date, datetime, timedelta

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django_filters.fields import IsoDateTimeField
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from clinic.models import Clinic

# Real UTC offsets run from -12:00 to +14:00; PostgreSQL refuses some beyond that.
MAX_UTC_OFFSET = timedelta(hours=14)
MIN_YEAR, MAX_YEAR = 1900, 9998

MESSAGES = {
    "offset": "A UTC offset must be between -14:00 and +14:00.",
    "year": f"Give a date between {MIN_YEAR} and {MAX_YEAR}.",
    "control": "Control characters (such as NUL) are not allowed here.",
    "empty": "Give a value, or leave the parameter out (an empty value is not 'no filter').",
}

# C0 controls but tab (\x09), newline (\x0a) and carriage return (\x0d).
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def control_problem(text: str) -> str | None:
    """The refusal for text holding a control character, or None."""
    return MESSAGES["control"] if CONTROL_CHARACTERS.search(text) else None


def instant_problem(value) -> str | None:
    """Why the database cannot take this datetime, or None."""
    offset = value.utcoffset()
    if offset is not None and abs(offset) > MAX_UTC_OFFSET:
        return "offset"
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        return "year"
    return None


def read_local(naive: datetime, tz) -> datetime:
    """A naive wall time in `tz` as an aware datetime: the first occurrence of an ambiguous
    time; a ValidationError naming the gap for a time the clocks skipped."""
    aware = naive.replace(tzinfo=tz, fold=0)
    if aware.astimezone(UTC).astimezone(tz).replace(tzinfo=None) == naive:
        return aware
    jump = aware.replace(fold=1).utcoffset() - aware.utcoffset()
    minutes = abs(int(jump.total_seconds() // 60))
    length = "an hour" if minutes == 60 else f"{minutes} minutes"
    raise ValidationError(
        f"{naive:%Y-%m-%d %H:%M} does not exist in {tz}: the clocks jump forward {length} "
        "there (the spring-forward gap). Give a time before or after the gap, or an offset.",
        code="gap",
    )


def shift_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


class Window:
    """The clinic days (inclusive) a field's value may fall on, around today."""

    early = late = "Give a date between {earliest} and {latest}."

    def bounds(self, today: date) -> tuple[date, date]:
        raise NotImplementedError

    def check(self, day: date) -> None:
        today = timezone.localdate()
        earliest, latest = self.bounds(today)
        if earliest <= day <= latest:
            return
        message = self.early if day < earliest else self.late
        raise ValidationError(
            message.format(earliest=earliest, latest=latest, days=(latest - today).days),
            code="out_of_range",
        )


class YearsAround(Window):
    def __init__(self, back: int, ahead: int):
        self.back, self.ahead = back, ahead

    def bounds(self, today):
        return shift_years(today, -self.back), shift_years(today, self.ahead)


class BookingHorizon(Window):
    """From `back_days` before today to the clinic's booking horizon."""

    def __init__(self, back_days: int = 0, early: str | None = None, late: str | None = None):
        self.back_days = back_days
        self.early = early or self.early
        self.late = late or self.late

    def bounds(self, today):
        return today - timedelta(days=self.back_days), today + timedelta(
            days=Clinic.get().booking_horizon_days
        )


# The ranges the API's fields use (documented in the README's security section).
BOOKING_START = BookingHorizon(
    early="That is in the past: give a start between {earliest} and {latest}.",
    late="Bookings can be made at most {days} days ahead: give a start between {earliest} "
    "and {latest}.",
)
WAITLIST_DAYS = BookingHorizon(
    back_days=365,
    late="The waitlist reaches the booking horizon: give a date between {earliest} and {latest}.",
)
TIME_OFF = YearsAround(5, 5)
REPORTS = YearsAround(10, 2)
NEAR_TODAY = YearsAround(1, 3)  # availability, a series' last day


def checked_instant(value: datetime, tz, window: Window | None = None) -> datetime:
    """`value` as an aware datetime the database can take (a naive one is read in `tz`), in
    the window if there is one; else a ValidationError."""
    problem = instant_problem(value)
    if problem == "year" and window is not None:
        window.check(value.date())  # far outside the window: say the window
    if problem:
        raise ValidationError(MESSAGES[problem], code=problem)
    aware = read_local(value, tz) if timezone.is_naive(value) else value
    if window is not None:
        window.check(aware.astimezone(tz).date())
    return aware


def checked_day(value: date, window: Window | None = None) -> date:
    if window is not None:
        window.check(value)
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValidationError(MESSAGES["year"], code="year")
    return value


def _refuse_control(value) -> None:
    if isinstance(value, str) and control_problem(value):
        raise ValidationError(MESSAGES["control"], code="control")


class InstantField(serializers.DateTimeField):
    """A datetime the database can store and compare: a 400 naming the field, never a 500,
    for an offset no place on Earth uses, a year outside 1900-9998, a local time that does not
    exist, or a day outside the field's window. A datetime without an offset is read in the
    current time zone (the clinic's, for the API), an ambiguous one as its first occurrence."""

    default_error_messages = MESSAGES

    def __init__(self, *args, window: Window | None = None, **kwargs):
        self.window = window
        super().__init__(*args, **kwargs)

    def to_internal_value(self, value):
        _refuse_control(value)
        return super().to_internal_value(value)

    def enforce_timezone(self, value):
        tz = self.timezone if hasattr(self, "timezone") else self.default_timezone()
        try:
            value = checked_instant(value, tz or timezone.get_current_timezone(), self.window)
        except ValidationError as exc:
            raise serializers.ValidationError(exc.messages, code=exc.code) from exc
        return super().enforce_timezone(value)


class DayField(serializers.DateField):
    """A date in 1900-9998 (and in the field's window, if it has one)."""

    def __init__(self, *args, window: Window | None = None, **kwargs):
        self.window = window
        super().__init__(*args, **kwargs)

    def to_internal_value(self, value):
        _refuse_control(value)
        day = super().to_internal_value(value)
        try:
            return checked_day(day, self.window)
        except ValidationError as exc:
            raise serializers.ValidationError(exc.messages, code=exc.code) from exc


class InstantFormField(IsoDateTimeField):
    """The filter's side of `InstantField`: the same refusals and the same reading of local
    times, as a 400 naming the filter."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if not isinstance(value, datetime):
            _refuse_control(value)
            try:
                parsed = parse_datetime(str(value).strip())
            except ValueError:
                parsed = None
            if parsed is None:
                raise ValidationError(self.error_messages["invalid"], code="invalid")
            value = parsed
        return checked_instant(value, timezone.get_current_timezone())


class InstantFilter(django_filters.IsoDateTimeFilter):
    field_class = InstantFormField


class DayFormField(forms.DateField):
    def to_python(self, value):
        _refuse_control(value)
        day = super().to_python(value)
        return None if day is None else checked_day(day)


class DayFilter(django_filters.DateFilter):
    field_class = DayFormField


class StrictBooleanField(forms.NullBooleanField):
    """true/false (any case), 1/0; anything else is refused (an empty value never reaches a
    filter: QueryParameterMiddleware refuses it)."""

    widget = forms.TextInput  # NullBooleanSelect reads any unknown value as "no filter"

    def to_python(self, value):
        if value in (True, False, None, ""):
            return None if value == "" else value
        text = str(value).strip().lower()
        if text in ("true", "1"):
            return True
        if text in ("false", "0"):
            return False
        raise ValidationError("Give true or false.", code="invalid")

    def validate(self, value):
        pass


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


class FilterSet(django_filters.FilterSet):
    """The project's FilterSet: generated filters use the fields above."""

    FILTER_DEFAULTS = {
        **django_filters.FilterSet.FILTER_DEFAULTS,
        models.DateTimeField: {"filter_class": InstantFilter},
        models.DateField: {"filter_class": DayFilter},
        models.BooleanField: {"filter_class": StrictBooleanFilter},
    }


class PrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """DRF's, copied for each serializer (as DRF copies declared fields) without copying its
    queryset: DRF takes `.all()` of it on every use, so the copies can share one, and a deep
    copy of a queryset is most of the copy's cost."""

    def __deepcopy__(self, memo):
        queryset = self._kwargs.get("queryset")
        if queryset is not None:
            memo[id(queryset)] = queryset
        return super().__deepcopy__(memo)


class KnownPrimaryKeyRelatedField(PrimaryKeyRelatedField):
    """A record by id, like DRF's; one the view has read already (in the serializer's
    `context["known"]`, a sequence of instances) is taken as it is, without a query of its own.
    Any other value, a miss included, is looked up and refused exactly as DRF does."""

    def to_internal_value(self, data):
        if type(data) is int:
            model = self.queryset.model
            for instance in self.context.get("known", ()):
                if type(instance) is model and instance.pk == data:
                    return instance
        return super().to_internal_value(data)


# The project's ModelSerializer: generated date and datetime fields use the fields above (give a
# field its window with `extra_kwargs = {"start": {"window": ...}}`). No docstring: a serializer
# without its own would show this one in the OpenAPI schema.
class ModelSerializer(serializers.ModelSerializer):
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateTimeField: InstantField,
        models.DateField: DayField,
    }


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(django_filters.Filter):
    """A record's id in a query: an integer (`1.5` or `x` is a 400 naming the filter)."""

    field_class = forms.IntegerField
