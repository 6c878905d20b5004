"""The caller's IP address, from one place: the audit log (clinic.audit), the login lockout
(django-axes, AXES_CLIENT_IP_CALLABLE) and the throttles (clinic.api.throttling) all ask here.

X-Forwarded-For is believed only when the peer (REMOTE_ADDR) is one of TRUSTED_PROXIES (IP
addresses or networks, such as `10.0.0.0/8`). Then the header is read from the right: each
trusted proxy appended the address it saw, so the first address from the right that is not a
trusted proxy is the caller; what lies to its left came from the caller and may be forged.
Without trusted proxies the header is ignored, whoever sends it.

`UntrustedForwardedHeadersMiddleware` (early in MIDDLEWARE) goes further: from a peer that is
not a trusted proxy it removes every X-Forwarded-* header before Django reads any, so
SECURE_PROXY_SSL_HEADER (BEHIND_PROXY=1) cannot be satisfied by a caller claiming
`X-Forwarded-Proto: https` on plain HTTP either.
"""

import ipaddress
from functools import lru_cache

from django.conf import settings

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def _parse(value: str | None) -> Address | None:
    try:
        address = ipaddress.ip_address((value or "").strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


@lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(proxy.strip(), strict=False) for proxy in proxies)


def _trusted(address: Address) -> bool:
    return any(address in network for network in _networks(tuple(settings.TRUSTED_PROXIES)))


def client_ip(request) -> str | None:
    """The caller's address as a string (None when the peer's is not an IP address)."""
    address = _parse(request.META.get("REMOTE_ADDR"))
    if address is None:
        return None
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop for hop in forwarded.split(",") if hop.strip()]
    while _trusted(address) and hops:
        hop = _parse(hops.pop())
        if hop is None:  # a garbled entry: trust stops at the proxy that passed it on
            break
        address = hop
    return str(address)


class UntrustedForwardedHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        peer = _parse(request.META.get("REMOTE_ADDR"))
        if peer is None or not _trusted(peer):
            for key in [key for key in request.META if key.startswith("HTTP_X_FORWARDED_")]:
                del request.META[key]
        return self.get_response(request)
