"""The published OpenAPI schema's conventions, which generated clients depend on: stable
operationIds, one tag per resource, summaries, one naming of path parameters, the token scheme,
and an error body for every documented failure."""

import re

import pytest
from django.db import transaction
from openapi_schema_validator import OAS31Validator
from referencing import Registry, Resource

from tests import factories

pytestmark = pytest.mark.django_db

OPERATION_ID = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")


@pytest.fixture(scope="module")
def schema(django_db_setup, django_db_blocker):
    """The served schema, fetched once for the module's 29 tests (it is the code's, not the
    data's; generating it takes about a second), in a transaction rolled back after."""
    with django_db_blocker.unblock(), transaction.atomic():
        served = factories.api_as(None).get("/api/schema/?format=json").json()
        transaction.set_rollback(True)
    return served


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                yield path, method, operation


def test_operation_ids_are_clean_unique_and_named_after_the_resource_and_action(schema):
    ids = [op["operationId"] for _, _, op in operations(schema)]

    assert len(ids) == len(set(ids))
    assert [i for i in ids if not OPERATION_ID.match(i) or i.startswith("v1")] == []
    for expected in (
        "bookings_cancel",
        "bookings_check_in",
        "treatment_notes_sign",
        "bookings_list",
        "bookings_create",
        "clients_intakes_create",
        "therapists_calendar_ics_retrieve",
        "waitlist_offers_accept",
    ):
        assert expected in ids


def test_every_operation_has_one_resource_tag_and_a_summary(schema):
    tags = {}
    for path, method, operation in operations(schema):
        assert len(operation["tags"]) == 1, (method, path)
        assert operation.get("summary"), (method, path)
        tags.setdefault(operation["tags"][0], set()).add(path)

    assert "v1" not in tags
    assert {"bookings", "intakes", "working-hours", "time-off", "treatment-notes"} <= set(tags)
    assert all(p.startswith("/api/v1/bookings/") for p in tags["bookings"] if "reminders" not in p)


def test_path_parameters_are_id_for_the_resource_and_parent_id_for_parents(schema):
    names = {name for path, _, _ in operations(schema) for name in re.findall(r"\{(\w+)\}", path)}

    assert names == {"id", "client_id", "therapist_id", "booking_id"}
    for path, _, operation in operations(schema):
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "path":
                assert parameter["schema"]["type"] == "integer", (path, parameter)


def test_the_token_scheme_says_how_to_send_the_token(schema):
    scheme = schema["components"]["securitySchemes"]["tokenAuth"]

    assert scheme["type"] == "apiKey"
    assert (scheme["in"], scheme["name"]) == ("header", "Authorization")
    assert "Token <key>" in scheme["description"]


def test_every_error_status_has_a_body_in_the_error_shape(schema):
    refs = {
        "400": "ValidationError",
        "401": "Error",
        "403": "Error",
        "404": "Error",
        "409": "Conflict",
        "415": "Error",
        "422": "Error",
        "429": "Error",
    }
    for path, method, operation in operations(schema):
        responses = operation["responses"]
        for status, component in refs.items():
            if status in responses:
                content = responses[status]["content"]["application/json"]["schema"]
                assert content["$ref"].endswith(component), (method, path, status)
        if operation.get("security") and {} not in operation["security"]:
            assert "401" in responses, (method, path)
        if "requestBody" in operation:
            assert {"400", "415"} <= set(responses), (method, path)
        if "{" in path:
            assert "404" in responses, (method, path)
        if "201" in responses:
            assert "Location" in responses["201"]["headers"], (method, path)


@pytest.mark.parametrize(
    ("method", "path", "statuses"),
    [
        ("post", "/api/v1/bookings/", {"201", "400", "401", "403", "409", "415", "429"}),
        ("post", "/api/v1/bookings/{id}/reschedule/", {"200", "400", "401", "403", "404", "409"}),
        ("post", "/api/v1/bookings/{id}/confirm/", {"200", "400", "401", "403", "404"}),
        ("post", "/api/v1/treatment-notes/{id}/sign/", {"200", "400", "401", "403", "404"}),
        ("post", "/api/v1/auth/token/", {"200", "400", "415", "429"}),
        ("get", "/api/v1/health/", {"200", "503"}),
        ("post", "/api/v1/waitlist-offers/{id}/accept/", {"201", "401", "403", "404", "409"}),
    ],
)
def test_the_statuses_the_api_answers_are_documented(schema, method, path, statuses):
    assert statuses <= set(schema["paths"][path][method]["responses"])


def examples(schema):
    for path, method, operation in operations(schema):
        bodies = [("request", operation.get("requestBody", {}))]
        bodies += [(status, r) for status, r in operation["responses"].items()]
        for where, body in bodies:
            for media, content in body.get("content", {}).items():
                for name, example in content.get("examples", {}).items():
                    yield f"{method} {path} {where} {media} {name}", content["schema"], example


def test_every_example_is_valid_against_its_schema(schema):
    registry = Registry().with_resource("urn:schema", Resource.opaque(schema))
    found = list(examples(schema))
    assert len(found) >= 5
    failures = []
    for where, body_schema, example in found:
        target = {**body_schema}
        if "$ref" in target:
            target = {"$ref": "urn:schema" + target["$ref"]}
        validator = OAS31Validator(
            target, registry=registry, format_checker=OAS31Validator.FORMAT_CHECKER
        )
        failures += [f"{where}: {e.message}" for e in validator.iter_errors(example["value"])]

    assert failures == []


GUARDED = [
    ("post", "/api/v1/therapists/{therapist_id}/time-off/"),
    ("put", "/api/v1/therapists/{therapist_id}/time-off/{id}/"),
    ("patch", "/api/v1/therapists/{therapist_id}/time-off/{id}/"),
    ("put", "/api/v1/therapists/{therapist_id}/working-hours/{id}/"),
    ("patch", "/api/v1/therapists/{therapist_id}/working-hours/{id}/"),
    ("delete", "/api/v1/therapists/{therapist_id}/working-hours/{id}/"),
    ("put", "/api/v1/therapists/{id}/"),
    ("patch", "/api/v1/therapists/{id}/"),
    ("delete", "/api/v1/therapists/{id}/"),
    ("put", "/api/v1/services/{id}/"),
    ("patch", "/api/v1/services/{id}/"),
    ("delete", "/api/v1/services/{id}/"),
    ("post", "/api/v1/rooms/"),
    ("put", "/api/v1/rooms/{id}/"),
    ("patch", "/api/v1/rooms/{id}/"),
    ("patch", "/api/v1/clinic/"),
]


@pytest.mark.parametrize(("method", "path"), GUARDED)
def test_every_schedule_change_documents_the_409_listing_affected_bookings(schema, method, path):
    operation = schema["paths"][path][method]
    conflict = operation["responses"]["409"]["content"]["application/json"]["schema"]
    assert conflict["$ref"].endswith("/AffectedBookingsConflict")
    body = schema["components"]["schemas"]["AffectedBookingsConflict"]
    assert {"detail", "conflict", "affected_bookings"} <= set(body["required"])
    item = schema["components"]["schemas"]["AffectedBooking"]["properties"]
    assert {"id", "start", "end", "client", "therapist", "service", "outcome"} <= set(item)
    if method == "delete":
        names = {p["name"] for p in operation["parameters"] if p["in"] == "query"}
        assert names == {"affected_bookings", "cancel_reason"}
    else:
        ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        request = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]["properties"]
        assert {"affected_bookings", "cancel_reason"} <= set(request)
