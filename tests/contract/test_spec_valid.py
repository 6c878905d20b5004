"""The published schema is a valid OpenAPI document, by a validator nobody here wrote."""

import pytest
from openapi_spec_validator import validate

pytestmark = pytest.mark.django_db


def test_the_schema_passes_openapi_spec_validator(anon):
    response = anon.get("/api/schema/?format=json")

    assert response.status_code == 200
    validate(response.json())  # raises on the first error
