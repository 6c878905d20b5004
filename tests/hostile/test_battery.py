"""The hostile-input battery: every route of the URL conf, every body field and query
parameter its OpenAPI schema lists, each given each hostile value, as admin and as a client:
no answer is a 5xx.

Routes and the world (clinic, clients, therapists, bookings, notes...) are the authorization
matrix's (tests/test_authorization_matrix.py): its RULES cover every route (a test there fails
for a route without one). For each (route, role) case, every hostile request starts from the
rule's valid body and replaces one field, or adds one query parameter; each runs in a savepoint
rolled back after it, with the throttle counters cleared, so that no request sees another's
writes or is throttled. Whole-body attacks (deep nesting, a bare string, a NUL, a body over the
size limit, a content type the API does not read) are sent to every route that takes a body.
`BATTERY` counts the requests and the server errors for the README's figures.
"""

import json
import re
from urllib.parse import quote

import pytest
from django.core.cache import cache
from django.db import transaction

from tests import factories
from tests.test_authorization_matrix import ROLES as MATRIX_ROLES
from tests.test_authorization_matrix import RULES, World, _body, _build_world

ROLES = ("admin", "client_a")

# Every input gets CORE, then the values of its kind (from the schema's type and format): dates
# and datetimes at and past the edges, offsets PostgreSQL refuses, a local time the
# spring-forward gap skips and an ambiguous autumn one; NUL and other control characters (C0,
# and U+0085, a C1 one); numbers too big for any column; garbage and empties. A body field also
# gets JSON of the wrong shapes.
CORE = ["\u0000", "9999-12-31T23:59:59Z", "maybe"]
BY_KIND = {
    "date": [
        "9999-12-31",
        "0001-01-01",
        "0001-01-01T00:00:00",
        "2026-12-01T00:00:00-21:48",
        "2026-12-01T00:00:00+20:00",
        "2027-03-14T02:30:00",
        "2026-11-01T01:30:00",
        "2027-01-05T10:00:00\u0000",
    ],
    "text": ["x\u0007y", "\u0085", ""],
    "number": ["-1", "99999999999999999999", "1e308", ""],
    "boolean": ["", "2"],
}
WRONG_SHAPES = [None, {"a": "\u0000"}, 2**70]
DEEP = "[" * 5000 + "]" * 5000

BATTERY = {"requests": 0, "server_errors": 0}


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield _build_world()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture(scope="module")
def schema(world, django_db_blocker):
    with django_db_blocker.unblock():
        response = factories.api_as(world.users["admin"]).get("/api/schema/?format=json")
    assert response.status_code == 200
    return json.loads(response.content)


def _operation(schema: dict, method: str, path: str) -> dict:
    for template, operations in schema["paths"].items():
        pattern = re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(template))
        if re.fullmatch(pattern, path) and method in operations:
            return operations[method]
    return {}  # not documented (a method the route refuses with 405): no inputs to vary


def _resolve(schema: dict, ref_or_schema: dict) -> dict:
    while "$ref" in ref_or_schema:
        ref_or_schema = schema["components"]["schemas"][ref_or_schema["$ref"].split("/")[-1]]
    return ref_or_schema


def _kind(schema: dict, prop: dict) -> str:
    prop = _resolve(schema, prop)
    for key in ("allOf", "oneOf", "anyOf"):
        if prop.get(key):
            return _kind(schema, prop[key][0])
    if prop.get("type") == "array":
        return _kind(schema, prop.get("items", {}))
    if prop.get("format") in ("date", "date-time"):
        return "date"
    if prop.get("type") in ("integer", "number"):
        return "number"
    return "boolean" if prop.get("type") == "boolean" else "text"


def _inputs(schema: dict, operation: dict) -> tuple[dict, dict]:
    """({query parameter: kind}, {body field: kind}) the schema lists for an operation."""
    query = {
        p["name"]: _kind(schema, p.get("schema", {}))
        for p in operation.get("parameters", [])
        if p["in"] == "query"
    }
    content = operation.get("requestBody", {}).get("content", {})
    body = _resolve(schema, content.get("application/json", {}).get("schema", {}))
    fields = {
        name: _kind(schema, prop)
        for name, prop in body.get("properties", {}).items()
        if not _resolve(schema, prop).get("readOnly") and not prop.get("readOnly")
    }
    return query, fields


