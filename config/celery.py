import os

import click
from celery import Celery, beat, bootsteps

from clinic.heartbeat import WorkerHeartbeat

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


class ThreadedBeat(bootsteps.StartStopStep):
    """`celery worker --beat-thread`: beat in a thread of the worker, for `make run`'s small
    stack (a separate beat, or Celery's -B, which forks one, is another full Django's memory).
    The schedule file is the worker's -s. Production runs beat on its own (docker-compose.yml)."""

    label = "Beat (thread)"
    conditional = True

    def __init__(self, worker, beat_thread=False, **kwargs):
        self.enabled = bool(beat_thread)
        super().__init__(worker, **kwargs)

    def create(self, worker):
        return beat.EmbeddedService(
            worker.app,
            thread=True,
            schedule_filename=worker.schedule_filename,
            scheduler_cls=worker.scheduler,
        )


app = Celery("kneadly")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.steps["worker"].add(WorkerHeartbeat)
app.steps["worker"].add(ThreadedBeat)
app.user_options["worker"].add(
    click.Option(
        ["--beat-thread"], is_flag=True, default=False, help="Run beat in a thread of the worker."
    )
)
