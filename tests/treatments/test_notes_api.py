"""Writing treatment notes through the API: nested, atomic, and refused with a reason."""

import pytest

from treatments.models import TreatedTriggerPoint, TreatmentNote

from .conftest import as_user, note_payload, point, write_note

pytestmark = pytest.mark.django_db

URL = "/api/v1/treatment-notes/"


def nothing_saved():
    return not TreatmentNote.objects.exists() and not TreatedTriggerPoint.objects.exists()


def test_treating_therapist_charts_a_visit_with_its_trigger_points_in_one_request(chart):
    response = as_user(chart.tess).post(URL, note_payload(chart.visit))

    assert response.status_code == 201, response.json()
    body = response.json()
    note = TreatmentNote.objects.get(pk=body["id"])
    assert note.booking == chart.visit
    assert note.therapist == chart.tess
    assert body["client"] == chart.carl.pk
    assert body["therapist"] == chart.tess.pk
    assert body["signed_at"] is None and body["signed_by"] is None
    assert body["amendments"] == []
    assert [
        (p["muscle"], p["side"], p["pain_before"], p["pain_after"])
        for p in body["treated_trigger_points"]
    ] == [("upper_trapezius", "right", 7, 4), ("levator_scapulae", "left", 7, 4)]
    assert note.treated_trigger_points.count() == 2


def test_answers_datetimes_in_the_clinic_time_zone(chart):
    body = as_user(chart.tess).post(URL, note_payload(chart.visit)).json()

    assert body["booking_start"] == "2026-01-05T10:00:00-05:00"


def test_a_completed_booking_can_be_charted_too(chart):
    booking = chart.book(day=12, status="completed")

    response = as_user(chart.tess).post(URL, note_payload(booking, treated_trigger_points=[]))

    assert response.status_code == 201
    assert response.json()["treated_trigger_points"] == []


def test_note_shows_the_clients_active_contraindication_flags(chart):
    from clients.models import Intake

    Intake.objects.create(
        client=chart.carl,
        takes_anticoagulants=True,
        osteoporosis=True,
        consent_given=True,
        consent_version="2026-01",
        consent_signed_at="2026-01-01T10:00:00Z",
    )

    body = as_user(chart.tess).post(URL, note_payload(chart.visit)).json()

    assert [(f["code"], f["severity"]) for f in body["client_flags"]] == [
        ("anticoagulants", "high"),
        ("osteoporosis", "medium"),
    ]
    assert body["client_flags"][0]["label"]


def test_a_booking_of_another_therapist_is_refused_like_a_missing_one(chart):
    mine = as_user(chart.tess).post(URL, note_payload(chart.danas_visit))
    missing = as_user(chart.tess).post(URL, {**note_payload(chart.danas_visit), "booking": 999999})

    assert mine.status_code == missing.status_code == 400
    assert (
        mine.json()["booking"] == missing.json()["booking"] == ["No booking of yours with this id."]
    )
    assert nothing_saved()


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        ("requested", "has not checked in"),
        ("confirmed", "has not checked in"),
        ("cancelled", "was cancelled"),
        ("no_show", "did not show up"),
    ],
)
def test_a_booking_not_checked_in_or_completed_cannot_be_charted(chart, status, reason):
    booking = chart.book(day=13, status=status)

    response = as_user(chart.tess).post(URL, note_payload(booking))

    assert response.status_code == 400
    assert reason in response.json()["booking"][0]
    assert nothing_saved()


def test_a_second_note_for_one_booking_is_refused(chart):
    first = write_note(chart.visit)

    response = as_user(chart.tess).post(URL, note_payload(chart.visit))

    assert response.status_code == 400
    assert response.json()["booking"] == [
        f"This booking already has a treatment note (id {first.pk}); "
        "edit it, or amend it once signed."
    ]
    assert TreatmentNote.objects.count() == 1
    assert TreatedTriggerPoint.objects.count() == 1


