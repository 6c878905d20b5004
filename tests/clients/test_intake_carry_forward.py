"""A new intake starts from the previous one: what a form leaves unanswered is carried forward,
only an explicit answer changes it, and the API offers the previous answers as a draft."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from clients.selectors import clinic_today, intake_draft
from clinic.models import AuditAction, AuditEntry
from tests import factories
from tests.clients.conftest import api_for

pytestmark = pytest.mark.django_db

CONSENT = {"consent_given": True, "consent_version": "2026-01"}
POINT = {"muscle": "upper_trapezius", "side": "right", "pain": 7, "refers_to": "headache"}
FULL = {
    **CONSENT,
    "conditions": "Tension headaches",
    "medications": "Warfarin 5 mg",
    "allergies": "Arnica",
    "takes_anticoagulants": True,
    "osteoporosis": True,
    "pressure_preference": "light",
    "reported_trigger_points": [{**POINT, "note": "Behind the right eye"}],
}


def intakes_url(client):
    return f"/api/v1/clients/{client.pk}/intakes/"


def post(api, client, body):
    response = api.post(intakes_url(client), body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def codes(flags):
    return [flag["code"] for flag in flags]


class TestSparseIntake:
    def test_a_sparse_intake_no_longer_drops_the_anticoagulant_flag(self, cast):
        """The finding: a later form with only the consent silently dropped a high flag."""
        api = api_for(cast, "client_a")
        first = post(api, cast.client_a, FULL)

        second = post(api, cast.client_a, CONSENT)

        assert codes(second["flags"]) == ["anticoagulants", "osteoporosis"]
        client = api_for(cast, "therapist").get(f"/api/v1/clients/{cast.client_a.pk}/").json()
        assert codes(client["flags"]) == ["anticoagulants", "osteoporosis"]
        assert second["based_on"] == first["id"]
        assert {"takes_anticoagulants", "medications", "reported_trigger_points"} <= set(
            second["carried_forward"]
        )
        assert first["carried_forward"] == []

    def test_every_unanswered_item_keeps_the_earlier_answer(self, cast):
        api = api_for(cast, "admin")
        post(api, cast.client_a, FULL)

        second = post(api, cast.client_a, {**CONSENT, "conditions": "Better now"})

        assert second["conditions"] == "Better now"
        assert second["medications"] == "Warfarin 5 mg"
        assert second["allergies"] == "Arnica"
        assert second["pressure_preference"] == "light"
        assert [(p["muscle"], p["note"]) for p in second["reported_trigger_points"]] == [
            ("upper_trapezius", "Behind the right eye")
        ]
        assert "conditions" not in second["carried_forward"]

    def test_an_empty_text_answer_is_unanswered_and_carries_forward(self, cast):
        api = api_for(cast, "client_a")
        post(api, cast.client_a, FULL)

        second = post(api, cast.client_a, {**CONSENT, "medications": "", "allergies": "  "})

        assert (second["medications"], second["allergies"]) == ("Warfarin 5 mg", "Arnica")

    def test_the_carried_intake_is_a_whole_record_in_the_history(self, cast):
        api = api_for(cast, "client_a")
        post(api, cast.client_a, FULL)
        post(api, cast.client_a, CONSENT)
        post(api, cast.client_a, CONSENT)

        rows = api.get(intakes_url(cast.client_a)).json()["results"]

        assert [codes(row["flags"]) for row in rows] == [["anticoagulants", "osteoporosis"]] * 3
        assert [row["based_on"] for row in rows] == [rows[1]["id"], rows[2]["id"], None]


class TestExplicitNone:
    def test_none_clears_a_text_item_false_a_yes_no_item_and_an_empty_list_the_points(self, cast):
        api = api_for(cast, "client_a")
        post(api, cast.client_a, FULL)

        second = post(
            api,
            cast.client_a,
            {
                **CONSENT,
                "medications": "None",
                "allergies": " none ",
                "takes_anticoagulants": False,
                "reported_trigger_points": [],
            },
        )

        assert (second["medications"], second["allergies"]) == ("", "")
        assert second["reported_trigger_points"] == []
        assert codes(second["flags"]) == ["osteoporosis"]  # the unanswered item stays
        assert not {"medications", "takes_anticoagulants", "reported_trigger_points"} & set(
            second["carried_forward"]
        )
        third = post(api, cast.client_a, CONSENT)
        assert third["medications"] == "" and codes(third["flags"]) == ["osteoporosis"]

    def test_no_surgery_clears_the_surgery_and_its_date(self, cast):
        api = api_for(cast, "client_a")
        day = (clinic_today() - timedelta(days=20)).isoformat()
        first = post(
            api, cast.client_a, {**CONSENT, "recent_surgery": "Knee", "recent_surgery_date": day}
        )
        assert codes(first["flags"]) == ["recent_surgery"]

        sparse = post(api, cast.client_a, CONSENT)
        cleared = post(api, cast.client_a, {**CONSENT, "recent_surgery": "none"})

        assert (sparse["recent_surgery"], sparse["recent_surgery_date"]) == ("Knee", day)
        assert codes(sparse["flags"]) == ["recent_surgery"]
        assert (cleared["recent_surgery"], cleared["recent_surgery_date"]) == ("", None)
        assert cleared["flags"] == []

    def test_another_surgery_without_a_date_does_not_inherit_the_old_date(self, cast):
        api = api_for(cast, "client_a")
        old = (clinic_today() - timedelta(days=200)).isoformat()
        first = post(
            api, cast.client_a, {**CONSENT, "recent_surgery": "Knee", "recent_surgery_date": old}
        )
        assert first["flags"] == []  # long ago

        second = post(api, cast.client_a, {**CONSENT, "recent_surgery": "Shoulder"})

        assert second["recent_surgery_date"] is None
        assert codes(second["flags"]) == ["recent_surgery"]  # no date: ask before treating

    def test_not_pregnant_clears_the_pregnancy_details(self, cast):
        api = api_for(cast, "client_a")
        post(api, cast.client_a, {**CONSENT, "pregnant": True, "pregnancy_weeks": 20})
        carried = post(api, cast.client_a, CONSENT)

        cleared = post(api, cast.client_a, {**CONSENT, "pregnant": False})

        assert (carried["pregnant"], carried["pregnancy_weeks"]) == (True, 20)
        assert codes(carried["flags"]) == ["pregnancy"]
        assert (cleared["pregnant"], cleared["pregnancy_weeks"]) == (False, None)
        assert cleared["flags"] == []

    def test_carried_pregnancy_weeks_count_on_with_time(self, cast):
        """Ten weeks at a first visit are fifteen five weeks later: the new form (and its
        draft) carries fifteen, and the flag leaves the first trimester."""
        api = api_for(cast, "client_a")
        first = post(api, cast.client_a, {**CONSENT, "pregnant": True, "pregnancy_weeks": 10})
        assert [f["severity"] for f in first["flags"]] == ["high"]

        with time_machine.travel(timezone.now() + timedelta(weeks=5, hours=1), tick=False):
            draft = api.get(f"{intakes_url(cast.client_a)}draft/").json()
            later = post(api, cast.client_a, CONSENT)
            on_file = api_for(cast, "therapist").get(f"/api/v1/clients/{cast.client_a.pk}/")

        assert draft["pregnancy_weeks"] == 15
        assert (later["pregnancy_weeks"], "pregnancy_weeks" in later["carried_forward"]) == (
            15,
            True,
        )
        assert [(f["code"], f["severity"]) for f in later["flags"]] == [("pregnancy", "medium")]
        assert [f["severity"] for f in on_file.json()["flags"]] == ["medium"]
        earlier = api.get(f"{intakes_url(cast.client_a)}{first['id']}/").json()
        assert earlier["pregnancy_weeks"] == 10  # an intake is a record: never rewritten

    def test_pregnancy_weeks_without_a_carried_pregnancy_are_still_refused(self, cast):
        api = api_for(cast, "client_a")
        post(api, cast.client_a, {**CONSENT, "pregnant": False})

        response = api.post(
            intakes_url(cast.client_a), {**CONSENT, "pregnancy_weeks": 12}, format="json"
        )

        assert response.status_code == 400
        assert "pregnancy_weeks" in response.json()


DRAFT_KEYS = {
    "based_on",
    "conditions",
    "medications",
    "allergies",
    "recent_injuries",
    "recent_surgery",
    "areas_of_concern",
    "takes_anticoagulants",
    "history_of_dvt",
    "bleeding_disorder",
    "fever_or_infection",
    "osteoporosis",
    "cancer_under_treatment",
    "skin_condition",
    "pregnant",
    "high_risk_pregnancy",
    "recent_surgery_date",
    "pregnancy_weeks",
    "pressure_preference",
    "reported_trigger_points",
    "consent_given",
    "consent_version",
}


class TestDraft:
    @pytest.mark.parametrize(
        ("who", "status"),
        [
            ("anonymous", 401),
            ("admin", 200),
            ("client_a", 200),
            ("client_b", 404),
            ("therapist", 403),  # therapists read intakes; they do not fill them in
            ("other_therapist", 404),
        ],
    )
    def test_who_may_read_the_draft(self, cast, who, status):
        factories.make_intake(cast.client_a, takes_anticoagulants=True)

        response = api_for(cast, who).get(f"{intakes_url(cast.client_a)}draft/")

        assert response.status_code == status

    def test_the_draft_holds_the_previous_answers_in_the_create_shape(self, cast):
        api = api_for(cast, "client_a")
        latest = post(api, cast.client_a, FULL)

        draft = api.get(f"{intakes_url(cast.client_a)}draft/").json()

        assert set(draft) == DRAFT_KEYS
        assert draft["based_on"] == latest["id"]
        assert draft["medications"] == "Warfarin 5 mg"
        assert draft["takes_anticoagulants"] is True
        assert draft["pressure_preference"] == "light"
        assert draft["reported_trigger_points"] == [{**POINT, "note": "Behind the right eye"}]
        assert (draft["consent_given"], draft["consent_version"]) == (False, "2026-01")
        screens = intake_draft(cast.client_a)  # what the screens call: the same answers
        assert {k: v for k, v in screens.items() if k != "reported_trigger_points"} == {
            k: v for k, v in draft.items() if k != "reported_trigger_points"
        }

    def test_a_draft_posted_back_with_consent_records_the_same_answers(self, cast):
        api = api_for(cast, "client_a")
        first = post(api, cast.client_a, FULL)
        draft = api.get(f"{intakes_url(cast.client_a)}draft/").json()

        second = post(api, cast.client_a, {**draft, "consent_given": True})

        for name in DRAFT_KEYS - {"based_on", "consent_given"}:
            if name == "reported_trigger_points":
                strip = [{k: v for k, v in p.items() if k != "id"} for p in second[name]]
                assert strip == draft[name]
            else:
                assert second[name] == first[name], name
        # Every item answered the same way; an empty text item counts as unanswered.
        assert set(second["carried_forward"]) == {
            "recent_injuries",
            "recent_surgery",
            "areas_of_concern",
        }
        assert codes(second["flags"]) == codes(first["flags"])

    def test_a_draft_overtaken_by_a_newer_intake_is_refused_with_409(self, cast):
        api = api_for(cast, "client_a")
        post(api, cast.client_a, FULL)
        draft = api.get(f"{intakes_url(cast.client_a)}draft/").json()
        # Meanwhile the front desk records that she stopped warfarin.
        post(api_for(cast, "admin"), cast.client_a, {**CONSENT, "takes_anticoagulants": False})

        stale = api.post(
            intakes_url(cast.client_a), {**draft, "consent_given": True}, format="json"
        )

        assert stale.status_code == 409
        assert "start again from the new draft" in stale.json()["detail"]
        assert cast.client_a.intakes.count() == 2
        fresh = api.get(f"{intakes_url(cast.client_a)}draft/").json()
        assert fresh["takes_anticoagulants"] is False
        assert post(api, cast.client_a, {**fresh, "consent_given": True})["flags"] == [
            {"code": "osteoporosis", "severity": "medium", "label": "Osteoporosis: reduce pressure"}
        ]

    def test_a_first_draft_overtaken_by_a_first_intake_is_refused_too(self, cast):
        api = api_for(cast, "client_a")
        draft = api.get(f"{intakes_url(cast.client_a)}draft/").json()
        factories.make_intake(cast.client_a)

        response = api.post(
            intakes_url(cast.client_a), {**draft, "consent_given": True}, format="json"
        )

        assert response.status_code == 409

    def test_a_first_draft_is_the_empty_form(self, cast):
        draft = api_for(cast, "client_a").get(f"{intakes_url(cast.client_a)}draft/").json()

        assert draft["based_on"] is None
        assert draft["conditions"] == "" and draft["takes_anticoagulants"] is False
        assert draft["pressure_preference"] == "medium"
        assert draft["reported_trigger_points"] == []
        assert draft["consent_version"] == "2026-01"

    def test_reading_the_draft_is_audited_as_a_read_of_the_intake_it_comes_from(self, cast):
        intake = factories.make_intake(cast.client_a)

        api_for(cast, "admin").get(f"{intakes_url(cast.client_a)}draft/")

        entry = AuditEntry.objects.get(object_type="clients.intake")
        assert (entry.action, entry.object_id, entry.user_id) == (
            AuditAction.READ,
            intake.pk,
            cast.admin.pk,
        )

    def test_the_draft_reads_in_a_fixed_number_of_queries(
        self, cast, django_assert_max_num_queries
    ):
        for n in range(5):
            factories.make_intake(cast.client_a, reported_trigger_points=[POINT] * (n + 1))
        api = api_for(cast, "client_a")

        with django_assert_max_num_queries(8):
            response = api.get(f"{intakes_url(cast.client_a)}draft/")

        assert len(response.json()["reported_trigger_points"]) == 5

    def test_the_draft_is_documented_in_the_schema(self, anon, clinic):
        schema = anon.get("/api/schema/?format=json").json()

        operation = schema["paths"]["/api/v1/clients/{client_id}/intakes/draft/"]["get"]
        ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
        assert ref.endswith("/IntakeDraft")
        assert {"401", "403", "404"} <= set(operation["responses"])


def test_the_documented_follow_up_example_does_what_it_says(cast, anon):
    schema = anon.get("/api/schema/?format=json").json()
    create = schema["paths"]["/api/v1/clients/{client_id}/intakes/"]["post"]
    [example] = create["requestBody"]["content"]["application/json"]["examples"].values()
    api = api_for(cast, "client_a")
    post(api, cast.client_a, FULL)

    after = post(api, cast.client_a, example["value"])

    assert after["medications"] == ""
    assert after["areas_of_concern"] == "Left shoulder"
    assert after["conditions"] == "Tension headaches"  # carried forward
    assert codes(after["flags"]) == ["osteoporosis"]
