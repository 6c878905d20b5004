import logging

from rest_framework.throttling import ScopedRateThrottle

from clinic.addresses import client_ip

logger = logging.getLogger(__name__)


class ResilientScopedRateThrottle(ScopedRateThrottle):
    """Throttle counters live in Redis; when Redis is down, let the request through (and say
    so in the log) rather than refuse bookings because a rate counter is unreachable.
    Anonymous callers are counted by their address (clinic.addresses: X-Forwarded-For only from
    a trusted proxy, where DRF's own get_ident believes it from anyone)."""

    def get_ident(self, request):
        return client_ip(request) or "unknown"

    def allow_request(self, request, view):
        try:
            return super().allow_request(request, view)
        except Exception:  # the cache backend raises its client's own connection errors
            logger.warning("Throttle cache unreachable; not throttling %s", request.path)
            return True
