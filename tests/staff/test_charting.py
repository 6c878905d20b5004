"""The charting page through the test client: drafts (a resend is harmless), the form's
save, signing only with the confirmation, the lock, amendments."""

import pytest

from clinic.models import AuditEntry
from treatments.models import TreatmentNote

pytestmark = pytest.mark.django_db


@pytest.fixture
def visit(desk):
    desk.carls_visit.status = "checked_in"
    desk.carls_visit.save()
    return desk.carls_visit


def chart_data(**extra):
    data = {
        "points-TOTAL_FORMS": "1",
        "points-INITIAL_FORMS": "0",
        "points-MIN_NUM_FORMS": "0",
        "points-MAX_NUM_FORMS": "60",
        "points-0-muscle": "upper_trapezius",
        "points-0-side": "right",
        "points-0-technique": "ischemic_compression",
        "points-0-pressure": "3",
        "points-0-pain_before": "7",
        "points-0-pain_after": "3",
        "points-0-referral_reproduced": "on",
        "points-0-note": "",
        "subjective": "Headaches",
        "objective": "",
        "assessment": "",
        "plan": "",
    }
    data.update(extra)
    return data


def test_the_chart_shows_flags_first_then_the_intake_and_last_visit_on_the_map(desk, as_tess):
    desk.danas_visit.status = "checked_in"
    desk.danas_visit.save()

    page = as_tess.get(f"/staff/visits/{desk.danas_visit.pk}/chart/").content.decode()
    carl = as_tess.get(f"/staff/visits/{desk.carls_visit.pk}/chart/").content.decode()

    main = page[page.index("<main") :]
    assert main.index("Contraindications") < main.index("Body map")
    assert "HIGH" in main and "Anticoagulant" in main
    # Carl: reported at intake (upper trapezius), treated last visit (levator scapulae).
    assert 'bm-region bm-reported" cx=' in carl or "bm-reported" in carl
    assert "bm-treated" in carl
    assert "Last visit: 28 Apr 2026 with Tess Moreau." in carl


def test_a_draft_is_saved_and_a_resend_changes_nothing(desk, as_tess, visit):
    url = f"/staff/visits/{visit.pk}/chart/draft/"

    first = as_tess.post(url, chart_data())
    again = as_tess.post(url, chart_data())

    assert first.status_code == 200 and first.json()["saved"] and first.json()["points_saved"]
    assert again.json()["note"] == first.json()["note"]
    note = TreatmentNote.objects.get(booking=visit)
    assert note.subjective == "Headaches" and note.treated_trigger_points.count() == 1
    actions = list(
        AuditEntry.objects.filter(object_type="treatments.treatmentnote")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions[-2:] == ["create", "update"]


def test_an_unfinished_point_keeps_the_text_and_says_so(desk, as_tess, visit):
    answer = as_tess.post(
        f"/staff/visits/{visit.pk}/chart/draft/",
        chart_data(**{"points-0-pain_after": "", "plan": "Weekly"}),
    ).json()

    assert answer["saved"] and not answer["points_saved"]
    assert "pain_after" in answer["point_errors"][0]
    note = TreatmentNote.objects.get(booking=visit)
    assert note.plan == "Weekly" and note.treated_trigger_points.count() == 0


def test_out_of_range_values_are_field_errors_not_500s(desk, as_tess, visit):
    response = as_tess.post(
        f"/staff/visits/{visit.pk}/chart/", chart_data(**{"points-0-pressure": "9"})
    )

    assert response.status_code == 400
    assert "Ensure this value is less than or equal to 5" in response.content.decode()
    assert not TreatmentNote.objects.filter(booking=visit).exists()


def test_a_huge_row_count_is_sixty_rows_and_an_error_not_a_thousand_rows(desk, as_tess, visit):
    response = as_tess.post(
        f"/staff/visits/{visit.pk}/chart/", chart_data(**{"points-TOTAL_FORMS": "9" * 20})
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert "Please submit at most 60 forms." in html
    assert 'name="points-59-muscle"' in html and 'name="points-60-muscle"' not in html
    assert not TreatmentNote.objects.filter(booking=visit).exists()


def test_signing_needs_the_confirmation_and_locks_the_note(desk, as_tess, visit):
    url = f"/staff/visits/{visit.pk}/chart/"

    unconfirmed = as_tess.post(url, chart_data(sign="1"))
    assert unconfirmed.status_code == 400
    assert not TreatmentNote.objects.filter(booking=visit, signed_at__isnull=False).exists()

    signed = as_tess.post(url, chart_data(sign="1", confirm="on"), follow=True)
    assert "Signed: the note is locked." in signed.content.decode()
    note = TreatmentNote.objects.get(booking=visit)
    assert note.is_signed
    assert AuditEntry.objects.filter(action="sign", object_id=note.pk).exists()

    edit = as_tess.post(url, chart_data(plan="Changed"))
    draft = as_tess.post(f"{url}draft/", chart_data(plan="Changed"))
    assert edit.status_code == 400 and "is locked" in edit.content.decode()
    assert draft.status_code == 409 and "locked" in draft.json()["detail"]
    note.refresh_from_db()
    assert note.plan == ""

    amended = as_tess.post(f"{url}amend/", {"text": "Pressure was 4."}, follow=True)
    assert "Pressure was 4." in amended.content.decode()
    assert note.amendments.get().text == "Pressure was 4."
    empty = as_tess.post(f"{url}amend/", {"text": ""})
    assert empty.status_code == 400 and note.amendments.count() == 1


def test_a_visit_not_checked_in_cannot_be_charted(desk, as_tess):
    response = as_tess.post(
        f"/staff/visits/{desk.danas_visit.pk}/chart/", chart_data(), follow=True
    )

    assert "has not checked in" in response.content.decode()
    assert not TreatmentNote.objects.filter(booking=desk.danas_visit).exists()


def test_the_referral_pattern_of_a_chosen_muscle(desk, as_tess):
    page = as_tess.get("/staff/referrals/?muscle=upper_trapezius&side=left").content.decode()
    fragment = as_tess.get("/staff/referrals/?muscle=masseter&side=right&fragment=1")
    bad = as_tess.get("/staff/referrals/?muscle=biceps")

    assert "tension headache" in page and "Temple" in page
    assert page.count('class="referral-area"') >= 6
    assert "<html" not in fragment.content.decode() and "Jaw" in fragment.content.decode()
    assert bad.status_code == 200 and "Select a valid choice" in bad.content.decode()


def test_without_scripts_add_point_keeps_the_text_and_adds_a_row(desk, as_tess, visit):
    response = as_tess.post(
        f"/staff/visits/{visit.pk}/chart/",
        chart_data(add_point="1", add_muscle="scalenes", add_side="left", plan="Weekly"),
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "Scalenes, left" in page and 'name="points-1-muscle"' in page
    assert "Weekly</textarea>" in page
    note = TreatmentNote.objects.get(booking=visit)
    assert note.plan == "Weekly" and note.treated_trigger_points.count() == 1