class Sender:
    def __init__(self, world: World, role: str):
        self.api = factories.api_as(world.users[role])
        self.api.raise_request_exception = False  # a view's exception is a 500 to count
        self.errors: list[str] = []

    def send(self, method: str, url: str, what: str, **kwargs):
        cache.clear()  # throttle counters: every request is the first of its minute
        with transaction.atomic():
            if "content_type" not in kwargs:
                kwargs["format"] = "json"
            response = getattr(self.api, method)(url, **kwargs)
            transaction.set_rollback(True)
        BATTERY["requests"] += 1
        if response.status_code >= 500:
            BATTERY["server_errors"] += 1
            self.errors.append(f"{response.status_code} {method.upper()} {url} {what}")
        return response


def _cases():
    """(rule, role) where the role gets past the permission check (the matrix expects a 2xx,
    400 or 409): a refused caller's input reaches nothing but the parsers and middleware,
    which every allowed case reaches too."""
    patched = {rule.url for rule in RULES if rule.method == "patch"}
    for rule in RULES:
        if rule.method == "put" and rule.url in patched:
            continue  # PUT and PATCH validate through one serializer: PATCH stands for both
        for role in ROLES:
            if rule.expect[MATRIX_ROLES.index(role)] not in (401, 403, 404, 405):
                yield pytest.param(rule, role, id=f"{rule.method} {rule.url} as {role}")


@pytest.mark.parametrize(("rule", "role"), list(_cases()))
def test_no_hostile_input_is_a_server_error(world, schema, db, rule, role):
    url = rule.url.format(**world.ids)
    path, _, base_query = url.partition("?")
    operation = _operation(schema, rule.method, path)
    query_names, fields = _inputs(schema, operation)
    body = _body(rule.body, world.ids) or {}
    sender = Sender(world, role)
    joiner = "&" if base_query else "?"
    has_body = rule.method in ("post", "put", "patch")
    # Short pages make cheaper answers (a varied page_size comes last: the one read).
    if rule.method == "get" and "page_size" in query_names:
        url, joiner = url + joiner + "page_size=1", "&"

    def call(query: str = "", data=None, what: str = "", content_type=None):
        target = url + (joiner + query if query else "")
        if content_type is not None:
            return sender.send(rule.method, target, what, data=data, content_type=content_type)
        if has_body:
            return sender.send(rule.method, target, what, data=body if data is None else data)
        return sender.send(rule.method, target, what)

    for name, kind in query_names.items():
        for value in [*CORE, *BY_KIND[kind]]:
            call(f"{quote(name)}={quote(value)}", what=f"?{name}={value!r}")
    for name, kind in fields.items():
        for value in [*CORE, *BY_KIND[kind], *WRONG_SHAPES]:
            call(data={**body, name: value}, what=f"{name}={value!r}")
    if "requestBody" in operation:
        deep = call(data=DEEP, content_type="application/json", what="deep body")
        assert deep.status_code in (400, 401, 403, 404, 405), deep.content[:200]
        refused = {401, 403, 404, 405}  # before the body is read
        for raw, content_type, expected in [
            ('"\\u0000"', "application/json", {400}),
            ('{"x": 1', "application/json", {400}),
            ("username=%00&start=9999-12-31", "application/x-www-form-urlencoded", {415}),
            ("x" * (2_621_440 + 1), "application/json", {413}),  # DATA_UPLOAD_MAX_MEMORY_SIZE
            ("<xml/>", "application/xml", {415}),
        ]:
            response = call(data=raw, content_type=content_type, what=f"body {raw[:20]!r}")
            assert response.status_code in expected | refused, (raw[:20], response.content[:200])

    assert not sender.errors, "\n".join(sender.errors[:20])


def test_the_battery_figures(request):
    """Prints the figures the README quotes (run with -s to see them)."""
    print(f"\nhostile battery: {BATTERY['requests']} requests, {BATTERY['server_errors']} 5xx")
