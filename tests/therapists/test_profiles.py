from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext

from clinic.models import Modality
from tests import factories
from therapists.models import Therapist

User = get_user_model()
ROLES = ["anonymous", "client", "therapist", "other_therapist", "admin"]
PUBLIC = {"id", "display_name", "bio", "photo_url", "modalities", "services", "active"}
PRIVATE = {"username", "email", "license_number", "license_expires_on", "email_booking_notices"}


def new_therapist(services=(), **change):
    return {
        "username": "nadia",
        "email": "nadia@example.com",
        "password": "deep-tissue-all-day-7",
        "display_name": "Nadia Rahimi, RMT",
        "bio": "Sports and deep tissue.",
        "modalities": ["deep_tissue", "sports"],
        "services": [s.pk for s in services],
        "license_number": "RMT-2040",
        "license_expires_on": "2030-06-30",
        **change,
    }


def ids(response):
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


@pytest.fixture
def deep60(db):
    return factories.make_service(
        name="Deep tissue massage", modality=Modality.DEEP_TISSUE, duration_minutes=60
    )


@pytest.fixture
def tp60(db):
    return factories.make_service(name="Trigger point therapy", duration_minutes=60)


# --- Reading --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["anonymous", "client", "other_therapist"])
def test_others_see_only_the_public_profile(cast, role):
    tess = cast.tess
    tess.license_number = "RMT-1234"
    tess.save()

    listed = cast.api[role].get("/api/v1/therapists/").json()["results"]
    one = cast.api[role].get(f"/api/v1/therapists/{tess.pk}/")

    assert one.status_code == 200
    assert set(one.json()) == PUBLIC
    assert {row["id"]: set(row) for row in listed}[tess.pk] == PUBLIC
    assert "RMT-1234" not in one.content.decode()
    assert tess.user.email not in one.content.decode()


@pytest.mark.parametrize("role", ["therapist", "admin"])
def test_admins_and_the_therapist_themself_see_license_and_email(cast, role):
    tess = cast.tess
    tess.license_number = "RMT-1234"
    tess.license_expires_on = date(2030, 1, 31)
    tess.save()

    body = cast.api[role].get(f"/api/v1/therapists/{tess.pk}/").json()

    assert set(body) == PUBLIC | PRIVATE
    assert body["license_number"] == "RMT-1234"
    assert body["license_expires_on"] == "2030-01-31"
    assert body["email"] == tess.user.email
    assert body["username"] == tess.user.username


def test_a_therapist_sees_their_own_private_fields_in_the_list_but_not_a_colleagues(cast):
    rows = cast.api["therapist"].get("/api/v1/therapists/").json()["results"]
    by_id = {row["id"]: row for row in rows}

    assert "license_number" in by_id[cast.tess.pk]
    assert "license_number" not in by_id[cast.omar.pk]


@pytest.mark.parametrize("role", ["anonymous", "client", "therapist", "other_therapist"])
def test_non_admins_list_only_active_therapists(cast, role):
    cast.omar.active = False
    cast.omar.save()

    listed = ids(cast.api[role].get("/api/v1/therapists/"))
    inactive_asked = ids(cast.api[role].get("/api/v1/therapists/?active=false"))

    assert listed == [cast.tess.pk]
    assert inactive_asked == []


@pytest.mark.parametrize(("role", "expected"), [("anonymous", 404), ("client", 404)])
def test_an_inactive_therapist_is_not_found_for_the_public(cast, role, expected):
    cast.tess.active = False
    cast.tess.save()

    assert cast.api[role].get(f"/api/v1/therapists/{cast.tess.pk}/").status_code == expected


def test_an_inactive_therapist_still_reads_their_own_profile(cast):
    cast.tess.active = False
    cast.tess.save()

    response = cast.api["therapist"].get(f"/api/v1/therapists/{cast.tess.pk}/")

    assert response.status_code == 200
    assert response.json()["active"] is False


def test_admins_list_inactive_therapists_too(cast):
    cast.omar.active = False
    cast.omar.save()

    assert ids(cast.api["admin"].get("/api/v1/therapists/")) == [cast.omar.pk, cast.tess.pk]
    assert ids(cast.api["admin"].get("/api/v1/therapists/?active=false")) == [cast.omar.pk]


def test_the_public_profile_lists_only_services_a_client_can_book(cast, tp60):
    retired = factories.make_service(duration_minutes=90, active=False)
    cast.tess.services.set([tp60, retired])

    public = cast.api["anonymous"].get(f"/api/v1/therapists/{cast.tess.pk}/").json()
    admin = cast.api["admin"].get(f"/api/v1/therapists/{cast.tess.pk}/").json()

    assert public["services"] == [tp60.pk]
    assert sorted(admin["services"]) == sorted([tp60.pk, retired.pk])


