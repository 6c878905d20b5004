"""/api/v1/clients/: who sees and edits which client record."""

from datetime import timedelta
from unittest.mock import ANY

import pytest
from django.core import mail
from django.utils import timezone

from clients.models import Client
from tests import factories
from tests.clients.conftest import api_for

pytestmark = pytest.mark.django_db


def ids(response):
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


class TestList:
    def test_anonymous_gets_401(self, cast):
        assert api_for(cast, "anonymous").get("/api/v1/clients/").status_code == 401

    def test_admin_sees_every_client(self, cast):
        result = ids(api_for(cast, "admin").get("/api/v1/clients/"))

        assert sorted(result) == sorted([cast.client_a.pk, cast.client_b.pk])

    def test_a_client_sees_only_themself(self, cast):
        assert ids(api_for(cast, "client_a").get("/api/v1/clients/")) == [cast.client_a.pk]
        assert ids(api_for(cast, "client_b").get("/api/v1/clients/")) == [cast.client_b.pk]

    def test_a_therapist_sees_the_clients_they_have_a_booking_with(self, cast):
        assert ids(api_for(cast, "therapist").get("/api/v1/clients/")) == [cast.client_a.pk]

    def test_a_therapist_sees_a_client_booked_in_the_future_once(self, cast):
        for days in (3, 10):
            factories.make_booking(
                therapist=cast.therapist,
                client=cast.client_b,
                service=cast.service,
                start=timezone.now() + timedelta(days=days),
            )

        result = ids(api_for(cast, "therapist").get("/api/v1/clients/"))

        assert sorted(result) == sorted([cast.client_a.pk, cast.client_b.pk])

    def test_an_unrelated_therapist_sees_no_client(self, cast):
        assert ids(api_for(cast, "other_therapist").get("/api/v1/clients/")) == []

    def test_a_login_without_a_role_sees_nothing(self, cast):
        nobody = factories.make_user()

        assert ids(factories.api_as(nobody).get("/api/v1/clients/")) == []

    @pytest.mark.parametrize("param", ["client", "id", "pk", "user"])
    def test_query_parameters_do_not_widen_a_clients_view(self, cast, param):
        response = api_for(cast, "client_a").get(f"/api/v1/clients/?{param}={cast.client_b.pk}")

        assert ids(response) == [cast.client_a.pk]

    def test_the_list_shows_flags_but_no_intake_detail(self, cast):
        factories.make_intake(cast.client_a, takes_anticoagulants=True)

        rows = api_for(cast, "admin").get("/api/v1/clients/").json()["results"]
        row = next(r for r in rows if r["id"] == cast.client_a.pk)

        assert [f["code"] for f in row["flags"]] == ["anticoagulants"]
        assert "latest_intake" not in row

    def test_admin_list_query_count_does_not_grow_with_clients(
        self, cast, django_assert_max_num_queries
    ):
        for _ in range(12):
            client = factories.make_client(last_name="Zed")
            factories.make_intake(client, history_of_dvt=True)
            factories.make_intake(client, history_of_dvt=False, osteoporosis=True)
        api = api_for(cast, "admin")

        with django_assert_max_num_queries(6):
            response = api.get("/api/v1/clients/")

        assert response.json()["count"] == 14
        flagged = [row["flags"] for row in response.json()["results"][2:]]
        # Each client's latest answers count: "no DVT" on the newer form clears the flag.
        assert flagged == [[{"code": "osteoporosis", "severity": "medium", "label": ANY}]] * 12

    def test_therapist_list_query_count_does_not_grow_with_clients(
        self, cast, django_assert_max_num_queries
    ):
        for n in range(12):
            client = factories.make_client()
            factories.make_intake(client, skin_condition=True)
            factories.make_booking(
                therapist=cast.therapist,
                client=client,
                service=cast.service,
                start=timezone.now() + timedelta(days=1, hours=2 * n),
            )
        api = api_for(cast, "therapist")

        with django_assert_max_num_queries(7):
            response = api.get("/api/v1/clients/")

        assert response.json()["count"] == 13


