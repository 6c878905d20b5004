"""Schemathesis against the service's own OpenAPI schema, in every phase, as an admin, a
therapist and a client (each signed in through the API's token scheme, `Token <key>`).

- Per operation (`test_every_operation_in_every_phase`): the **examples** phase (the schema's
  own examples), the **coverage** phase (deterministic edge cases of every parameter and body
  field: boundaries, missing required fields, wrong types, values just outside an enum or a
  range) and the **fuzzing** phase (Hypothesis-generated requests, valid and invalid).
- **Stateful** (`test_stateful_sequences`): chains of calls along the links schemathesis
  infers from the schema (create a booking, then read, reschedule or cancel it...).

Every answer must pass the response-conformance checks besides "no server error": its status
is one the operation documents, its media type is documented, its headers and its body match
the schema. `make fuzz` runs thousands of cases (FUZZ_EXAMPLES per operation and role, the
coverage phase on every operation); `make test`, and so CI, a small budget (one fuzzed case per
operation and mode, the coverage phase on the booking and intake creates: about 1,400 requests,
30-40 s of CPU). `FIGURES` counts the requests for the README (printed after the module).

Requests run in the test's transaction through the WSGI app, without a network: what one
request writes, the next can read, and all of it is rolled back at the end.
"""

import os

import hypothesis
import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from clinic import heartbeat
from clinic.accounts import issue_token
from config.wsgi import application
from tests import factories

# No 5xx; and every answer is one the schema documents: its status, media type, headers, body.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
ROLES = ("admin", "therapist", "client")
# `make fuzz` sets FUZZ_EXAMPLES (thousands of cases); `make test` runs a small budget.
FULL = "FUZZ_EXAMPLES" in os.environ
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "1"))
# Stateful: scenarios per role, and calls per scenario.
SCENARIOS = int(os.environ.get("FUZZ_SCENARIOS", str(max(2, EXAMPLES // 2))))
STEPS = int(os.environ.get("FUZZ_STEPS", "6" if FULL else "4"))
# The coverage phase is deterministic: its size is the schema's, not the budget's (about 2,000
# cases a role). `make fuzz` runs it on every operation; `make test` on the richest ones.
COVERAGE_IN_MAKE_TEST = r"^(bookings_create|clients_intakes_create)$"

FIGURES = {"requests": 0, "server_errors": 0}


def config() -> SchemathesisConfig:
    return SchemathesisConfig.from_dict(
        {
            "seed": 20261202,
            "generation": {"mode": "all", "max-examples": EXAMPLES, "database": "none"},
            "phases": {
                "examples": {"enabled": True},
                "coverage": {"enabled": FULL},
                "fuzzing": {"enabled": True},
                "stateful": {"enabled": True, "max-steps": STEPS},
            },
            "operations": []
            if FULL
            else [
                {
                    "include-operation-id-regex": COVERAGE_IN_MAKE_TEST,
                    "phases": {"coverage": {"enabled": True}},
                }
            ],
            "suppress-health-check": ["all"],
        }
    )


class Caller:
    """Signs in once, and again after an answer that ended the sign-in (log out, log out
    everywhere, a password change). Before each call: the throttle counters cleared (a
    throttled request tells nothing new) and the worker's and beat's heartbeats in place (so
    readiness answers 200)."""

    def __init__(self, user):
        self.user, self.token = user, None

    def headers(self) -> dict:
        cache.clear()
        heartbeat.touch(heartbeat.WORKER)
        heartbeat.touch(heartbeat.BEAT)
        if self.token is None:
            self.token = issue_token(self.user, otp_verified=True)[1]
        return {"Authorization": f"Token {self.token}"}

    def answered(self, response) -> None:
        FIGURES["requests"] += 1
        if response.status_code >= 500:
            FIGURES["server_errors"] += 1
        if response.status_code == 401 or response.request.method != "GET":
            # Any write may have ended the sign-in; a new token is one insert.
            self.token = None


@pytest.fixture(scope="module", autouse=True)
def _print_figures(request):
    """After the module: how many generated requests it made (the README's figures)."""
    yield
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if capture is not None and FIGURES["requests"]:
        with capture.global_and_fixture_disabled():
            print(f"\nschemathesis: {FIGURES['requests']} requests, {FIGURES['server_errors']} 5xx")


@pytest.fixture
def fuzz_world(db, clinic, settings):
    """A small clinic for generated requests to hit: a service, a therapist, two clients and
    an admin."""
    settings.ALLOWED_HOSTS = ["localhost", "testserver"]  # schemathesis's WSGI client host
    service = factories.make_service()
    therapist = factories.make_therapist(services=[service])
    client = factories.make_client()
    factories.make_client()
    admin = factories.make_admin("fuzzadmin")
    return {"admin": admin, "client": client.user, "therapist": therapist.user}


@pytest.fixture(params=ROLES)
def role(request):
    # schemathesis 4.32's pytest plugin renames each operation's subtest through
    # `node._nodeid`, which pytest 9 no longer sets.
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid
    return request.param


@pytest.fixture
def caller(fuzz_world, role):
    return Caller(fuzz_world[role])


@pytest.fixture
def api_schema(fuzz_world, role):
    # Calling the WSGI app directly would close the test transaction's connection after each
    # request; Django's own test client disconnects the same handlers.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield schemathesis.openapi.from_wsgi("/api/schema/?format=json", application, config=config())
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.mark.fuzz
@schema.parametrize()
def test_every_operation_in_every_phase(case, caller):
    response = case.call(headers=caller.headers())
    caller.answered(response)
    case.validate_response(response, checks=CHECKS)


@pytest.mark.fuzz
def test_stateful_sequences(api_schema, caller):
    class Sequences(api_schema.as_state_machine()):
        def get_call_kwargs(self, case):
            return {"headers": caller.headers()}

        def after_call(self, response, case):
            caller.answered(response)

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(response, checks=CHECKS)

    before = FIGURES["requests"]
    Sequences.run(
        settings=hypothesis.settings(
            max_examples=SCENARIOS,
            stateful_step_count=STEPS,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
    )
    assert FIGURES["requests"] > before  # the machine made calls (it found links to follow)