def test_an_unknown_therapist_is_404(cast):
    assert cast.api["admin"].get("/api/v1/therapists/99999/").status_code == 404
    assert cast.api["admin"].get("/api/v1/therapists/nobody/").status_code == 404


# --- Filters --------------------------------------------------------------------------------


def test_therapists_filter_by_modality(cast):
    response = cast.api["anonymous"].get("/api/v1/therapists/?modality=deep_tissue")

    assert ids(response) == [cast.omar.pk]


def test_therapists_filter_by_service(cast, tp60, deep60):
    cast.tess.services.set([tp60])
    cast.omar.services.set([deep60])

    assert ids(cast.api["client"].get(f"/api/v1/therapists/?service={tp60.pk}")) == [cast.tess.pk]


def test_therapists_search_by_name(cast):
    response = cast.api["anonymous"].get("/api/v1/therapists/?search=oma")

    assert ids(response) == [cast.omar.pk]


@pytest.mark.parametrize("query", ["modality=reiki", "service=99999", "service=abc"])
def test_a_bad_therapist_filter_is_a_400(cast, query):
    response = cast.api["anonymous"].get(f"/api/v1/therapists/?{query}")

    assert response.status_code == 400
    assert query.split("=")[0] in response.json()


# --- Admin creates a therapist with their login ---------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("anonymous", 401),
        ("client", 403),
        ("therapist", 403),
        ("other_therapist", 403),
        ("admin", 201),
    ],
)
def test_only_admins_create_therapists(cast, role, expected, deep60):
    response = cast.api[role].post("/api/v1/therapists/", new_therapist([deep60]))

    assert response.status_code == expected
    assert User.objects.filter(username="nadia").exists() is (expected == 201)


def test_admin_creates_a_therapist_and_their_login_in_one_call(admin_api, deep60, anon):
    response = admin_api.post("/api/v1/therapists/", new_therapist([deep60]))

    assert response.status_code == 201
    body = response.json()
    assert "password" not in body
    assert body["username"] == "nadia"
    assert body["email"] == "nadia@example.com"
    assert body["modalities"] == ["deep_tissue", "sports"]
    assert body["services"] == [deep60.pk]
    assert body["license_number"] == "RMT-2040"
    assert body["active"] is True
    therapist = Therapist.objects.get(pk=body["id"])
    assert therapist.user.check_password("deep-tissue-all-day-7")
    assert not therapist.user.is_staff
    token = anon.post(
        "/api/v1/auth/token/", {"username": "nadia", "password": "deep-tissue-all-day-7"}
    ).json()["token"]
    anon.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = anon.get("/api/v1/auth/me/").json()
    assert (me["role"], me["therapist"]) == ("therapist", therapist.pk)


def test_modalities_are_stored_once_each_in_a_stable_order(admin_api):
    response = admin_api.post(
        "/api/v1/therapists/",
        new_therapist(modalities=["sports", "trigger_point", "sports"]),
    )

    assert response.status_code == 201
    assert response.json()["modalities"] == ["trigger_point", "sports"]


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"password": "123"}, "password", "too short"),
        ({"password": "password"}, "password", "too common"),
        ({"password": "nadia@example"}, "password", "too similar"),
        ({"username": "NADIA!"}, "username", "Enter a valid username"),
        ({"email": "not-an-email"}, "email", "valid email"),
        ({"display_name": ""}, "display_name", "may not be blank"),
        ({"modalities": ["reiki"]}, "modalities", '"reiki" is not a modality'),
        ({"services": [99999]}, "services", "There is no service with id 99999"),
        ({"modalities": ["sports"]}, "services", "does not practise"),
        ({"license_expires_on": "someday"}, "license_expires_on", "wrong format"),
        ({"photo_url": "not a url"}, "photo_url", "valid URL"),
    ],
)
def test_a_bad_create_is_a_400_and_leaves_no_login_behind(
    admin_api, deep60, change, field, message
):
    response = admin_api.post("/api/v1/therapists/", {**new_therapist([deep60]), **change})

    assert response.status_code == 400
    assert message in str(response.json()[field])
    assert not User.objects.filter(username__iexact="nadia").exists()
    assert not Therapist.objects.filter(display_name__startswith="Nadia").exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"username": "TESS_LOGIN"}, "username"),
        ({"email": "TESS@example.com"}, "email"),
        ({"license_number": "RMT-1"}, "license_number"),
    ],
)
def test_a_taken_username_email_or_license_is_refused(cast, change, field):
    cast.tess.user.username = "tess_login"
    cast.tess.user.email = "tess@example.com"
    cast.tess.user.save()
    cast.tess.license_number = "RMT-1"
    cast.tess.save()
    users = User.objects.count()

    response = cast.api["admin"].post("/api/v1/therapists/", new_therapist(**change))

    assert response.status_code == 400
    assert set(response.json()) == {field}
    assert User.objects.count() == users