class TestRetrieve:
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
    def test_who_may_see_client_a(self, cast, who, status):
        response = api_for(cast, who).get(f"/api/v1/clients/{cast.client_a.pk}/")

        assert response.status_code == status

    def test_a_missing_client_is_404_like_a_hidden_one(self, cast):
        api = api_for(cast, "client_a")

        assert api.get("/api/v1/clients/999999/").status_code == 404
        assert api.get("/api/v1/clients/abc/").status_code == 404
        assert api.get("/api/v1/clients/99999999999999999999/").status_code == 404

    def test_it_answers_the_latest_intake_and_its_active_flags(self, cast):
        factories.make_intake(cast.client_a, conditions="Old news", history_of_dvt=True)
        factories.make_intake(
            cast.client_a,
            conditions="Tension headaches",
            history_of_dvt=False,
            takes_anticoagulants=True,
            skin_condition=True,
            reported_trigger_points=[
                {"muscle": "upper_trapezius", "side": "right", "pain": 7, "refers_to": "headache"}
            ],
        )

        body = api_for(cast, "therapist").get(f"/api/v1/clients/{cast.client_a.pk}/").json()

        assert body["latest_intake"]["conditions"] == "Tension headaches"
        assert body["latest_intake"]["reported_trigger_points"][0]["muscle"] == "upper_trapezius"
        assert body["flags"] == [
            {
                "code": "anticoagulants",
                "severity": "high",
                "label": "Anticoagulant medication: bruising risk",
            },
            {
                "code": "skin_condition",
                "severity": "low",
                "label": "Skin condition: avoid the area",
            },
        ]

    def test_a_client_sees_their_own_flags(self, cast):
        factories.make_intake(cast.client_a, fever_or_infection=True)

        body = api_for(cast, "client_a").get(f"/api/v1/clients/{cast.client_a.pk}/").json()

        assert [f["code"] for f in body["flags"]] == ["fever"]

    def test_a_client_without_an_intake_has_no_flags_and_no_latest_intake(self, cast):
        body = api_for(cast, "admin").get(f"/api/v1/clients/{cast.client_b.pk}/").json()

        assert body["flags"] == []
        assert body["latest_intake"] is None

    def test_datetimes_are_in_the_clinic_time_zone(self, cast):
        factories.make_intake(cast.client_a)

        body = api_for(cast, "admin").get(f"/api/v1/clients/{cast.client_a.pk}/").json()

        # America/Toronto is UTC-5 or UTC-4; never Z/+00:00.
        assert body["created_at"][-6:] in {"-05:00", "-04:00"}
        assert body["latest_intake"]["consent_signed_at"][-6:] in {"-05:00", "-04:00"}

    def test_detail_query_count_is_small(self, cast, django_assert_max_num_queries):
        factories.make_intake(
            cast.client_a,
            reported_trigger_points=[
                {"muscle": "scalenes", "side": "left", "pain": n % 11, "refers_to": "arm"}
                for n in range(8)
            ],
        )
        api = api_for(cast, "admin")

        with django_assert_max_num_queries(6):  # 5 reads + the audit entry
            response = api.get(f"/api/v1/clients/{cast.client_a.pk}/")

        assert len(response.json()["latest_intake"]["reported_trigger_points"]) == 8


