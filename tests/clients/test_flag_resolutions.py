"""/api/v1/clients/{id}/flag-resolutions/: a flag is cleared only by an explicit answer or by a
staff resolution recorded with who, when and why; a later intake that reports the condition
again reactivates it."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from clients.models import FlagResolution
from clinic.models import AuditAction, AuditEntry
from tests import factories
from tests.clients.conftest import api_for

pytestmark = pytest.mark.django_db

CONSENT = {"consent_given": True, "consent_version": "2026-01"}
RESOLVE = {"code": "anticoagulants", "reason": "Stopped warfarin in March, per her GP."}


def url(client):
    return f"/api/v1/clients/{client.pk}/flag-resolutions/"


def flags_of(cast, client, who="admin"):
    body = api_for(cast, who).get(f"/api/v1/clients/{client.pk}/").json()
    return [flag["code"] for flag in body["flags"]]


@pytest.fixture
def flagged(cast):
    factories.make_intake(cast.client_a, takes_anticoagulants=True, osteoporosis=True)
    return cast


class TestResolve:
    @pytest.mark.parametrize(
        ("who", "status"),
        [
            ("anonymous", 401),
            ("admin", 201),
            ("therapist", 201),  # in the client's care (a visit took place)
            ("client_a", 403),  # a client does not clear their own flags
            ("client_b", 404),
            ("other_therapist", 404),
        ],
    )
    def test_who_may_resolve_a_flag(self, flagged, who, status):
        response = api_for(flagged, who).post(url(flagged.client_a), RESOLVE, format="json")

        assert response.status_code == status
        assert FlagResolution.objects.exists() is (status == 201)

    def test_a_resolution_records_who_when_and_why_and_the_flag_stops_being_active(self, flagged):
        before = timezone.now()
        response = api_for(flagged, "therapist").post(url(flagged.client_a), RESOLVE, format="json")

        body = response.json()
        assert response.status_code == 201
        assert response["Location"].endswith(f"{url(flagged.client_a)}{body['id']}/")
        assert body["code"] == "anticoagulants"
        assert body["label"] == "Anticoagulant medication"
        assert body["reason"] == RESOLVE["reason"]
        assert body["resolved_by"] == flagged.therapist.user_id
        assert body["standing"] is True and body["reactivated_at"] is None
        assert body["intake"] == flagged.client_a.intakes.first().pk
        assert FlagResolution.objects.get().resolved_at >= before
        assert flags_of(flagged, flagged.client_a) == ["osteoporosis"]
        assert flags_of(flagged, flagged.client_a, "client_a") == ["osteoporosis"]

    def test_a_resolved_flag_leaves_the_bookings_and_the_flag_filter_too(self, flagged):
        factories.make_booking(
            therapist=flagged.therapist,
            client=flagged.client_a,
            service=flagged.service,
            start=timezone.now() + timedelta(days=3),
        )
        api = api_for(flagged, "therapist")
        api.post(url(flagged.client_a), RESOLVE, format="json")

        bookings = api.get("/api/v1/bookings/").json()["results"]
        filtered = api_for(flagged, "admin").get("/api/v1/clients/?has_flag=anticoagulants")

        assert {tuple(f["code"] for f in b["flags"]) for b in bookings} == {("osteoporosis",)}
        assert filtered.json()["count"] == 0

    def test_the_history_keeps_resolutions_and_the_intakes_keep_their_flags(self, flagged):
        api_for(flagged, "admin").post(url(flagged.client_a), RESOLVE, format="json")

        history = api_for(flagged, "client_a").get(url(flagged.client_a)).json()["results"]
        intakes = api_for(flagged, "therapist").get(
            f"/api/v1/clients/{flagged.client_a.pk}/intakes/"
        )

        assert [(r["code"], r["standing"], r["reason"]) for r in history] == [
            ("anticoagulants", True, RESOLVE["reason"])
        ]
        assert history[0]["resolved_by_name"] == "boss"
        assert [f["code"] for f in intakes.json()["results"][0]["flags"]] == [
            "anticoagulants",
            "osteoporosis",
        ]

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"code": "anticoagulants", "reason": "   "}, "reason"),
            ({"code": "anticoagulants"}, "reason"),
            ({"code": "dvt", "reason": "No DVT ever"}, "code"),  # not raised by the intake
            ({"code": "gout", "reason": "Not a flag"}, "code"),
            ({"reason": "No code"}, "code"),
        ],
    )
    def test_a_bad_resolution_is_a_400_naming_the_field(self, flagged, body, field):
        response = api_for(flagged, "admin").post(url(flagged.client_a), body, format="json")

        assert response.status_code == 400
        assert field in response.json()
        assert not FlagResolution.objects.exists()

    def test_resolving_a_resolved_flag_again_is_a_400_that_says_so(self, flagged):
        api = api_for(flagged, "admin")
        api.post(url(flagged.client_a), RESOLVE, format="json")

        again = api.post(url(flagged.client_a), RESOLVE, format="json")

        assert again.status_code == 400
        assert "already resolved" in again.json()["code"][0]

    def test_the_database_keeps_one_standing_resolution_a_flag(self, flagged):
        api_for(flagged, "admin").post(url(flagged.client_a), RESOLVE, format="json")
        first = FlagResolution.objects.get()

        with (
            pytest.raises(IntegrityError, match="flag_resolution_one_standing"),
            transaction.atomic(),
        ):
            FlagResolution.objects.create(
                client=first.client,
                code=first.code,
                intake=first.intake,
                resolved_by=first.resolved_by,
                resolved_at=timezone.now(),
                reason="Twice",
            )


class TestReactivation:
    def test_a_sparse_intake_after_a_resolution_keeps_the_flag_resolved(self, flagged):
        api_for(flagged, "admin").post(url(flagged.client_a), RESOLVE, format="json")

        factories.make_intake(flagged.client_a, conditions="Tension headaches")

        assert flags_of(flagged, flagged.client_a) == ["osteoporosis"]
        assert FlagResolution.objects.get().standing

    def test_an_intake_that_reports_the_condition_again_reactivates_the_flag(self, flagged):
        api_for(flagged, "admin").post(url(flagged.client_a), RESOLVE, format="json")

        again = (
            api_for(flagged, "client_a")
            .post(
                f"/api/v1/clients/{flagged.client_a.pk}/intakes/",
                {**CONSENT, "takes_anticoagulants": True},
                format="json",
            )
            .json()
        )

        assert flags_of(flagged, flagged.client_a) == ["anticoagulants", "osteoporosis"]
        history = api_for(flagged, "therapist").get(url(flagged.client_a)).json()["results"]
        assert [(r["standing"], r["reactivated_by"]) for r in history] == [(False, again["id"])]
        assert history[0]["reactivated_at"] is not None

    def test_a_reactivated_flag_can_be_resolved_again(self, flagged):
        api = api_for(flagged, "admin")
        api.post(url(flagged.client_a), RESOLVE, format="json")
        factories.make_intake(flagged.client_a, takes_anticoagulants=True)

        response = api.post(url(flagged.client_a), RESOLVE, format="json")

        assert response.status_code == 201
        assert flags_of(flagged, flagged.client_a) == ["osteoporosis"]
        assert [r.standing for r in FlagResolution.objects.all()] == [True, False]

    def test_an_explicit_no_clears_the_flag_without_a_resolution(self, flagged):
        factories.make_intake(flagged.client_a, takes_anticoagulants=False)

        assert flags_of(flagged, flagged.client_a) == ["osteoporosis"]
        assert not FlagResolution.objects.exists()


class TestAuditAndQueries:
    def test_resolving_and_reading_resolutions_are_audited(self, flagged):
        created = api_for(flagged, "therapist").post(url(flagged.client_a), RESOLVE, format="json")
        api_for(flagged, "client_a").get(url(flagged.client_a))
        api_for(flagged, "admin").get(f"{url(flagged.client_a)}{created.json()['id']}/")

        entries = AuditEntry.objects.filter(object_type="clients.flagresolution").order_by("id")
        assert [(e.action, e.user_id) for e in entries] == [
            (AuditAction.CREATE, flagged.therapist.user_id),
            (AuditAction.LIST, flagged.client_a.user_id),
            (AuditAction.READ, flagged.admin.pk),
        ]
        assert entries[1].object_ids == [created.json()["id"]]

    def test_a_refused_resolution_leaves_no_audit_entry_and_no_resolution(self, flagged):
        api_for(flagged, "client_a").post(url(flagged.client_a), RESOLVE, format="json")

        assert not AuditEntry.objects.filter(object_type="clients.flagresolution").exists()

    def test_the_history_reads_in_a_fixed_number_of_queries(
        self, flagged, django_assert_max_num_queries
    ):
        admin = api_for(flagged, "admin")
        for _ in range(6):
            admin.post(url(flagged.client_a), RESOLVE, format="json")
            factories.make_intake(flagged.client_a, takes_anticoagulants=True)

        with django_assert_max_num_queries(8):
            response = admin.get(url(flagged.client_a))

        assert response.json()["count"] == 6

    def test_the_client_list_with_resolutions_reads_in_a_fixed_number_of_queries(
        self, cast, django_assert_max_num_queries
    ):
        for _ in range(10):
            client = factories.make_client()
            factories.make_intake(client, takes_anticoagulants=True, skin_condition=True)
            api_for(cast, "admin").post(url(client), RESOLVE, format="json")
        admin = api_for(cast, "admin")

        with django_assert_max_num_queries(7):
            response = admin.get("/api/v1/clients/?page_size=50")

        flagged = [row["flags"] for row in response.json()["results"] if row["flags"]]
        assert [[f["code"] for f in flags] for flags in flagged] == [["skin_condition"]] * 10


def test_a_client_record_with_carried_intakes_and_resolutions_can_still_be_deleted(flagged):
    """The front desk may delete a test record in the admin: nothing of ours protects it."""
    api_for(flagged, "admin").post(url(flagged.client_a), RESOLVE, format="json")
    factories.make_intake(flagged.client_a)
    factories.make_intake(flagged.client_a, takes_anticoagulants=True)
    flagged.client_a.bookings.all().delete()

    flagged.client_a.delete()

    assert not FlagResolution.objects.exists()