def test_a_retired_service_cannot_be_given_to_a_therapist(admin_api):
    retired = factories.make_service(
        modality=Modality.DEEP_TISSUE, duration_minutes=45, active=False
    )

    response = admin_api.post("/api/v1/therapists/", new_therapist([retired]))

    assert response.status_code == 400
    assert "no longer offered" in str(response.json()["services"])


def test_the_database_keeps_license_numbers_unique(db):
    factories.make_therapist(license_number="RMT-7")

    with pytest.raises(IntegrityError, match="therapist_license_number_unique"):
        factories.make_therapist(license_number="RMT-7")


def test_the_database_allows_many_therapists_without_a_license_number(db):
    factories.make_therapist(license_number="")
    factories.make_therapist(license_number="")

    assert Therapist.objects.filter(license_number="").count() == 2


def test_the_database_refuses_an_unknown_modality(db):
    with pytest.raises(IntegrityError, match="therapist_modalities_known"):
        factories.make_therapist(modalities=["reiki"])


# --- Editing --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("anonymous", 401),
        ("client", 403),
        ("therapist", 200),
        ("other_therapist", 403),
        ("admin", 200),
    ],
)
def test_a_profile_is_edited_by_its_therapist_and_admins_only(cast, role, expected):
    response = cast.api[role].patch(
        f"/api/v1/therapists/{cast.tess.pk}/", {"bio": "Neck and shoulders."}
    )

    assert response.status_code == expected
    cast.tess.refresh_from_db()
    assert (cast.tess.bio == "Neck and shoulders.") is (expected == 200)


def test_a_therapist_edits_their_profile_services_and_email(cast, tp60):
    response = cast.api["therapist"].patch(
        f"/api/v1/therapists/{cast.tess.pk}/",
        {
            "display_name": "Tess M.",
            "photo_url": "https://example.com/tess.jpg",
            "services": [tp60.pk],
            "email": "tess.new@example.com",
        },
    )

    assert response.status_code == 200
    assert response.json()["services"] == [tp60.pk]
    assert response.json()["email"] == "tess.new@example.com"
    cast.tess.refresh_from_db()
    cast.tess.user.refresh_from_db()
    assert cast.tess.display_name == "Tess M."
    assert list(cast.tess.services.all()) == [tp60]
    assert cast.tess.user.email == "tess.new@example.com"


@pytest.mark.parametrize(
    "change",
    [{"license_expires_on": "2099-01-01"}, {"license_number": "RMT-9"}, {"active": False}],
)
def test_a_therapist_cannot_change_their_license_or_activity(cast, change):
    response = cast.api["therapist"].patch(f"/api/v1/therapists/{cast.tess.pk}/", change)

    assert response.status_code == 403
    assert next(iter(change)) in response.json()["detail"]
    cast.tess.refresh_from_db()
    assert cast.tess.license_number == ""
    assert cast.tess.active is True


def test_admin_renews_a_license_and_deactivates_a_therapist(cast):
    response = cast.api["admin"].patch(
        f"/api/v1/therapists/{cast.tess.pk}/",
        {"license_number": "RMT-55", "license_expires_on": "2031-12-31", "active": False},
    )

    assert response.status_code == 200
    cast.tess.refresh_from_db()
    assert cast.tess.license_expires_on == date(2031, 12, 31)
    assert cast.tess.active is False


def test_a_service_outside_the_modalities_is_refused_on_update(cast, deep60):
    response = cast.api["therapist"].patch(
        f"/api/v1/therapists/{cast.tess.pk}/", {"services": [deep60.pk]}
    )

    assert response.status_code == 400
    assert "Deep tissue massage (60 min) is a Deep tissue massage service" in str(
        response.json()["services"]
    )
    assert not cast.tess.services.exists()


def test_adding_the_modality_with_the_service_is_accepted(cast, deep60):
    response = cast.api["therapist"].patch(
        f"/api/v1/therapists/{cast.tess.pk}/",
        {"modalities": ["trigger_point", "deep_tissue"], "services": [deep60.pk]},
    )

    assert response.status_code == 200
    assert response.json()["services"] == [deep60.pk]


