"""The caller's address comes from one place (clinic.addresses.client_ip) for the audit log,
the login lockout (django-axes) and the throttles: X-Forwarded-For counts only when the peer
is a configured proxy (TRUSTED_PROXIES)."""

import pytest
from axes.models import AccessAttempt
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from clinic.models import AuditEntry

PROXY = "192.0.2.10"
NETWORKS = ["192.0.2.0/24", "10.0.0.0/8"]

SCENARIOS = {
    # name: (TRUSTED_PROXIES, REMOTE_ADDR, X-Forwarded-For, the caller's address)
    "no proxy configured: a forged header is ignored": ([], PROXY, "203.0.113.77", PROXY),
    "from the proxy: the address it saw": (NETWORKS, PROXY, "203.0.113.77", "203.0.113.77"),
    "not from the proxy: the peer": (NETWORKS, "198.51.100.9", "203.0.113.77", "198.51.100.9"),
    "a chain: the first untrusted from the right": (
        NETWORKS,
        PROXY,
        "6.6.6.6, 203.0.113.77, 10.1.2.3",
        "203.0.113.77",
    ),
    "from the proxy without a header: the proxy": (NETWORKS, PROXY, "", PROXY),
    "a garbled header: the last proxy": (NETWORKS, PROXY, "not-an-address", PROXY),
    "IPv6 networks": (["2001:db8::/32"], "2001:db8::1", "203.0.113.77", "203.0.113.77"),
}


def caller(remote_addr, forwarded_for, user=None) -> APIClient:
    api = APIClient(REMOTE_ADDR=remote_addr)
    if forwarded_for:
        api.defaults["HTTP_X_FORWARDED_FOR"] = forwarded_for
    if user is not None:
        api.force_authenticate(user)
    return api


@pytest.fixture(params=list(SCENARIOS), ids=list(SCENARIOS))
def scenario(request, settings):
    proxies, remote_addr, forwarded_for, expected = SCENARIOS[request.param]
    settings.TRUSTED_PROXIES = proxies
    return remote_addr, forwarded_for, expected


def test_the_audit_log_records_the_callers_address(scenario, cast):
    remote_addr, forwarded_for, expected = scenario
    api = caller(remote_addr, forwarded_for, cast.admin)

    assert api.get(f"/api/v1/clients/{cast.client.pk}/").status_code == 200

    assert AuditEntry.objects.get(object_type="clients.client").remote_addr == expected


def test_the_lockout_counts_failures_against_the_callers_address(scenario, db):
    remote_addr, forwarded_for, expected = scenario
    api = caller(remote_addr, forwarded_for)

    api.post("/api/v1/auth/token/", {"username": "tess", "password": "wrong"})

    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == [expected]


def test_the_throttle_counts_requests_against_the_callers_address(scenario, db, monkeypatch):
    remote_addr, forwarded_for, expected = scenario
    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {**SimpleRateThrottle.THROTTLE_RATES, "auth": "1/min"}
    )
    login = {"username": "tess", "password": "wrong"}

    assert caller(remote_addr, forwarded_for).post("/api/v1/auth/token/", login).status_code == 400
    # The same caller, straight from its own address: already counted.
    assert caller(expected, "").post("/api/v1/auth/token/", login).status_code == 429
    # Someone else is not.
    assert caller("198.51.100.200", "").post("/api/v1/auth/token/", login).status_code == 400


@pytest.mark.parametrize(
    ("trusted", "secure"), [([], False), (["192.0.2.0/24"], True)], ids=["anyone", "the proxy"]
)
def test_https_is_believed_from_the_trusted_proxy_only(db, settings, trusted, secure):
    settings.TRUSTED_PROXIES = trusted
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")  # BEHIND_PROXY=1
    settings.SECURE_SSL_REDIRECT = True
    api = APIClient(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_PROTO="https")

    response = api.get("/api/v1/clinic/")

    # Plain HTTP claiming to be HTTPS: redirected to HTTPS unless the proxy said so.
    assert response.status_code == (200 if secure else 301)
