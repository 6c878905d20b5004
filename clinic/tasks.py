"""The one convention for Celery, used by every app.

- A task lives in its app's `tasks.py`, is thin, and imports the service it runs inside its
  body (services publish tasks, so a module-level import would go round in a circle).
- Services publish tasks with `publish_on_commit`: the message leaves only once the data it
  is about has committed, and a broker that is down never fails the caller's request. Work is
  never lost to a lost message: every task here has a periodic beat run that picks up what a
  lost message would have done.
"""

import logging
from functools import partial

from django.db import transaction

logger = logging.getLogger(__name__)


def publish(task, *args) -> bool:
    """Publish a task now; never raise to the caller. When the broker is down, the periodic
    run does the work later. One quick retry only: a request must not hang on a broker that
    is down."""
    try:
        task.apply_async(args=args, retry_policy={"max_retries": 1})
        return True
    except Exception:  # the broker may fail in many ways (kombu, redis, OS errors)
        logger.warning("Could not publish %s%r; it will be picked up later.", task.name, args)
        return False


def publish_on_commit(task, *args) -> None:
    """Publish a task once the current transaction commits (at once outside one)."""
    transaction.on_commit(partial(publish, task, *args))
