"""The database is not answering (stopped, restarting, unreachable): a 503 that says so and
when to try again, never a 500. The API's exception handler answers it for DRF views; the
middleware here answers it for every other page. Django reconnects by itself on the next
request once the database is back (persistent connections are health-checked), so nothing
needs a restart."""

import logging

import psycopg
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse

from clinic.transactions import is_contention

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5
UNAVAILABLE_MESSAGE = "The clinic's database is not answering; please try again in a few seconds."
UNAVAILABLE = (OperationalError, InterfaceError, psycopg.OperationalError, psycopg.InterfaceError)


def is_database_unavailable(exc: BaseException) -> bool:
    """A database error meaning "not now" (no connection, connection lost, server shutting
    down), not a bug in the query; contention (deadlocks) is answered elsewhere."""
    return isinstance(exc, UNAVAILABLE) and not is_contention(exc)


def unavailable_response(request) -> HttpResponse:
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": UNAVAILABLE_MESSAGE}, status=503)
    else:
        response = HttpResponse(UNAVAILABLE_MESSAGE, status=503, content_type="text/plain")
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class DatabaseUnavailableMiddleware:
    """Views outside DRF (the admin, the calendar feed, the schema pages): a 503 instead of
    Django's 500 (or its debug page) when the database is not answering."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_database_unavailable(exception):
            return None
        logger.warning("Database unavailable on %s: %s", request.path, exception)
        return unavailable_response(request)
