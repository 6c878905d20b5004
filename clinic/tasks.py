"""The one convention for Celery, used by every app.

- A task lives in its app's `tasks.py` and is thin: it imports the service it runs (at the top,
  like any module) and calls it. Tasks hold no rules.
- Services never import tasks. They publish a task by its registered name, with
  `publish_on_commit("app.tasks.name", *args)`: the message leaves only once the data it is
  about has committed, and a broker that is down never fails the caller's request. Naming the
  task (as the beat schedule does) keeps the import graph one-way: tasks -> services, never
  back.
- Work is never lost to a lost message: every task that services publish has a periodic beat
  run (CELERY_BEAT_SCHEDULE) or a claim that expires, which picks up what a lost message would
  have done.
"""

import logging

from celery import current_app, shared_task
from celery.signals import task_prerun
from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from clinic import services

logger = logging.getLogger(__name__)


def publish(task_name: str, *args) -> bool:
    """Publish the registered task `task_name` now; never raise to the caller for the broker's
    sake (an unknown name is a bug and raises KeyError). When the broker is down, the periodic
    run does the work later. One quick retry only: a request must not hang on a broker that
    is down."""
    task = current_app.tasks[task_name]
    try:
        task.apply_async(args=args, retry_policy={"max_retries": 1})
        return True
    except Exception:  # the broker may fail in many ways (kombu, redis, OS errors)
        logger.warning("Could not publish %s%r; it will be picked up later.", task_name, args)
        return False


def _queued_key(task_name: str, args: tuple) -> str:
    return f"queued:{task_name}:{args!r}"


def publish_coalesced(task_name: str, *args) -> bool:
    """Publish `task_name` unless a message of it (with these arguments) is already waiting
    for a worker: a task in `settings.COALESCED_TASKS` reads the whole state when it starts
    (the dispatcher claims every due row), so one waiting message does the work of any number
    published after it. A marker in the cache says one is waiting: set (SET NX, one round
    trip, much less than Celery's publish) by the publish that queues it, cleared when a
    worker starts the task (`task_prerun`, before the task reads anything), so whatever
    commits before a run starts is seen by that run, and whatever commits after it publishes
    anew. The marker lapses after `settings.COALESCE_SECONDS` (no longer than the beat's
    period): a lost message delays the work at most that long, as the beat's own run would."""
    key = _queued_key(task_name, args)
    try:
        fresh = cache.add(key, 1, timeout=settings.COALESCE_SECONDS)
    except Exception:  # the cache is Redis too; without it, publish as before
        fresh = True
    if not fresh:
        return True
    if publish(task_name, *args):
        return True
    try:
        cache.delete(key)  # nothing is waiting after all: the next asks again
    except Exception:
        logger.warning("Could not clear the queued marker of %s%r.", task_name, args)
    return False


@task_prerun.connect
def _clear_queued_marker(sender=None, args=None, **_) -> None:
    """A coalesced task starting: from now on a new publish is needed for what commits."""
    name = getattr(sender, "name", None)
    if name not in settings.COALESCED_TASKS:
        return
    try:
        cache.delete(_queued_key(name, tuple(args or ())))
    except Exception:
        logger.warning("Could not clear the queued marker of %s.", name)


class _Publish:
    """A publish waiting for its transaction to commit."""

    def __init__(self, task_name: str, args: tuple):
        self.task_name, self.args, self.done = task_name, args, False

    def __call__(self) -> None:
        self.done = True
        if self.task_name in settings.COALESCED_TASKS:
            publish_coalesced(self.task_name, *self.args)
        else:
            publish(self.task_name, *self.args)

    def __repr__(self) -> str:
        return f"publish {self.task_name}{self.args!r}"

    def waiting_for(self, task_name: str, args: tuple) -> bool:
        return not self.done and (self.task_name, self.args) == (task_name, args)


def publish_on_commit(task_name: str, *args) -> None:
    """Publish a task once the current transaction commits (at once outside one). The same
    task with the same arguments asked for twice in one transaction (a booking's notice to
    the client and to the therapist both ask for the dispatcher) is published once: the
    broker's round trip and Celery's own work are most of a publish.

    Only a publish waiting in savepoints that are all still open is taken for this one: it is
    discarded (a savepoint rolled back) only when this one would be, so skipping this one
    never loses a publish. A task in `settings.COALESCED_TASKS` is then published only when
    none of its messages is waiting for a worker (`publish_coalesced`)."""
    connection = transaction.get_connection()
    open_now = set(connection.savepoint_ids)
    if connection.in_atomic_block and any(
        isinstance(job, _Publish) and job.waiting_for(task_name, args) and sids <= open_now
        for sids, job, _ in connection.run_on_commit
    ):
        return
    transaction.on_commit(_Publish(task_name, args))


@shared_task(name="clinic.tasks.heartbeat", ignore_result=True)
def heartbeat() -> None:
    """Published by beat every HEARTBEAT_EVERY seconds: finishing it is the worker's heartbeat
    (clinic.heartbeat), so an idle worker still shows it is alive."""


@shared_task(name="clinic.tasks.purge_idempotent_requests", ignore_result=True)
def purge_idempotent_requests() -> int:
    """Run by beat every hour: the stored `Idempotency-Key` answers older than 24 hours go."""
    return services.purge_idempotent_requests()
