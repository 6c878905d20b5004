"""Prometheus metrics at /metrics, for Prometheus only: the caller must present
`Authorization: Bearer <METRICS_TOKEN>` (401 otherwise; with METRICS_TOKEN unset the endpoint
does not exist, 404).

- kneadly_http_requests_total{method,status}, kneadly_http_request_duration_seconds: counted
  by each web process (clinic.metrics), summed over gunicorn's workers.
- kneadly_bookings_created_total, kneadly_bookings{status}: read from the database at scrape
  time, so every web, worker and script that books is counted, whichever process it ran in.
- kneadly_deliveries_total{kind,channel,status}: reminders and notices sent, failed or skipped
  (kneadly_deliveries_pending{kind}: still to go).
- kneadly_queue_depth{queue}: messages waiting in the Celery broker.
"""

import hmac
import os

import redis
from django.conf import settings
from django.db import DatabaseError
from django.db.models import Count
from django.http import HttpResponse, HttpResponseNotFound
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest, multiprocess
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from bookings.models import Booking
from notifications.models import DeliveryStatus, Notice, Reminder

QUEUES = ("celery",)
# kombu's Redis transport keeps each priority level of a queue in its own list.
_PRIORITY_SUFFIXES = ("", "\x06\x163", "\x06\x166", "\x06\x169")
FINISHED = (DeliveryStatus.SENT, DeliveryStatus.FAILED, DeliveryStatus.SKIPPED)


class ClinicCollector:
    """What the database and the broker hold, read at scrape time."""

    def collect(self):
        try:
            families = [*self._bookings(), *self._deliveries()]
        except DatabaseError:
            families = []  # the database is down: the request metrics still go out
        yield from families
        yield from self._queues()

    def _bookings(self):
        by_status = dict(Booking.objects.values_list("status").annotate(n=Count("id")).order_by())
        created = CounterMetricFamily("kneadly_bookings_created", "Bookings ever created")
        created.add_metric([], sum(by_status.values()))
        yield created
        now = GaugeMetricFamily("kneadly_bookings", "Bookings by status now", labels=["status"])
        for status, count in sorted(by_status.items()):
            now.add_metric([status], count)
        yield now

    def _deliveries(self):
        finished = CounterMetricFamily(
            "kneadly_deliveries",
            "Reminders and notices delivered (sent), failed or skipped",
            labels=["kind", "channel", "status"],
        )
        pending = GaugeMetricFamily(
            "kneadly_deliveries_pending", "Reminders and notices still to go", labels=["kind"]
        )
        for kind, model in (("reminder", Reminder), ("notice", Notice)):
            rows = model.objects.values_list("channel", "status").annotate(n=Count("id"))
            waiting = 0
            for channel, status, count in rows.order_by():
                if status in FINISHED:
                    finished.add_metric([kind, channel, status], count)
                else:
                    waiting += count
            pending.add_metric([kind], waiting)
        yield finished
        yield pending

    def _queues(self):
        depth = GaugeMetricFamily(
            "kneadly_queue_depth", "Messages waiting in the Celery broker", labels=["queue"]
        )
        try:
            client = redis.Redis.from_url(
                settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1
            )
            for queue in QUEUES:
                depth.add_metric(
                    [queue], sum(client.llen(queue + suffix) for suffix in _PRIORITY_SUFFIXES)
                )
        except redis.RedisError:
            return  # no figure rather than a wrong one; readiness reports the broker down
        yield depth


class _ThisProcess:
    """The default registry (this process's request metrics, Python and process figures)."""

    def collect(self):
        yield from REGISTRY.collect()


def registry() -> CollectorRegistry:
    scraped = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(scraped)
    else:
        scraped.register(_ThisProcess())
    scraped.register(ClinicCollector())
    return scraped


def _authorised(request) -> bool:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        token.strip().encode(), settings.METRICS_TOKEN.encode()
    )


def metrics_view(request):
    if not settings.METRICS_TOKEN:
        return HttpResponseNotFound("Not found.", content_type="text/plain")
    if not _authorised(request):
        response = HttpResponse("Unauthorised.", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(generate_latest(registry()), content_type=CONTENT_TYPE_LATEST)
