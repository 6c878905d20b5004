"""An empty query parameter is never "no filter": `?therapist=`, `?status=`, `?search=`,
`?page=` on every route that documents the parameter is a 400 naming it, in the contract's
error shape (to mean no filter, leave the parameter out). The routes are the authorization
matrix's GET rules (every GET route of the URL conf), the parameters the published schema's."""

import functools
import re
from urllib.parse import urlsplit

import pytest
from django.urls import resolve
from drf_spectacular.generators import SchemaGenerator

from tests import factories
from tests.test_authorization_matrix import RULES, world  # noqa: F401


@functools.cache
def _query_parameters() -> list[tuple[re.Pattern, list[dict]]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    found = []
    for path, item in schema["paths"].items():
        if "get" not in item:
            continue
        regex = re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(path))
        parameters = [p for p in item["get"].get("parameters", []) if p["in"] == "query"]
        found.append((re.compile(f"^{regex}$"), parameters))
    return found


def _cases():
    for rule in RULES:
        if rule.method != "get":
            continue
        path = urlsplit(rule.url).path
        for pattern, parameters in _query_parameters():
            if pattern.match(path.replace("{", "").replace("}", "")):
                for parameter in parameters:
                    yield pytest.param(rule.url, parameter, id=f"{rule.url}?{parameter['name']}=")


CASES = list(_cases())


@pytest.mark.parametrize(("url", "parameter"), CASES)
@pytest.mark.parametrize("value", ["", "  "])
def test_an_empty_value_is_a_400_naming_the_parameter(world, db, url, parameter, value):  # noqa: F811
    api = factories.api_as(world.users["admin"])
    name = parameter["name"]

    response = api.get(url.format(**world.ids), {name: value})

    assert response.status_code == 400, (name, response.status_code, response.content[:200])
    assert response["Content-Type"].startswith("application/json")
    assert list(response.json()) == [name]
    assert "leave the parameter out" in response.json()[name][0]


@pytest.mark.parametrize(("url", "parameter"), CASES)
def test_the_schema_says_a_query_value_is_never_empty(url, parameter):
    schema = parameter["schema"]
    if schema.get("type") == "array":
        assert schema["minItems"] >= 1
        schema = schema["items"]
    if schema.get("type") == "string" and "enum" not in schema:
        assert schema.get("minLength", 0) >= 1, parameter["name"]


def test_every_list_route_is_among_the_cases(world, db):  # noqa: F811
    lists = {
        resolve(rule.url.format(**world.ids).split("?")[0]).url_name
        for rule in RULES
        if rule.method == "get"
    }
    lists = {name for name in lists if name.endswith("-list")}
    covered = {
        resolve(url.format(**world.ids).split("?")[0]).url_name
        for url, _ in (case.values for case in CASES)
    }
    assert lists, "no list route found"
    assert lists <= covered, sorted(lists - covered)


def test_leaving_a_filter_out_still_means_no_filter(world, db):  # noqa: F811
    api = factories.api_as(world.users["admin"])

    assert api.get("/api/v1/bookings/").status_code == 200
    assert api.get("/api/v1/bookings/?status=confirmed").status_code == 200