def test_dropping_a_modality_that_services_still_need_is_refused(cast, tp60):
    cast.tess.services.set([tp60])

    response = cast.api["therapist"].patch(
        f"/api/v1/therapists/{cast.tess.pk}/", {"modalities": ["deep_tissue"]}
    )

    assert response.status_code == 400
    assert "remove it from their services too" in str(response.json()["modalities"])
    cast.tess.refresh_from_db()
    assert cast.tess.modalities == ["trigger_point"]


def test_an_email_already_in_use_is_refused_on_update(cast):
    response = cast.api["therapist"].patch(
        f"/api/v1/therapists/{cast.tess.pk}/", {"email": cast.omar.user.email.upper()}
    )

    assert response.status_code == 400
    assert "already uses this email" in str(response.json()["email"])


# --- Deleting -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("anonymous", 401),
        ("client", 403),
        ("therapist", 403),
        ("other_therapist", 403),
        ("admin", 204),
    ],
)
def test_only_admins_delete_therapists(cast, role, expected):
    response = cast.api[role].delete(f"/api/v1/therapists/{cast.tess.pk}/")

    assert response.status_code == expected
    assert Therapist.objects.filter(pk=cast.tess.pk).exists() is (expected != 204)


def test_a_therapist_nobody_booked_is_deleted_with_their_login_and_schedule(cast):
    user_id = cast.tess.user_id

    response = cast.api["admin"].delete(f"/api/v1/therapists/{cast.tess.pk}/")

    assert response.status_code == 204
    assert not User.objects.filter(pk=user_id).exists()
    assert not Therapist.objects.filter(pk=cast.tess.pk).exists()


def test_a_therapist_with_bookings_is_deactivated_not_deleted(cast, tp60):
    cast.tess.services.set([tp60])
    factories.make_booking(
        therapist=cast.tess,
        client=cast.client,
        service=tp60,
        start=datetime(2026, 3, 2, 10, tzinfo=ZoneInfo("America/Toronto")),
    )

    response = cast.api["admin"].delete(f"/api/v1/therapists/{cast.tess.pk}/")

    assert response.status_code == 200
    assert response.json()["active"] is False
    cast.tess.refresh_from_db()
    assert cast.tess.active is False
    assert cast.tess.working_hours.exists()


# --- Query count ----------------------------------------------------------------------------


def count_queries(api, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert api.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("role", ROLES)
def test_the_therapist_list_takes_the_same_queries_for_2_or_20_therapists(
    cast, role, tp60, deep60, django_assert_max_num_queries
):
    api, url = cast.api[role], "/api/v1/therapists/?page_size=100"
    cast.tess.services.set([tp60])
    cast.omar.services.set([deep60])
    few = count_queries(api, url)
    for _ in range(18):
        factories.make_therapist(
            services=[tp60, deep60], modalities=[Modality.TRIGGER_POINT, Modality.DEEP_TISSUE]
        )

    with django_assert_max_num_queries(few):
        rows = api.get(url).json()["results"]

    assert len(rows) == 20
    assert sum(len(row["services"]) for row in rows) == 2 + 18 * 2
    assert few <= 7


@pytest.mark.django_db(transaction=True)
def test_a_license_number_taken_mid_request_is_a_400_and_leaves_no_login():
    import threading
    import time

    from django.db import connections, transaction

    factories.make_clinic()
    admin = factories.api_as(factories.make_admin())
    inserted = threading.Event()

    def rival():  # another admin's transaction takes the number and commits a moment later
        try:
            with transaction.atomic():
                factories.make_therapist(license_number="RMT-2040")
                inserted.set()
                time.sleep(1)
        finally:
            connections.close_all()

    thread = threading.Thread(target=rival)
    thread.start()
    inserted.wait(5)
    began = time.monotonic()
    response = admin.post("/api/v1/therapists/", new_therapist())
    waited = time.monotonic() - began
    thread.join()

    assert waited > 0.5  # it got past the checks and waited on the database's unique index
    assert response.status_code == 400
    assert "already has this license number" in str(response.json()["license_number"])
    assert not User.objects.filter(username="nadia").exists()


def test_a_therapist_may_put_back_their_profile_unchanged_license_included(cast):
    api = cast.api["therapist"]
    cast.tess.license_number = "RMT-1234"
    cast.tess.save()
    profile = api.get(f"/api/v1/therapists/{cast.tess.pk}/").json()

    response = api.put(f"/api/v1/therapists/{cast.tess.pk}/", {**profile, "bio": "Neck work."})

    assert response.status_code == 200
    assert response.json()["bio"] == "Neck work."
    assert response.json()["license_number"] == "RMT-1234"
