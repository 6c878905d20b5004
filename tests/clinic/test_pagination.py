import pytest

from tests import factories


@pytest.fixture
def many_services(db):
    for minutes in range(1, 131):
        factories.make_service(name=f"Service {minutes}", duration_minutes=minutes)


def test_lists_are_paginated_with_the_contract_envelope(anon, many_services):
    body = anon.get("/api/v1/services/").json()

    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 130
    assert len(body["results"]) == 20
    assert body["previous"] is None
    assert "page=2" in body["next"]


def test_page_size_is_capped_at_100(anon, many_services):
    body = anon.get("/api/v1/services/?page_size=1000").json()

    assert len(body["results"]) == 100


def test_a_page_past_the_end_is_404(anon, many_services):
    assert anon.get("/api/v1/services/?page=99").status_code == 404
