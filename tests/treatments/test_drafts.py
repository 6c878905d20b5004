"""Drafts: the chart is saved as the therapist writes; sending it again is safe."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from treatments import services
from treatments.models import TreatedTriggerPoint, TreatmentNote

from .conftest import point

pytestmark = pytest.mark.django_db


def test_the_first_save_creates_the_note_and_later_ones_edit_it(chart):
    first = services.save_draft(user=chart.tess.user, booking=chart.visit, subjective="Neck")
    again = services.save_draft(
        user=chart.tess.user,
        booking=chart.visit,
        subjective="Neck, right side",
        treated_trigger_points=[point()],
    )

    assert first.pk == again.pk
    note = TreatmentNote.objects.get()
    assert note.subjective == "Neck, right side"
    assert note.treated_trigger_points.count() == 1


def test_resending_the_same_draft_changes_nothing(chart):
    for _ in range(3):
        services.save_draft(
            user=chart.tess.user,
            booking=chart.visit,
            subjective="Neck",
            plan="Weekly",
            treated_trigger_points=[point(), point(muscle="scalenes")],
        )

    assert TreatmentNote.objects.count() == 1
    assert TreatedTriggerPoint.objects.count() == 2


def test_a_draft_without_points_keeps_the_points_saved(chart):
    services.save_draft(user=chart.tess.user, booking=chart.visit, treated_trigger_points=[point()])
    services.save_draft(user=chart.tess.user, booking=chart.visit, plan="Weekly")

    assert TreatedTriggerPoint.objects.count() == 1


def test_a_signed_note_takes_no_draft(chart):
    note = services.save_draft(user=chart.tess.user, booking=chart.visit, subjective="Neck")
    services.sign_note(user=chart.tess.user, note=note)

    with pytest.raises(PermissionDenied, match="locked"):
        services.save_draft(user=chart.tess.user, booking=chart.visit, subjective="Changed")

    note.refresh_from_db()
    assert note.subjective == "Neck"


def test_only_the_booking_therapist_saves_drafts_for_it(chart):
    with pytest.raises(ValidationError):
        services.save_draft(user=chart.omar.user, booking=chart.visit, subjective="x")
    with pytest.raises(PermissionDenied):
        services.save_draft(user=chart.admin, booking=chart.visit, subjective="x")
    assert not TreatmentNote.objects.exists()


def test_a_draft_for_a_visit_not_checked_in_is_refused(chart):
    with pytest.raises(ValidationError, match="not checked in"):
        services.save_draft(user=chart.omar.user, booking=chart.omars_booking, subjective="x")
