"""`manage.py healthcheck web|worker|beat`: exit 0 when that process is healthy, else 1.

What the container health checks run (docker-compose.yml, Dockerfile):
- web: GET the liveness endpoint on this container's gunicorn, with a Host header that
  ALLOWED_HOSTS accepts (probes come from 127.0.0.1, which it need not list).
- worker: the worker on this host answers a Celery ping over the broker.
- beat: beat's heartbeat (clinic.heartbeat) is no older than HEARTBEAT_MAX_AGE seconds.
"""

import http.client
import os
import socket

from celery import current_app
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from clinic import heartbeat

LIVE_PATH = "/api/v1/health/live/"


def probe_host() -> str:
    """A host name ALLOWED_HOSTS accepts: its first entry ("*" and ".domain" made concrete)."""
    for entry in settings.ALLOWED_HOSTS:
        if entry == "*":
            return "localhost"
        return entry.lstrip(".")
    return "localhost"


class Command(BaseCommand):
    help = "Exit 0 when the web, worker or beat process of this container is healthy."

    def add_arguments(self, parser):
        parser.add_argument("process", choices=["web", "worker", "beat"])
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--path", default=LIVE_PATH, help="web: the path to ask")
        parser.add_argument("--node", default=f"celery@{socket.gethostname()}")
        parser.add_argument("--timeout", type=float, default=5.0)

    def handle(self, *args, process, port, path, node, timeout, **options):
        problem = getattr(self, f"check_{process}")(
            port=port, path=path, node=node, timeout=timeout
        )
        if problem:
            raise CommandError(f"{process}: {problem}")
        self.stdout.write(f"{process}: ok")

    def check_web(self, *, port, path, timeout, **_):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        try:
            connection.request("GET", path, headers={"Host": probe_host()})
            status = connection.getresponse().status
        except OSError as error:
            return f"no answer on port {port} ({error})"
        finally:
            connection.close()
        return None if status == 200 else f"{path} answered {status}"

    def check_worker(self, *, node, timeout, **_):
        try:
            replies = current_app.control.ping(destination=[node], timeout=timeout)
        except Exception as error:  # the broker is down: so, for our purpose, is the worker
            return f"cannot reach the broker ({error})"
        return None if replies else f"{node} did not answer a ping"

    def check_beat(self, **_):
        seconds = heartbeat.age(heartbeat.BEAT)
        if seconds is None:
            return "no heartbeat"
        if seconds > settings.HEARTBEAT_MAX_AGE:
            return f"last heartbeat {seconds:.0f} s ago"
        return None
