from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext

from clinic.models import Modality, Service
from tests import factories

ROLES = ["anonymous", "client", "therapist", "other_therapist", "admin"]
NEW_SERVICE = {
    "name": "Deep tissue massage",
    "modality": "deep_tissue",
    "duration_minutes": 90,
    "buffer_minutes": 15,
    "price": "165.00",
    "description": "Slow, firm strokes on the deeper layers.",
}


@pytest.fixture
def catalogue(db):
    return {
        "tp30": factories.make_service(name="Trigger point therapy", duration_minutes=30),
        "tp60": factories.make_service(name="Trigger point therapy", duration_minutes=60),
        "dt90": factories.make_service(
            name="Deep tissue massage", modality=Modality.DEEP_TISSUE, duration_minutes=90
        ),
        "retired": factories.make_service(
            name="Hot stone", modality=Modality.SWEDISH, duration_minutes=60, active=False
        ),
    }


def ids(response):
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


# --- Who may do what ------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_anyone_lists_and_reads_active_services(cast, catalogue, role):
    api = cast.api[role]

    listed = api.get("/api/v1/services/")
    one = api.get(f"/api/v1/services/{catalogue['tp60'].pk}/")

    assert {catalogue["tp30"].pk, catalogue["tp60"].pk, catalogue["dt90"].pk} <= ids(listed)
    assert one.status_code == 200
    assert one.json() == {
        "id": catalogue["tp60"].pk,
        "name": "Trigger point therapy",
        "modality": "trigger_point",
        "duration_minutes": 60,
        "buffer_minutes": 15,
        "price": "95.00",
        "description": "",
        "active": True,
    }


@pytest.mark.parametrize("role", ["anonymous", "client", "therapist", "other_therapist"])
def test_only_admins_see_inactive_services(cast, catalogue, role):
    retired = catalogue["retired"].pk

    assert retired not in ids(cast.api[role].get("/api/v1/services/"))
    assert retired not in ids(cast.api[role].get("/api/v1/services/?active=false"))
    assert cast.api[role].get(f"/api/v1/services/{retired}/").status_code == 404


def test_admins_see_inactive_services(cast, catalogue):
    retired = catalogue["retired"].pk

    assert retired in ids(cast.api["admin"].get("/api/v1/services/"))
    assert ids(cast.api["admin"].get("/api/v1/services/?active=false")) == {retired}
    assert cast.api["admin"].get(f"/api/v1/services/{retired}/").status_code == 200


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
def test_only_admins_create_services(cast, role, expected):
    response = cast.api[role].post("/api/v1/services/", NEW_SERVICE)

    assert response.status_code == expected
    assert Service.objects.filter(duration_minutes=90).exists() is (expected == 201)


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("anonymous", 401),
        ("client", 403),
        ("therapist", 403),
        ("other_therapist", 403),
        ("admin", 200),
    ],
)
def test_only_admins_update_services(cast, catalogue, role, expected):
    service = catalogue["tp60"]

    response = cast.api[role].patch(f"/api/v1/services/{service.pk}/", {"price": "99.50"})

    assert response.status_code == expected
    service.refresh_from_db()
    assert (service.price == Decimal("99.50")) is (expected == 200)


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
def test_only_admins_delete_services(cast, catalogue, role, expected):
    service = catalogue["tp30"]

    response = cast.api[role].delete(f"/api/v1/services/{service.pk}/")

    assert response.status_code == expected
    assert Service.objects.filter(pk=service.pk).exists() is (expected != 204)


# --- Writing --------------------------------------------------------------------------------


def test_admin_creates_a_service_with_a_decimal_price(admin_api):
    response = admin_api.post("/api/v1/services/", NEW_SERVICE)

    assert response.status_code == 201
    body = response.json()
    assert body["price"] == "165.00"
    assert body["active"] is True
    service = Service.objects.get(pk=body["id"])
    assert service.price == Decimal("165.00")
    assert service.modality == Modality.DEEP_TISSUE


def test_the_buffer_defaults_to_zero(admin_api):
    data = {k: v for k, v in NEW_SERVICE.items() if k != "buffer_minutes"}

    response = admin_api.post("/api/v1/services/", data)

    assert response.status_code == 201
    assert response.json()["buffer_minutes"] == 0