def test_the_database_itself_allows_one_note_per_booking(chart):
    from django.db import IntegrityError, transaction

    write_note(chart.visit)

    with pytest.raises(IntegrityError), transaction.atomic():
        TreatmentNote.objects.create(booking=chart.visit, therapist=chart.tess)


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"pain_before": 11}, "pain_before"),
        ({"pain_before": -1}, "pain_before"),
        ({"pain_after": 12}, "pain_after"),
        ({"pressure": 0}, "pressure"),
        ({"pressure": 6}, "pressure"),
        ({"muscle": "biceps"}, "muscle"),
        ({"technique": "cupping"}, "technique"),
        ({"side": "middle"}, "side"),
    ],
)
def test_out_of_range_or_unknown_values_are_refused_and_nothing_is_half_saved(chart, bad, field):
    payload = note_payload(chart.visit, treated_trigger_points=[point(), point(**bad)])

    response = as_user(chart.tess).post(URL, payload)

    assert response.status_code == 400
    errors = response.json()["treated_trigger_points"]
    assert list(errors) == ["1"]  # the second point, and only it
    assert field in errors["1"]
    assert nothing_saved()


def test_a_missing_booking_field_is_a_400(chart):
    payload = note_payload(chart.visit)
    del payload["booking"]

    response = as_user(chart.tess).post(URL, payload)

    assert response.status_code == 400
    assert "booking" in response.json()
    assert nothing_saved()


def test_nonsense_input_is_a_400_not_a_500(chart):
    for payload in (
        {"booking": "abc"},
        {"booking": chart.visit.pk, "treated_trigger_points": "all of them"},
        {"booking": chart.visit.pk, "treated_trigger_points": [1, 2]},
        {"booking": chart.visit.pk, "treated_trigger_points": [point(pressure="deep")]},
        {"booking": chart.visit.pk, "treated_trigger_points": [point()] * 61},
    ):
        response = as_user(chart.tess).post(URL, payload)
        assert response.status_code == 400, payload
    assert nothing_saved()


def test_the_author_edits_an_unsigned_note_and_replaces_its_points(chart):
    note = write_note(chart.visit, points=[point(), point(muscle="scalenes")])

    response = as_user(chart.tess).patch(
        f"{URL}{note.pk}/",
        {
            "assessment": "Responding well.",
            "treated_trigger_points": [point(muscle="rhomboids", side="left", pain_after=2)],
        },
    )

    assert response.status_code == 200, response.json()
    note.refresh_from_db()
    assert note.assessment == "Responding well."
    assert note.subjective == "Neck pain."  # untouched
    assert list(note.treated_trigger_points.values_list("muscle", "side", "pain_after")) == [
        ("rhomboids", "left", 2)
    ]
    assert [p["muscle"] for p in response.json()["treated_trigger_points"]] == ["rhomboids"]


def test_editing_without_points_keeps_them(chart):
    note = write_note(chart.visit)

    response = as_user(chart.tess).patch(f"{URL}{note.pk}/", {"plan": "Fortnightly."})

    assert response.status_code == 200
    assert note.treated_trigger_points.count() == 1


def test_a_bad_point_in_an_edit_changes_nothing(chart):
    note = write_note(chart.visit)

    response = as_user(chart.tess).patch(
        f"{URL}{note.pk}/",
        {
            "plan": "Changed",
            "treated_trigger_points": [point(muscle="rhomboids"), point(pain_after=11)],
        },
    )

    assert response.status_code == 400
    note.refresh_from_db()
    assert note.plan == ""
    assert list(note.treated_trigger_points.values_list("muscle", flat=True)) == ["upper_trapezius"]


def test_a_note_stays_with_its_booking(chart):
    note = write_note(chart.visit)
    other = chart.book(day=14)

    response = as_user(chart.tess).patch(f"{URL}{note.pk}/", {"booking": other.pk})

    assert response.status_code == 400
    assert "stays with its booking" in response.json()["booking"][0]
    note.refresh_from_db()
    assert note.booking == chart.visit


def test_a_full_update_without_booking_keeps_the_booking(chart):
    note = write_note(chart.visit)
    payload = note_payload(chart.visit, subjective="Better today.")
    del payload["booking"]

    response = as_user(chart.tess).put(f"{URL}{note.pk}/", payload)

    assert response.status_code == 200, response.json()
    assert response.json()["subjective"] == "Better today."
    assert response.json()["booking"] == chart.visit.pk


def test_the_author_deletes_an_unsigned_note(chart):
    note = write_note(chart.visit)

    response = as_user(chart.tess).delete(f"{URL}{note.pk}/")

    assert response.status_code == 204
    assert nothing_saved()
