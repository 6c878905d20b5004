"""The demo clinic has signed notes for Carl showing his trigger points easing."""

from io import StringIO

import pytest
from django.core.management import call_command

from clients.models import Client
from tests import factories
from therapists.models import Therapist
from treatments.models import TreatedTriggerPoint, TreatmentNote

pytestmark = pytest.mark.django_db


def test_demo_notes_are_signed_and_show_improvement_and_seeding_twice_adds_nothing():
    call_command("seed_demo", stdout=StringIO())
    counts = (TreatmentNote.objects.count(), TreatedTriggerPoint.objects.count())
    call_command("seed_demo", stdout=StringIO())

    assert (TreatmentNote.objects.count(), TreatedTriggerPoint.objects.count()) == counts == (3, 6)
    assert not TreatmentNote.objects.filter(signed_at__isnull=True).exists()

    carl = Client.objects.get(user__username="carl")
    tess = Therapist.objects.get(user__username="tess")
    body = factories.api_as(tess.user).get(f"/api/v1/clients/{carl.pk}/trigger-point-progress/")
    series = {(s["muscle"], s["side"]): s["points"] for s in body.json()["series"]}

    trapezius = series[("upper_trapezius", "right")]
    assert [p["source"] for p in trapezius] == ["reported", "treated", "treated", "treated"]
    assert trapezius[0]["pain"] == 7
    assert [p["pain_before"] for p in trapezius[1:]] == [7, 5, 3]
    assert [p["pain_after"] for p in trapezius[1:]] == [4, 3, 1]
    levator = series[("levator_scapulae", "left")]
    assert [(p["pain_before"], p["pain_after"]) for p in levator[1:]] == [(5, 3), (4, 2), (2, 1)]
