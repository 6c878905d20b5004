"""`Idempotency-Key` on creates a client may need to retry (a booking, a series, accepting an
offer): the same user sending the same key and body to the same route within 24 hours gets
the first answer again (its status and body, with `Idempotent-Replayed: true`) and nothing is
done twice; the same key with another body is a 422.

Two requests with one key at once: the first inserts the key's row and holds it (its
transaction is open until its answer is stored); the second waits on the unique index, then
finds the stored answer and replays it. Only successful answers are kept: a refused request
(400, 409, ...) leaves no row, so its retry is tried afresh.
"""

import functools
import hashlib
import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework import exceptions, status
from rest_framework.response import Response

from clinic.models import IdempotentRequest

HEADER = "Idempotency-Key"
KEPT_FOR = IdempotentRequest.KEPT_FOR
MAX_KEY_LENGTH = 255


class KeyReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = (
        f"This {HEADER} was already used with another request body: use a new key for a new "
        "request."
    )
    default_code = "idempotency_key_reused"


def fingerprint(data) -> str:
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), cls=DjangoJSONEncoder)
    return hashlib.sha256(canonical.encode()).hexdigest()


def replay(record: IdempotentRequest, digest: str) -> Response:
    if record.fingerprint != digest:
        raise KeyReused()
    return Response(record.body, status=record.status_code, headers={"Idempotent-Replayed": "true"})


def idempotent(handler):
    """Make a view method idempotent under `Idempotency-Key` (see the module docstring)."""

    @functools.wraps(handler)
    def wrapper(view, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None or not request.user.is_authenticated:
            return handler(view, request, *args, **kwargs)
        key = key.strip()
        if not key or len(key) > MAX_KEY_LENGTH:
            raise exceptions.ValidationError(
                {HEADER: [f"Give 1 to {MAX_KEY_LENGTH} characters (a UUID, say)."]}
            )
        digest = fingerprint(request.data)
        mine = {"user": request.user, "key": key, "route": request.path[:255]}
        with transaction.atomic():
            # Keys live 24 hours: the caller's expired ones go first.
            IdempotentRequest.objects.filter(
                user=request.user, created_at__lt=timezone.now() - KEPT_FOR
            ).delete()
            try:
                with transaction.atomic():
                    # Waits here while another request holding this key is still running.
                    record = IdempotentRequest.objects.create(**mine, fingerprint=digest)
            except IntegrityError:
                return replay(IdempotentRequest.objects.get(**mine), digest)
            response = handler(view, request, *args, **kwargs)
            if not status.is_success(response.status_code):
                transaction.set_rollback(True)  # the key stays free; nothing was done
                return response
            record.status_code, record.body = response.status_code, response.data
            record.save(update_fields=["status_code", "body"])
        return response

    wrapper.idempotent = True
    return wrapper
