"""`clinic.tasks.publish_on_commit`: the same task asked for twice in one transaction is
published once, and a publish rolled back with its savepoint never swallows a later one."""

import pytest
import redis
from celery import current_app
from django.conf import settings
from django.db import transaction

from clinic.tasks import publish_on_commit

pytestmark = pytest.mark.django_db

DISPATCH = "notifications.tasks.dispatch_due"


def test_the_same_task_twice_in_one_transaction_is_published_once(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks() as callbacks:
        publish_on_commit(DISPATCH)
        publish_on_commit(DISPATCH)
        publish_on_commit(DISPATCH, 7)  # other arguments: another publish

    assert [repr(cb) for cb in callbacks] == [f"publish {DISPATCH}()", f"publish {DISPATCH}(7,)"]


def test_a_publish_rolled_back_with_its_savepoint_does_not_swallow_the_next(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks() as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            publish_on_commit(DISPATCH)
            raise RuntimeError
        publish_on_commit(DISPATCH)

    assert [repr(cb) for cb in callbacks] == [f"publish {DISPATCH}()"]


def test_one_waiting_in_a_savepoint_since_released_is_not_relied_on(
    django_capture_on_commit_callbacks,
):
    # The first publish belongs to a savepoint no longer open; the outer block asks again and
    # gets its own (two publishes rather than any chance of none).
    with django_capture_on_commit_callbacks() as callbacks:
        with transaction.atomic():
            publish_on_commit(DISPATCH)
        publish_on_commit(DISPATCH)

    assert len(callbacks) == 2


def test_a_publish_that_ran_is_not_taken_for_a_new_one(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as first:
        publish_on_commit(DISPATCH)
    first[0]()  # published (the broker may be anything here: a failure is only logged)
    with django_capture_on_commit_callbacks() as second:
        publish_on_commit(DISPATCH)

    assert len(second) == 1


def waiting_messages() -> int:
    """Messages in the broker's default queue (the tests' Redis database, emptied per test)."""
    with redis.Redis.from_url(settings.CELERY_BROKER_URL) as broker:
        return broker.llen("celery")


def test_the_dispatcher_is_queued_once_until_a_worker_starts_it(
    django_capture_on_commit_callbacks,
):
    """Two transactions asking for the dispatcher while no worker has started it queue one
    message (the run reads every due row when it starts); once a run starts, the next ask
    queues another, so nothing committed after a run began waits for the beat."""
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            publish_on_commit(DISPATCH)
    assert waiting_messages() == 1

    current_app.tasks[DISPATCH].apply()  # run as a worker runs it: its start clears the marker
    with django_capture_on_commit_callbacks(execute=True):
        publish_on_commit(DISPATCH)
    assert waiting_messages() == 2


def test_other_tasks_are_published_every_time(django_capture_on_commit_callbacks):
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            publish_on_commit("clinic.tasks.heartbeat")
    assert waiting_messages() == 2
