import logging
import uuid
from functools import cache

import redis
from rest_framework.throttling import ScopedRateThrottle

from clinic.addresses import client_ip

logger = logging.getLogger(__name__)

# DRF's sliding window (the times of the requests let through in the last `duration` seconds;
# a request is refused while there are `limit` of them, and a refused one is not counted) as
# one round trip instead of a read and a write: the times are a sorted set, and Redis runs the
# check and the count together. Answers {allowed, count, oldest} (count and oldest: the window
# after this request; oldest "" when it is empty).
SLIDING_WINDOW = """
local key, now, duration, limit = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - duration)
local count = redis.call('ZCARD', key)
local allowed = 0
if count < limit then
  redis.call('ZADD', key, now, ARGV[4])
  redis.call('EXPIRE', key, math.ceil(duration))
  count = count + 1
  allowed = 1
end
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
return {allowed, count, oldest[2] or ''}
"""


@cache
def _sliding_window(pool):
    """The script, registered once per connection pool (the cache makes a client per call);
    redis-py runs it by its SHA (EVALSHA) and loads it again if the server has forgotten it."""
    return redis.Redis(connection_pool=pool).register_script(SLIDING_WINDOW)


class ResilientScopedRateThrottle(ScopedRateThrottle):
    """Throttle counters live in Redis; when Redis is down, let the request through (and say
    so in the log) rather than refuse bookings because a rate counter is unreachable.
    Anonymous callers are counted by their address (clinic.addresses: X-Forwarded-For only from
    a trusted proxy, where DRF's own get_ident believes it from anyone).

    DRF's rule and answer (429 with its `Retry-After`), counted in one Redis round trip
    (`SLIDING_WINDOW`) rather than DRF's two."""

    def get_ident(self, request):
        return client_ip(request) or "unknown"

    def allow_request(self, request, view):
        try:
            return self._allow(request, view)
        except Exception:  # the cache backend raises its client's own connection errors
            logger.warning("Throttle cache unreachable; not throttling %s", request.path)
            return True

    def _allow(self, request, view):
        # ScopedRateThrottle.allow_request up to SimpleRateThrottle's cache read.
        self.scope = getattr(view, self.scope_attr, None)
        if not self.scope:
            return True
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        key = f"{self.cache.make_and_validate_key(self.key)}:window"
        client = self.cache._cache.get_client(key, write=True)
        allowed, count, oldest = _sliding_window(client.connection_pool)(
            keys=[key],
            args=[repr(self.now), self.duration, self.num_requests, uuid.uuid4().hex],
            client=client,
        )
        self.window = (int(count), float(oldest) if oldest not in (b"", "") else None)
        return bool(allowed)

    def wait(self):
        """DRF's advice from the window: the time until the oldest request leaves it."""
        count, oldest = getattr(self, "window", (0, None))
        remaining = self.duration - (self.now - oldest) if oldest is not None else self.duration
        available = self.num_requests - count + 1
        if available <= 0:
            return None
        return remaining / float(available)
