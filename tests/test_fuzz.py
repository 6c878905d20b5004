"""Schemathesis against the service's own OpenAPI schema, as an admin and as a client.

Every operation gets generated requests, valid (positive) and invalid (negative); no answer may
be a 5xx and every response must match the documented schema. `make fuzz` runs it with a
bigger budget (FUZZ_EXAMPLES); `make test`, and so CI, with a small one.
"""

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
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
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "6"))
FUZZ_SETTINGS = hypothesis_settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    database=None,
)


@pytest.fixture
def api_schema(db, clinic, settings):
    settings.ALLOWED_HOSTS = ["localhost", "testserver"]  # schemathesis's WSGI client host
    # Calling the WSGI app directly would close the test transaction's connection after each
    # request; Django's own test client disconnects the same handlers.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def fuzz_world(db, clinic):
    """A small clinic for generated requests to hit: a service, a therapist, two clients; the
    worker's and beat's heartbeats, so readiness answers 200."""
    heartbeat.touch(heartbeat.WORKER)
    heartbeat.touch(heartbeat.BEAT)
    service = factories.make_service()
    therapist = factories.make_therapist(services=[service])
    client = factories.make_client()
    factories.make_client()
    admin = factories.make_admin("fuzzadmin")
    return {"admin": admin, "client": client.user, "therapist": therapist.user}


def fuzz_every_operation(schema, user) -> list[str]:
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()
        has_input = any(
            len(part) for part in (operation.path_parameters, operation.query, operation.body)
        )
        modes = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE) if has_input else ()
        for mode in modes or (GenerationMode.POSITIVE,):

            @given(case=operation.as_strategy(generation_mode=mode))
            @FUZZ_SETTINGS
            def run(case):
                # A fresh sign-in each call: log out (everywhere) is among the operations.
                token = issue_token(user, otp_verified=True)[1]
                case.call_and_validate(
                    headers={"Authorization": f"Token {token}"},
                    checks=CHECKS,
                )

            try:
                run()
            except Unsatisfiable:
                pass  # no invalid input exists for an operation without parameters
            except Exception as exc:  # collect every operation's failure, then report them all
                failures.append(f"{operation.label} ({mode.value}): {exc}")
    return failures


@pytest.mark.fuzz
@pytest.mark.parametrize("role", ["admin", "client"])
def test_no_generated_request_breaks_the_api(api_schema, fuzz_world, role):
    failures = fuzz_every_operation(api_schema, fuzz_world[role])

    assert not failures, "\n\n".join(failures)
