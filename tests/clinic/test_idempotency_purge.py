"""Stored `Idempotency-Key` answers live 24 hours: beat's hourly task purges the older ones."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from clinic import tasks
from clinic.models import IdempotentRequest
from tests import factories


def stored(user, key, age):
    return IdempotentRequest.objects.create(
        user=user,
        key=key,
        route="/api/v1/bookings/",
        fingerprint="0" * 64,
        status_code=201,
        body={"id": 1},
        created_at=timezone.now() - age,
    )


@pytest.mark.django_db
def test_the_task_purges_answers_older_than_a_day_and_keeps_the_rest(clinic):
    user = factories.make_client().user
    old = stored(user, "old", timedelta(hours=24, minutes=1))
    older = stored(user, "older", timedelta(days=30))
    fresh = stored(user, "fresh", timedelta(hours=23, minutes=59))

    removed = tasks.purge_idempotent_requests.apply().get()

    assert removed == 2
    remaining = set(IdempotentRequest.objects.values_list("pk", flat=True))
    assert remaining == {fresh.pk}
    assert old.pk not in remaining and older.pk not in remaining


def test_beat_runs_the_purge_every_hour():
    entries = {entry["task"]: entry for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    purge = entries["clinic.tasks.purge_idempotent_requests"]
    assert purge["schedule"] <= 60 * 60
