"""Request metrics for Prometheus (served, with the rest, by reports.metrics at /metrics).

Under gunicorn, config/gunicorn.py sets PROMETHEUS_MULTIPROC_DIR before any worker starts, so
these counters add up over all worker processes.
"""

import time

from prometheus_client import Counter, Histogram

REQUESTS = Counter("kneadly_http_requests_total", "HTTP requests answered", ["method", "status"])
LATENCY = Histogram(
    "kneadly_http_request_duration_seconds",
    "Time to answer an HTTP request",
    ["method"],
    buckets=(0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class RequestMetricsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        method = request.method if request.method in METHODS else "other"
        LATENCY.labels(method).observe(time.perf_counter() - started)
        REQUESTS.labels(method, str(response.status_code)).inc()
        return response
