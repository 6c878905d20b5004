"""Transactions that PostgreSQL may fail for contention are run again, whole.

Two transactions that lock the same rows in different orders (bookings checked by an exclusion
constraint, foreign keys checked at commit, rows locked for update) can deadlock; PostgreSQL
breaks the cycle by failing one of them (deadlock_detected, 40P01), or a stricter isolation
level fails one (serialization_failure, 40001). Nothing of the failed transaction is kept, so
running it again from the start is safe and gives the answer it would have had a moment later:
the other transaction's booking is then there (409), or the time is free.

`retried_atomic` does that at the outermost transaction only: inside an outer transaction a
retry cannot undo the outer work, so it lets the error rise to whoever opened the transaction.
"""

import functools
import logging
import random
import time

from django.db import OperationalError, transaction

from clinic.errors import Conflict

logger = logging.getLogger(__name__)

DEADLOCK_DETECTED = "40P01"
SERIALIZATION_FAILURE = "40001"
CONTENTION = frozenset({DEADLOCK_DETECTED, SERIALIZATION_FAILURE})
ATTEMPTS = 5


def is_contention(exc: BaseException) -> bool:
    """A database error that a later run of the same transaction may not meet."""
    return isinstance(exc, OperationalError) and (
        getattr(exc.__cause__, "sqlstate", None) in CONTENTION
    )


def retried_atomic(func=None, *, attempts: int = ATTEMPTS):
    """Decorate a service: it runs in a transaction which, when it is the outermost one and
    PostgreSQL fails it for contention (deadlock, serialization), runs again after a short
    random pause, up to `attempts` times in all; then it is a Conflict (409: try again)."""
    if func is None:
        return functools.partial(retried_atomic, attempts=attempts)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        if transaction.get_connection().in_atomic_block:
            with transaction.atomic():
                return func(*args, **kwargs)
        for attempt in range(1, attempts + 1):
            try:
                with transaction.atomic():
                    return func(*args, **kwargs)
            except OperationalError as exc:
                if not is_contention(exc):
                    raise
                logger.info(
                    "%s: %s on attempt %d of %d",
                    func.__qualname__,
                    exc.__cause__.sqlstate,
                    attempt,
                    attempts,
                )
                if attempt == attempts:
                    raise Conflict(
                        "Another request changed the same bookings at the same moment; "
                        "please try again."
                    ) from exc
                time.sleep(random.uniform(0, 0.02 * 2**attempt))
        raise AssertionError("unreachable")  # pragma: no cover

    return wrapper
