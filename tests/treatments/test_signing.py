"""Signing locks a note for good; corrections are amendments appended to it."""

from datetime import datetime

import pytest
import time_machine
from django.db import IntegrityError, transaction

from treatments.models import Amendment, TreatedTriggerPoint, TreatmentNote

from .conftest import TORONTO, as_user, point, write_note

pytestmark = pytest.mark.django_db

URL = "/api/v1/treatment-notes/"
SIGNED_AT = datetime(2026, 1, 5, 11, 30, tzinfo=TORONTO)
LOCKED = (
    "This note was signed on 2026-01-05 at 11:30 (America/Toronto) and is locked; "
    "add an amendment instead."
)


@pytest.fixture
def signed(chart):
    with time_machine.travel(SIGNED_AT, tick=False):
        return write_note(chart.visit, sign=True, assessment="Good response.")


def snapshot(note):
    note = TreatmentNote.objects.get(pk=note.pk)
    points = list(note.treated_trigger_points.values_list("muscle", "pain_before", "pain_after"))
    return (note.subjective, note.assessment, note.plan, note.updated_at, points)


def test_the_treating_therapist_signs_their_note(chart):
    note = write_note(chart.visit)

    with time_machine.travel(SIGNED_AT, tick=False):
        response = as_user(chart.tess).post(f"{URL}{note.pk}/sign/")

    assert response.status_code == 200
    assert response.json()["signed_at"] == "2026-01-05T11:30:00-05:00"
    assert response.json()["signed_by"] == chart.tess.user.pk
    note.refresh_from_db()
    assert note.signed_at == SIGNED_AT
    assert note.signed_by == chart.tess.user


def test_a_note_is_signed_only_once(chart, signed):
    response = as_user(chart.tess).post(f"{URL}{signed.pk}/sign/")

    assert response.status_code == 400
    assert response.json()["non_field_errors"] == [
        "This note was already signed on 2026-01-05 at 11:30 (America/Toronto)."
    ]
    signed.refresh_from_db()
    assert signed.signed_at == SIGNED_AT


def test_an_empty_note_cannot_be_signed(chart):
    note = write_note(chart.visit, subjective="   ")

    response = as_user(chart.tess).post(f"{URL}{note.pk}/sign/")

    assert response.status_code == 400
    assert "at least one of subjective" in response.json()["non_field_errors"][0]
    note.refresh_from_db()
    assert not note.is_signed


@pytest.mark.parametrize(
    ("method", "payload"),
    [
        ("patch", {"assessment": "Rewritten."}),
        ("patch", {"treated_trigger_points": [point(pain_after=0)]}),
        ("patch", {}),
        (
            "put",
            {
                "subjective": "New",
                "objective": "New",
                "assessment": "New",
                "plan": "New",
                "treated_trigger_points": [],
            },
        ),
    ],
)
def test_a_signed_note_cannot_be_edited_even_by_its_author(chart, signed, method, payload):
    before = snapshot(signed)

    response = getattr(as_user(chart.tess), method)(f"{URL}{signed.pk}/", payload)

    assert response.status_code == 403
    assert response.json() == {"detail": LOCKED}
    assert snapshot(signed) == before


def test_a_signed_note_cannot_be_deleted_even_by_its_author(chart, signed):
    response = as_user(chart.tess).delete(f"{URL}{signed.pk}/")

    assert response.status_code == 403
    assert response.json() == {"detail": LOCKED}
    assert TreatmentNote.objects.filter(pk=signed.pk).exists()
    assert TreatedTriggerPoint.objects.filter(treatment_note=signed).count() == 1


def test_an_admin_cannot_edit_a_signed_note_either(chart, signed, admin_api):
    before = snapshot(signed)

    assert admin_api.patch(f"{URL}{signed.pk}/", {"plan": "x"}).status_code == 403
    assert admin_api.delete(f"{URL}{signed.pk}/").status_code == 403
    assert snapshot(signed) == before


