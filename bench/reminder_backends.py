"""An email backend for the bench: sends nothing, records every send in a Redis list.

Each entry is "<X-Kneadly-Delivery header> <BENCH_NODE>", so the bench can count duplicates
and sends per worker from what the channel actually received, independently of the rows.
"""

import os

import redis
from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend

SENT_KEY = "bench:reminders:sent"
_client = None


def client() -> redis.Redis:
    global _client
    if _client is None:
        _client = redis.Redis.from_url(settings.REDIS_URL)
    return _client


class CountingEmailBackend(BaseEmailBackend):
    def send_messages(self, messages):
        node = os.environ.get("BENCH_NODE", "?")
        for message in messages:
            message.message()  # build it fully, as a real backend would
            client().rpush(SENT_KEY, f"{message.extra_headers['X-Kneadly-Delivery']} {node}")
        return len(messages)
