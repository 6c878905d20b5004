"""A request id in every log line of a request, and on its answer.

`RequestIdMiddleware` (first in MIDDLEWARE) takes the caller's X-Request-ID when it is a sane
token (letters, digits, `.`, `_`, `-`, up to 128), or makes one, returns it as X-Request-ID
and keeps it in a context variable until the request is finished (`forget`, on Django's
request_finished, so Django's own log line about the answer still carries it after the
middleware chain); `RequestIdFilter` (on the log
handlers) puts it into every record as `request_id` ("-" outside a request). gunicorn's access
log line takes it from the answer's header.
"""

import logging
import re
import uuid
from contextvars import ContextVar

HEADER = "X-Request-ID"
_SANE = re.compile(r"[A-Za-z0-9._\-]{1,128}")

current_request_id: ContextVar[str] = ContextVar("request_id", default="-")


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        offered = request.headers.get(HEADER, "")
        request_id = offered if _SANE.fullmatch(offered) else uuid.uuid4().hex
        request.request_id = request_id
        current_request_id.set(request_id)
        response = self.get_response(request)
        response[HEADER] = request_id
        return response


def forget(**kwargs) -> None:
    current_request_id.set("-")


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id.get()
        return True