def test_amendments_are_appended_and_listed_with_the_note(chart, signed):
    tess = as_user(chart.tess)
    with time_machine.travel(datetime(2026, 1, 6, 9, 0, tzinfo=TORONTO), tick=False):
        first = tess.post(f"{URL}{signed.pk}/amendments/", {"text": "  Pressure was 4, not 3.  "})
    with time_machine.travel(datetime(2026, 1, 7, 9, 0, tzinfo=TORONTO), tick=False):
        second = tess.post(f"{URL}{signed.pk}/amendments/", {"text": "Client called: no headache."})

    assert first.status_code == second.status_code == 201
    assert first.json()["text"] == "Pressure was 4, not 3."
    assert first.json()["author"] == chart.tess.user.pk
    assert first.json()["author_name"] == "Tess Moreau"
    assert first.json()["created_at"] == "2026-01-06T09:00:00-05:00"

    note = tess.get(f"{URL}{signed.pk}/").json()
    assert [a["text"] for a in note["amendments"]] == [
        "Pressure was 4, not 3.",
        "Client called: no headache.",
    ]
    assert note["assessment"] == "Good response."  # the original stays readable
    listed = tess.get(f"{URL}{signed.pk}/amendments/").json()
    assert listed["count"] == 2
    assert [a["id"] for a in listed["results"]] == [first.json()["id"], second.json()["id"]]


def test_other_readers_see_the_amendments(chart, signed):
    as_user(chart.tess).post(f"{URL}{signed.pk}/amendments/", {"text": "Correction."})

    body = as_user(chart.omar).get(f"{URL}{signed.pk}/amendments/").json()

    assert [a["text"] for a in body["results"]] == ["Correction."]


def test_an_unsigned_note_is_edited_not_amended(chart):
    note = write_note(chart.visit)

    response = as_user(chart.tess).post(f"{URL}{note.pk}/amendments/", {"text": "Hm."})

    assert response.status_code == 400
    assert response.json()["non_field_errors"] == [
        "This note is not signed yet: edit it instead of amending it."
    ]
    assert not Amendment.objects.exists()


@pytest.mark.parametrize("payload", [{}, {"text": ""}, {"text": "   "}, {"text": "x" * 5001}])
def test_an_amendment_needs_text(chart, signed, payload):
    response = as_user(chart.tess).post(f"{URL}{signed.pk}/amendments/", payload)

    assert response.status_code == 400
    assert "text" in response.json()
    assert not Amendment.objects.exists()


class TestTheDatabaseKeepsTheLock:
    """Even code that skips the services cannot change a signed note."""

    def refused(self, change):
        with pytest.raises(IntegrityError, match=r"locked|signed"), transaction.atomic():
            change()

    def test_updating_a_signed_note(self, signed):
        self.refused(lambda: TreatmentNote.objects.filter(pk=signed.pk).update(plan="x"))

    def test_unsigning_a_note(self, signed):
        self.refused(lambda: TreatmentNote.objects.filter(pk=signed.pk).update(signed_at=None))

    def test_deleting_a_signed_note(self, signed):
        self.refused(lambda: TreatmentNote.objects.filter(pk=signed.pk).delete())

    def test_changing_its_treated_points(self, signed):
        points = TreatedTriggerPoint.objects.filter(treatment_note=signed)
        self.refused(lambda: points.update(pain_after=0))
        self.refused(lambda: points.delete())
        self.refused(lambda: TreatedTriggerPoint.objects.create(treatment_note=signed, **point()))
        assert points.get().pain_after == 4

    def test_changing_or_deleting_an_amendment(self, chart, signed):
        amendment = Amendment.objects.create(note=signed, author=chart.tess.user, text="Note.")
        self.refused(lambda: Amendment.objects.filter(pk=amendment.pk).update(text="Other"))
        self.refused(lambda: Amendment.objects.filter(pk=amendment.pk).delete())

    def test_amending_an_unsigned_note(self, chart):
        note = write_note(chart.visit)
        self.refused(
            lambda: Amendment.objects.create(note=note, author=chart.tess.user, text="Early.")
        )

    def test_an_unsigned_note_and_its_points_stay_editable(self, chart):
        note = write_note(chart.visit)

        TreatmentNote.objects.filter(pk=note.pk).update(plan="Changed")
        TreatedTriggerPoint.objects.filter(treatment_note=note).update(pain_after=1)

        note.refresh_from_db()
        assert note.plan == "Changed"
        assert note.treated_trigger_points.get().pain_after == 1

    def test_signed_at_and_signed_by_go_together(self, chart):
        note = write_note(chart.visit)
        with pytest.raises(IntegrityError, match="signed_at_and_by"), transaction.atomic():
            TreatmentNote.objects.filter(pk=note.pk).update(signed_at=SIGNED_AT)

    @pytest.mark.parametrize(
        "bad",
        [{"pressure": 0}, {"pressure": 6}, {"pain_before": 11}, {"pain_after": 11}],
    )
    def test_point_ranges_are_database_constraints(self, chart, bad):
        note = write_note(chart.visit)
        with pytest.raises(IntegrityError, match="treated_tp_"), transaction.atomic():
            TreatedTriggerPoint.objects.create(treatment_note=note, **point(**bad))
