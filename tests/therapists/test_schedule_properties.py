"""Whatever intervals are sent, in whatever order, the schedule that results never overlaps,
and nothing valid that fits is refused."""

from datetime import time

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import factories
from therapists import services
from therapists.models import WorkingHours

quarter_hours = st.integers(min_value=0, max_value=95).map(lambda q: time(q // 4, q % 4 * 15))
intervals = st.lists(
    st.tuples(st.integers(min_value=0, max_value=1), quarter_hours, quarter_hours),
    max_size=12,
)


def overlaps(a, b) -> bool:
    return a[0] == b[0] and a[1] < b[2] and b[1] < a[2]


@pytest.fixture
def therapist(db):
    return factories.make_therapist(hours=None)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(sent=intervals)
def test_the_schedule_never_overlaps_and_refuses_only_what_must_be(therapist, sent):
    WorkingHours.objects.filter(therapist=therapist).delete()
    accepted = []

    for weekday, start, end in sent:
        try:
            services.add_working_hours(therapist, weekday=weekday, start_time=start, end_time=end)
            accepted.append((weekday, start, end))
        except ValidationError:
            assert end <= start or any(overlaps((weekday, start, end), other) for other in accepted)

    stored = list(therapist.working_hours.values_list("weekday", "start_time", "end_time"))
    assert sorted(stored) == sorted(accepted)
    assert not any(overlaps(a, b) for i, a in enumerate(accepted) for b in accepted[i + 1 :])
