"""The charting services on their own: the rules hold for callers other than the API too."""

import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from treatments import services
from treatments.models import TreatedTriggerPoint, TreatmentNote

from .conftest import point

pytestmark = pytest.mark.django_db


def test_unknown_vocabulary_and_out_of_range_values_are_refused(chart):
    with pytest.raises(ValidationError) as refused:
        services.create_note(
            user=chart.tess.user,
            booking=chart.visit,
            treated_trigger_points=[point(), point(muscle="biceps", pressure=9)],
        )

    messages = refused.value.message_dict["treated_trigger_points"]
    assert any(m.startswith("Point 2, muscle:") for m in messages)
    assert any(m.startswith("Point 2, pressure:") for m in messages)
    assert not TreatmentNote.objects.exists()
    assert not TreatedTriggerPoint.objects.exists()


def test_only_a_therapist_writes_a_note(chart):
    with pytest.raises(PermissionDenied, match="Only therapists"):
        services.create_note(user=chart.admin, booking=chart.visit)


def test_a_client_login_cannot_write_a_note(chart):
    with pytest.raises(PermissionDenied):
        services.create_note(user=chart.carl.user, booking=chart.visit)


@pytest.mark.django_db(transaction=True)
def test_two_requests_charting_one_booking_at_once_make_one_note(chart):
    barrier = threading.Barrier(2)
    outcomes = []

    def chart_it():
        try:
            barrier.wait()
            services.create_note(
                user=chart.tess.user, booking=chart.visit, treated_trigger_points=[point()]
            )
            outcomes.append("created")
        except ValidationError as exc:
            outcomes.append(exc.message_dict["booking"][0])
        finally:
            connection.close()

    threads = [threading.Thread(target=chart_it) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert len(outcomes) == 2
    assert outcomes.count("created") == 1
    assert any(o.startswith("This booking already has a treatment note") for o in outcomes)
    assert TreatmentNote.objects.count() == 1
    assert TreatedTriggerPoint.objects.count() == 1
