"""/api/v1/clients/{id}/intakes/: versioned intake forms with reported trigger points."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from clients.models import Intake, ReportedTriggerPoint
from tests import factories
from tests.clients.conftest import api_for

pytestmark = pytest.mark.django_db

POINT = {"muscle": "upper_trapezius", "side": "right", "pain": 7, "refers_to": "headache"}
INTAKE = {
    "conditions": "Tension headaches",
    "medications": "",
    "pressure_preference": "firm",
    "areas_of_concern": "Neck and upper back",
    "consent_given": True,
    "consent_version": "2026-01",
    "reported_trigger_points": [
        {**POINT, "note": "Behind the right eye by afternoon"},
        {"muscle": "levator_scapulae", "side": "left", "pain": 5, "refers_to": "neck"},
    ],
}


def url(client, intake=None):
    base = f"/api/v1/clients/{client.pk}/intakes/"
    return base if intake is None else f"{base}{intake.pk}/"


class TestRead:
    @pytest.mark.parametrize(
        ("who", "status"),
        [
            ("anonymous", 401),
            ("admin", 200),
            ("client_a", 200),
            ("client_b", 404),
            ("therapist", 200),
            ("other_therapist", 404),
        ],
    )
    def test_who_may_list_client_as_intakes(self, cast, who, status):
        factories.make_intake(cast.client_a)

        response = api_for(cast, who).get(url(cast.client_a))

        assert response.status_code == status
        if status == 200:
            assert response.json()["count"] == 1

    @pytest.mark.parametrize(
        ("who", "status"),
        [
            ("anonymous", 401),
            ("admin", 200),
            ("client_a", 200),
            ("client_b", 404),
            ("therapist", 200),
            ("other_therapist", 404),
        ],
    )
    def test_who_may_read_one_of_client_as_intakes(self, cast, who, status):
        intake = factories.make_intake(cast.client_a)

        assert api_for(cast, who).get(url(cast.client_a, intake)).status_code == status

    def test_a_client_without_intakes_has_an_empty_list_for_those_who_may_see(self, cast):
        response = api_for(cast, "client_b").get(url(cast.client_b))

        assert response.json()["count"] == 0

    def test_an_intake_is_only_found_under_its_own_client(self, cast):
        theirs = factories.make_intake(cast.client_b)

        # Client A asks for B's intake under A's own route: not found either.
        assert api_for(cast, "client_a").get(url(cast.client_a, theirs)).status_code == 404
        assert api_for(cast, "admin").get(url(cast.client_a, theirs)).status_code == 404

    def test_a_missing_client_is_404(self, cast):
        api = api_for(cast, "admin")

        assert api.get("/api/v1/clients/999999/intakes/").status_code == 404
        assert api.get("/api/v1/clients/99999999999999999999/intakes/").status_code == 404

    def test_a_client_filter_does_not_leak_another_clients_intakes(self, cast):
        mine = factories.make_intake(cast.client_a)
        factories.make_intake(cast.client_b)

        response = api_for(cast, "client_a").get(
            url(cast.client_a), {"client": cast.client_b.pk, "client_id": cast.client_b.pk}
        )

        assert [row["id"] for row in response.json()["results"]] == [mine.pk]

    def test_intakes_come_newest_first_and_earlier_ones_stay_readable(self, cast):
        with time_machine.travel(datetime(2026, 1, 5, 15, tzinfo=UTC), tick=False):
            first = factories.make_intake(cast.client_a, takes_anticoagulants=True)
        with time_machine.travel(datetime(2026, 2, 5, 15, tzinfo=UTC), tick=False):
            second = factories.make_intake(
                cast.client_a, conditions="Better now", takes_anticoagulants=False
            )

        body = api_for(cast, "therapist").get(url(cast.client_a)).json()

        assert [row["id"] for row in body["results"]] == [second.pk, first.pk]
        assert body["results"][1]["flags"][0]["code"] == "anticoagulants"
        assert body["results"][0]["flags"] == []
        assert body["results"][1]["created_at"] == "2026-01-05T10:00:00-05:00"

    def test_list_query_count_does_not_grow_with_intakes(self, cast, django_assert_max_num_queries):
        for n in range(10):
            factories.make_intake(
                cast.client_a,
                osteoporosis=n % 2 == 0,
                reported_trigger_points=[POINT, {**POINT, "side": "left"}, {**POINT, "pain": 2}],
            )
        api = api_for(cast, "therapist")

        with django_assert_max_num_queries(8):
            response = api.get(url(cast.client_a))

        results = response.json()["results"]
        assert len(results) == 10
        assert all(len(row["reported_trigger_points"]) == 3 for row in results)


class TestCreate:
    @pytest.mark.parametrize(
        ("who", "status"),
        [
            ("anonymous", 401),
            ("admin", 201),
            ("client_a", 201),
            ("client_b", 404),
            ("therapist", 403),
            ("other_therapist", 404),
        ],
    )
    def test_who_may_add_an_intake_for_client_a(self, cast, who, status):
        response = api_for(cast, who).post(url(cast.client_a), INTAKE)

        assert response.status_code == status
        assert Intake.objects.filter(client=cast.client_a).count() == (status == 201)

    def test_a_new_intake_is_kept_with_its_trigger_points_and_who_entered_it(self, cast):
        response = api_for(cast, "client_a").post(url(cast.client_a), INTAKE)

        assert response.status_code == 201, response.content
        body = response.json()
        assert body["client"] == cast.client_a.pk
        assert body["recorded_by"] == cast.client_a.user.pk
        assert [p["muscle"] for p in body["reported_trigger_points"]] == [
            "upper_trapezius",
            "levator_scapulae",
        ]
        assert body["reported_trigger_points"][0]["note"] == "Behind the right eye by afternoon"
        intake = Intake.objects.get(pk=body["id"])
        assert intake.reported_trigger_points.count() == 2

    def test_an_intake_without_trigger_points_is_fine(self, cast):
        payload = {k: v for k, v in INTAKE.items() if k != "reported_trigger_points"}

        response = api_for(cast, "client_a").post(url(cast.client_a), payload)

        assert response.status_code == 201
        assert response.json()["reported_trigger_points"] == []

    def test_the_new_intakes_flags_show_on_the_client_record(self, cast):
        api = api_for(cast, "client_a")
        api.post(url(cast.client_a), {**INTAKE, "takes_anticoagulants": True})

        body = api_for(cast, "therapist").get(f"/api/v1/clients/{cast.client_a.pk}/").json()

        assert [f["code"] for f in body["flags"]] == ["anticoagulants"]

    def test_the_server_stamps_consent_signed_at_when_not_given(self, cast):
        with time_machine.travel(datetime(2026, 7, 1, 14, 30, tzinfo=UTC), tick=False):
            response = api_for(cast, "client_a").post(url(cast.client_a), INTAKE)

        assert response.json()["consent_signed_at"] == "2026-07-01T10:30:00-04:00"

    def test_a_naive_consent_time_is_read_in_the_clinics_zone(self, cast):
        api = api_for(cast, "admin")
        with time_machine.travel(datetime(2026, 2, 1, tzinfo=UTC), tick=False):
            response = api.post(
                url(cast.client_a), {**INTAKE, "consent_signed_at": "2026-01-15T09:00:00"}
            )

        assert response.status_code == 201
        intake = Intake.objects.get(pk=response.json()["id"])
        assert intake.consent_signed_at == datetime(2026, 1, 15, 14, 0, tzinfo=UTC)
        assert response.json()["consent_signed_at"] == "2026-01-15T09:00:00-05:00"

    @pytest.mark.parametrize("method", ["put", "patch", "delete"])
    def test_an_intake_is_never_edited_or_deleted(self, cast, method):
        intake = factories.make_intake(cast.client_a, conditions="As written")

        response = getattr(api_for(cast, "client_a"), method)(
            url(cast.client_a, intake), {**INTAKE, "conditions": "Rewritten"}
        )

        assert response.status_code == 405
        intake.refresh_from_db()
        assert intake.conditions == "As written"


class TestBadInput:
    def post(self, cast, **change):
        return api_for(cast, "client_a").post(url(cast.client_a), {**INTAKE, **change})

    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"consent_given": False}, "consent_given"),
            ({"consent_given": None}, "consent_given"),
            ({"consent_version": ""}, "consent_version"),
            ({"consent_version": "   "}, "consent_version"),
            ({"pregnancy_weeks": 12}, "pregnancy_weeks"),
            ({"high_risk_pregnancy": True}, "high_risk_pregnancy"),
            ({"pregnant": True, "pregnancy_weeks": 46}, "pregnancy_weeks"),
            ({"pregnant": True, "pregnancy_weeks": -1}, "pregnancy_weeks"),
            ({"pressure_preference": "crushing"}, "pressure_preference"),
            ({"recent_surgery_date": "not-a-date"}, "recent_surgery_date"),
        ],
    )
    def test_a_bad_intake_is_a_400_with_field_errors_and_keeps_nothing(self, cast, change, field):
        response = self.post(cast, **change)

        assert response.status_code == 400
        assert field in response.json()
        assert not Intake.objects.exists()
        assert not ReportedTriggerPoint.objects.exists()

    def test_an_intake_without_any_consent_fields_is_refused(self, cast):
        payload = {k: v for k, v in INTAKE.items() if not k.startswith("consent")}

        response = api_for(cast, "client_a").post(url(cast.client_a), payload)

        assert response.status_code == 400
        assert {"consent_given", "consent_version"} <= set(response.json())

    def test_consent_signed_in_the_future_is_refused(self, cast):
        later = (timezone.now() + timedelta(days=1)).isoformat()

        response = self.post(cast, consent_signed_at=later)

        assert response.status_code == 400
        assert "consent_signed_at" in response.json()

    def test_a_consent_older_than_a_year_is_refused(self, cast):
        long_ago = (timezone.now() - timedelta(days=366)).isoformat()

        response = self.post(cast, consent_signed_at=long_ago)

        assert response.status_code == 400
        assert "consent_signed_at" in response.json()

    def test_a_surgery_date_in_the_future_is_refused(self, cast):
        later = (timezone.localdate() + timedelta(days=3)).isoformat()

        response = self.post(cast, recent_surgery="Knee", recent_surgery_date=later)

        assert response.status_code == 400
        assert "recent_surgery_date" in response.json()

    def test_pregnancy_weeks_with_a_pregnancy_are_fine(self, cast):
        response = self.post(cast, pregnant=True, pregnancy_weeks=20)

        assert response.status_code == 201
        assert response.json()["flags"][0]["severity"] == "medium"

    @pytest.mark.parametrize(
        ("point", "field"),
        [
            ({"pain": -1}, "pain"),
            ({"pain": 11}, "pain"),
            ({"pain": "severe"}, "pain"),
            ({"pain": None}, "pain"),
            ({"muscle": "biceps_of_doom"}, "muscle"),
            ({"muscle": ""}, "muscle"),
            ({"side": "middle"}, "side"),
            ({"refers_to": "toothache"}, "refers_to"),
            ({"note": "x" * 301}, "note"),
        ],
    )
    def test_a_bad_trigger_point_refuses_the_whole_intake(self, cast, point, field):
        good = INTAKE["reported_trigger_points"][0]

        response = self.post(cast, reported_trigger_points=[good, {**POINT, **point}])

        assert response.status_code == 400
        # Errors name the offending item by its index; the good one has none.
        errors = response.json()["reported_trigger_points"]
        assert list(errors) == ["1"]
        assert field in errors["1"]
        assert not Intake.objects.exists()
        assert not ReportedTriggerPoint.objects.exists()

    @pytest.mark.parametrize("pain", [0, 10])
    def test_pain_at_the_ends_of_the_scale_is_fine(self, cast, pain):
        response = self.post(cast, reported_trigger_points=[{**POINT, "pain": pain}])

        assert response.status_code == 201

    def test_trigger_points_must_be_a_list(self, cast):
        response = self.post(cast, reported_trigger_points={"muscle": "scalenes"})

        assert response.status_code == 400
        assert "reported_trigger_points" in response.json()

    def test_too_many_trigger_points_are_refused(self, cast):
        response = self.post(cast, reported_trigger_points=[POINT] * 61)

        assert response.status_code == 400
        assert not Intake.objects.exists()