class TestStaffNotes:
    @pytest.fixture
    def noted(self, cast):
        Client.objects.filter(pk=cast.client_a.pk).update(staff_notes="Prefers no music")
        return cast

    @pytest.mark.parametrize(("who", "shown"), [("admin", True), ("therapist", True)])
    def test_staff_see_staff_notes(self, noted, who, shown):
        body = api_for(noted, who).get(f"/api/v1/clients/{noted.client_a.pk}/").json()

        assert body["staff_notes"] == "Prefers no music"

    def test_the_client_never_sees_staff_notes(self, noted):
        api = api_for(noted, "client_a")

        detail = api.get(f"/api/v1/clients/{noted.client_a.pk}/").json()
        listed = api.get("/api/v1/clients/").json()["results"][0]
        patched = api.patch(f"/api/v1/clients/{noted.client_a.pk}/", {"phone": "555"}).json()

        assert "staff_notes" not in detail
        assert "staff_notes" not in listed
        assert "staff_notes" not in patched

    def test_a_client_cannot_write_staff_notes(self, noted):
        response = api_for(noted, "client_a").patch(
            f"/api/v1/clients/{noted.client_a.pk}/", {"staff_notes": "I am lovely"}
        )

        assert response.status_code == 200
        noted.client_a.refresh_from_db()
        assert noted.client_a.staff_notes == "Prefers no music"

    def test_admin_writes_staff_notes(self, noted):
        response = api_for(noted, "admin").patch(
            f"/api/v1/clients/{noted.client_a.pk}/", {"staff_notes": "Runs late"}
        )

        assert response.json()["staff_notes"] == "Runs late"

    def test_a_therapist_who_is_also_a_client_does_not_see_notes_about_themself(self, cast):
        therapist = factories.make_therapist(services=[cast.service])
        own = factories.make_client(with_login=False, staff_notes="About the therapist")
        Client.objects.filter(pk=own.pk).update(user=therapist.user)

        body = factories.api_as(therapist.user).get(f"/api/v1/clients/{own.pk}/").json()

        assert body["id"] == own.pk
        assert "staff_notes" not in body


class TestCreate:
    def test_admin_creates_a_client_without_a_login(self, cast):
        response = api_for(cast, "admin").post(
            "/api/v1/clients/",
            {"first_name": "Walk", "last_name": "In", "phone": "416 555 0199"},
        )

        assert response.status_code == 201, response.content
        body = response.json()
        assert body["has_login"] is False
        assert body["email"] == ""
        assert Client.objects.get(pk=body["id"]).user is None

    def test_two_clients_without_email_may_coexist(self, cast):
        api = api_for(cast, "admin")
        first = api.post("/api/v1/clients/", {"first_name": "A", "last_name": "One"})
        second = api.post("/api/v1/clients/", {"first_name": "B", "last_name": "Two"})

        assert (first.status_code, second.status_code) == (201, 201)

    @pytest.mark.parametrize("who", ["client_a", "therapist", "other_therapist"])
    def test_others_may_not_create_clients(self, cast, who):
        response = api_for(cast, who).post(
            "/api/v1/clients/", {"first_name": "Sneaky", "last_name": "Person"}
        )

        assert response.status_code == 403
        assert not Client.objects.filter(first_name="Sneaky").exists()

    def test_anonymous_gets_401(self, cast):
        response = api_for(cast, "anonymous").post(
            "/api/v1/clients/", {"first_name": "A", "last_name": "B"}
        )

        assert response.status_code == 401

    @pytest.mark.parametrize(
        ("payload", "field"),
        [
            ({"date_of_birth": "2999-01-01"}, "date_of_birth"),
            ({"date_of_birth": "1850-01-01"}, "date_of_birth"),
            ({"date_of_birth": "31/12/1990"}, "date_of_birth"),
            ({"email": "nope"}, "email"),
            ({"first_name": ""}, "first_name"),
            ({"phone": "5" * 41}, "phone"),
        ],
    )
    def test_bad_input_is_a_400_with_field_errors(self, cast, payload, field):
        response = api_for(cast, "admin").post(
            "/api/v1/clients/", {"first_name": "A", "last_name": "B", **payload}
        )

        assert response.status_code == 400
        assert field in response.json()

    def test_a_taken_email_is_refused_ignoring_case(self, cast):
        response = api_for(cast, "admin").post(
            "/api/v1/clients/",
            {"first_name": "A", "last_name": "B", "email": cast.client_a.email.upper()},
        )

        assert response.status_code == 400
        assert "email" in response.json()

    def test_an_email_of_a_staff_login_is_refused(self, cast):
        response = api_for(cast, "admin").post(
            "/api/v1/clients/",
            {"first_name": "A", "last_name": "B", "email": cast.therapist.user.email},
        )

        assert response.status_code == 400


