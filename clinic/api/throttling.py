import logging

from rest_framework.throttling import ScopedRateThrottle

logger = logging.getLogger(__name__)


class ResilientScopedRateThrottle(ScopedRateThrottle):
    """Throttle counters live in Redis; when Redis is down, let the request through (and say
    so in the log) rather than refuse bookings because a rate counter is unreachable."""

    def allow_request(self, request, view):
        try:
            return super().allow_request(request, view)
        except Exception:  # the cache backend raises its client's own connection errors
            logger.warning("Throttle cache unreachable; not throttling %s", request.path)
            return True
