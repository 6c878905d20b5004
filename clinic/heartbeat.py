"""Heartbeats of the Celery worker and beat, kept in Redis, read by the readiness check.

- beat: its scheduler (`HeartbeatScheduler`, set as CELERY_BEAT_SCHEDULER) writes the time on
  every tick, so a beat that stopped is visible within HEARTBEAT_MAX_AGE seconds.
- worker: the worker's own timer writes the time every HEARTBEAT_EVERY seconds (the
  `WorkerHeartbeat` boot step, added in config/celery.py), and so does every task a worker
  finishes (a `task_postrun` receiver, connected in ClinicConfig.ready()); beat also publishes
  `clinic.tasks.heartbeat` every HEARTBEAT_EVERY seconds, so an idle pool finishes something.
"""

import logging
import time

import redis
from celery import bootsteps
from celery.beat import PersistentScheduler
from django.conf import settings

logger = logging.getLogger(__name__)

WORKER = "worker"
BEAT = "beat"


def _redis() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)


def _key(name: str) -> str:
    return f"kneadly:heartbeat:{name}"


def touch(name: str) -> None:
    """Record that `name` (WORKER or BEAT) is alive now; never raise (Redis may be down)."""
    try:
        _redis().set(_key(name), repr(time.time()), ex=int(settings.HEARTBEAT_MAX_AGE * 10))
    except Exception:  # a heartbeat that cannot be written is a missing heartbeat, no more
        logger.warning("Could not write the %s heartbeat", name)


def age(name: str) -> float | None:
    """Seconds since `name` last beat; None when it never did (or Redis is down)."""
    try:
        value = _redis().get(_key(name))
    except Exception:
        return None
    return None if value is None else max(0.0, time.time() - float(value))


def is_fresh(name: str) -> bool:
    seconds = age(name)
    return seconds is not None and seconds <= settings.HEARTBEAT_MAX_AGE


def worker_finished_a_task(**kwargs) -> None:
    touch(WORKER)


class HeartbeatScheduler(PersistentScheduler):
    """Celery's default scheduler, writing the beat heartbeat on every tick (and ticking at
    least every HEARTBEAT_EVERY seconds)."""

    def tick(self, *args, **kwargs):
        touch(BEAT)
        return min(super().tick(*args, **kwargs), settings.HEARTBEAT_EVERY)


class WorkerHeartbeat(bootsteps.StartStopStep):
    """A worker boot step: the heartbeat on the worker's timer, independent of beat."""

    requires = {"celery.worker.components:Timer"}

    def __init__(self, worker, **kwargs):
        super().__init__(worker, **kwargs)
        self.timer_entry = None

    def start(self, worker):
        touch(WORKER)
        self.timer_entry = worker.timer.call_repeatedly(settings.HEARTBEAT_EVERY, touch, (WORKER,))

    def stop(self, worker):
        if self.timer_entry is not None:
            self.timer_entry.cancel()
