"""The suite's own set-up for pytest-xdist (`make test` runs two workers): every worker has a
Redis database of its own, since each test starts by clearing the cache, which empties the
whole database (throttles, heartbeats and the Celery broker live there too)."""

import pytest

from tests.pytest_env import redis_url_for_worker


def test_each_worker_takes_the_next_redis_database():
    assert redis_url_for_worker("redis://127.0.0.1:6379/5", "gw0") == "redis://127.0.0.1:6379/5"
    assert redis_url_for_worker("redis://127.0.0.1:6379/5", "gw2") == "redis://127.0.0.1:6379/7"
    assert redis_url_for_worker("redis://:pw@cache:6379", "gw1") == "redis://:pw@cache:6379/1"


def test_a_unix_socket_keeps_its_path_and_names_its_database():
    # The embedded Redis of `make test` listens on a socket.
    assert redis_url_for_worker("unix:///tmp/r/redis.socket", "gw1") == (
        "unix:///tmp/r/redis.socket?db=1"
    )
    assert redis_url_for_worker("unix:///tmp/r/redis.socket?db=3", "gw1") == (
        "unix:///tmp/r/redis.socket?db=4"
    )


def test_a_worker_past_redis_databases_is_refused_with_a_reason():
    with pytest.raises(RuntimeError, match="leaves no Redis database for xdist worker gw1"):
        redis_url_for_worker("redis://127.0.0.1:6379/15", "gw1")