class TestUpdate:
    @pytest.mark.parametrize(
        ("who", "status"),
        [
            ("anonymous", 401),
            ("admin", 200),
            ("client_a", 200),
            ("client_b", 404),
            ("therapist", 403),
            ("other_therapist", 404),
        ],
    )
    def test_who_may_edit_client_a(self, cast, who, status):
        response = api_for(cast, who).patch(
            f"/api/v1/clients/{cast.client_a.pk}/", {"pronouns": "she/her"}
        )

        assert response.status_code == status
        cast.client_a.refresh_from_db()
        assert (cast.client_a.pronouns == "she/her") == (status == 200)

    def test_a_client_edits_their_own_contact_details_and_login_follows(
        self, cast, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            response = api_for(cast, "client_a").patch(
                f"/api/v1/clients/{cast.client_a.pk}/",
                {
                    "email": "alma.new@example.com",
                    "emergency_contact_name": "Sam Ashby",
                    "emergency_contact_phone": "555-0111",
                    "marketing_consent": True,
                },
            )

        assert response.status_code == 200
        old_email = cast.client_a.email
        cast.client_a.refresh_from_db()
        assert cast.client_a.emergency_contact_name == "Sam Ashby"
        assert cast.client_a.marketing_consent is True
        # The new address confirms first (a link mailed to it).
        assert cast.client_a.email == old_email
        [message] = mail.outbox
        assert message.to == ["alma.new@example.com"]
        token = message.body.split("\n\n")[1].strip()
        anon = api_for(cast, "anonymous")
        assert anon.post("/api/v1/auth/email/confirm/", {"token": token}).status_code == 200
        assert anon.post("/api/v1/auth/email/confirm/", {"token": token}).status_code == 400
        cast.client_a.refresh_from_db()
        cast.client_a.user.refresh_from_db()
        assert cast.client_a.email == cast.client_a.user.email == "alma.new@example.com"

    def test_a_taken_email_answers_as_a_free_one_and_tells_its_owner(
        self, cast, django_capture_on_commit_callbacks
    ):
        api = api_for(cast, "client_a")
        url = f"/api/v1/clients/{cast.client_a.pk}/"
        with django_capture_on_commit_callbacks(execute=True):
            free = api.patch(url, {"email": "nobody.has.it@example.com"})
        mail.outbox.clear()

        with django_capture_on_commit_callbacks(execute=True):
            taken = api.patch(url, {"email": cast.client_b.email.upper()})

        assert (taken.status_code, taken.json()) == (free.status_code, free.json())
        [message] = mail.outbox
        assert message.to == [cast.client_b.email.upper()]
        assert "tried to use your address" in message.subject
        assert "Client" not in message.body and cast.client_a.first_name not in message.body

    def test_an_admin_changes_a_clients_email_at_once_and_a_taken_one_is_refused(self, cast):
        api = api_for(cast, "admin")
        url = f"/api/v1/clients/{cast.client_a.pk}/"

        assert api.patch(url, {"email": cast.client_b.email}).status_code == 400
        assert api.patch(url, {"email": "front.desk@example.com"}).json()["email"] == (
            "front.desk@example.com"
        )

    def test_keeping_ones_own_email_is_fine(self, cast):
        response = api_for(cast, "client_a").put(
            f"/api/v1/clients/{cast.client_a.pk}/",
            {"first_name": "Alma", "last_name": "Ashby", "email": cast.client_a.email},
        )

        assert response.status_code == 200

    def test_date_of_birth_in_the_future_is_refused(self, cast):
        tomorrow = (timezone.localdate() + timedelta(days=2)).isoformat()

        response = api_for(cast, "client_a").patch(
            f"/api/v1/clients/{cast.client_a.pk}/", {"date_of_birth": tomorrow}
        )

        assert response.status_code == 400
        assert "date_of_birth" in response.json()

    @pytest.mark.parametrize("who", ["admin", "client_a"])
    def test_there_is_no_delete(self, cast, who):
        response = api_for(cast, who).delete(f"/api/v1/clients/{cast.client_a.pk}/")

        assert response.status_code == 405
        assert Client.objects.filter(pk=cast.client_a.pk).exists()

    def test_delete_of_a_hidden_client_is_still_not_found_or_not_allowed(self, cast):
        response = api_for(cast, "client_b").delete(f"/api/v1/clients/{cast.client_a.pk}/")

        assert response.status_code in {404, 405}
