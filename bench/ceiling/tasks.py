from celery import shared_task
from django.db.models import F

from bench.ceiling.models import Memo


@shared_task(name="bench.ceiling.tasks.touch", ignore_result=True)
def touch(memo_id: int) -> None:
    """The trivial task: one UPDATE."""
    Memo.objects.filter(pk=memo_id).update(touched=F("touched") + 1)