def test_admin_deactivates_and_reactivates_a_service(admin_api, catalogue, anon):
    service = catalogue["tp30"]

    admin_api.patch(f"/api/v1/services/{service.pk}/", {"active": False})
    hidden = service.pk not in ids(anon.get("/api/v1/services/"))
    admin_api.patch(f"/api/v1/services/{service.pk}/", {"active": True})

    assert hidden
    assert service.pk in ids(anon.get("/api/v1/services/"))


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"duration_minutes": 0}, "duration_minutes", "at least 1 minute."),
        ({"duration_minutes": -30}, "duration_minutes", "at least 1 minute."),
        ({"duration_minutes": 481}, "duration_minutes", "at most 480 minutes"),
        ({"duration_minutes": "an hour"}, "duration_minutes", "whole number of minutes"),
        ({"buffer_minutes": -5}, "buffer_minutes", "at least 0 minutes"),
        ({"price": "ninety"}, "price", "must be a number"),
        ({"price": "NaN"}, "price", "must be a number"),
        ({"price": "-1.00"}, "price", "cannot be negative"),
        ({"price": "95.999"}, "price", "at most 2 decimal places"),
        ({"price": "10000000"}, "price", "below 1,000,000"),
        ({"modality": "reiki"}, "modality", '"reiki" is not a modality'),
        ({"name": ""}, "name", "may not be blank"),
    ],
)
def test_bad_service_input_is_a_400_on_the_field(admin_api, change, field, message):
    response = admin_api.post("/api/v1/services/", {**NEW_SERVICE, **change})

    assert response.status_code == 400
    assert message in str(response.json()[field])
    assert not Service.objects.exists()


def test_a_bad_update_changes_nothing(admin_api, catalogue):
    service = catalogue["tp60"]

    response = admin_api.patch(
        f"/api/v1/services/{service.pk}/", {"name": "Longer", "duration_minutes": 0}
    )

    assert response.status_code == 400
    service.refresh_from_db()
    assert (service.name, service.duration_minutes) == ("Trigger point therapy", 60)


@pytest.mark.parametrize(
    ("field", "value", "constraint"),
    [
        ("duration_minutes", 0, "service_duration_positive"),
        ("duration_minutes", 600, "service_duration_max"),
        ("price", Decimal("-1"), "service_price_nonneg"),
    ],
)
def test_the_database_refuses_impossible_services(db, field, value, constraint):
    with pytest.raises(IntegrityError, match=constraint):
        factories.make_service(**{field: value})


# --- Deleting -------------------------------------------------------------------------------


def test_a_service_nobody_booked_is_deleted(admin_api, catalogue):
    service = catalogue["tp30"]

    response = admin_api.delete(f"/api/v1/services/{service.pk}/")

    assert response.status_code == 204
    assert not Service.objects.filter(pk=service.pk).exists()


def test_a_service_with_bookings_is_deactivated_not_deleted(admin_api, catalogue):
    service = catalogue["tp60"]
    therapist = factories.make_therapist(services=[service])
    booking = factories.make_booking(
        therapist=therapist,
        client=factories.make_client(),
        service=service,
        start=datetime(2026, 3, 2, 10, tzinfo=ZoneInfo("America/Toronto")),
        status="completed",
    )

    response = admin_api.delete(f"/api/v1/services/{service.pk}/")

    assert response.status_code == 200
    assert response.json()["active"] is False
    service.refresh_from_db()
    assert service.active is False
    booking.refresh_from_db()
    assert booking.service_id == service.pk


# --- Filters --------------------------------------------------------------------------------


def test_services_filter_by_modality(anon, catalogue):
    response = anon.get("/api/v1/services/?modality=deep_tissue")

    assert ids(response) == {catalogue["dt90"].pk}


def test_services_filter_by_duration(anon, catalogue):
    exact = anon.get("/api/v1/services/?duration_minutes=60")
    at_least = anon.get("/api/v1/services/?min_duration=60")
    at_most = anon.get("/api/v1/services/?max_duration=60")

    assert ids(exact) == {catalogue["tp60"].pk}
    assert ids(at_least) == {catalogue["tp60"].pk, catalogue["dt90"].pk}
    assert ids(at_most) == {catalogue["tp30"].pk, catalogue["tp60"].pk}


def test_services_search_by_name(anon, catalogue):
    response = anon.get("/api/v1/services/?search=deep")

    assert ids(response) == {catalogue["dt90"].pk}


def test_services_order_by_price(anon, catalogue):
    catalogue["tp30"].price = Decimal("50")
    catalogue["tp30"].save()

    response = anon.get("/api/v1/services/?ordering=-price")

    assert response.json()["results"][-1]["id"] == catalogue["tp30"].pk


@pytest.mark.parametrize("query", ["modality=reiki", "duration_minutes=long", "min_duration=x"])
def test_a_bad_filter_value_is_a_400(anon, catalogue, query):
    response = anon.get(f"/api/v1/services/?{query}")

    assert response.status_code == 400
    assert query.split("=")[0] in response.json()


# --- Query count ----------------------------------------------------------------------------


def count_queries(api, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert api.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("role", ["anonymous", "admin"])
def test_the_service_list_takes_the_same_queries_for_3_or_30_services(
    cast, role, django_assert_max_num_queries
):
    api, url = cast.api[role], "/api/v1/services/?page_size=100"
    for minutes in (30, 60, 90):
        factories.make_service(duration_minutes=minutes)
    few = count_queries(api, url)
    for minutes in range(1, 28):
        factories.make_service(name=f"Service {minutes}", duration_minutes=minutes)

    with django_assert_max_num_queries(few):
        rows = api.get(url).json()["results"]

    assert len(rows) == 30
    assert few <= 4
