"""gunicorn's settings: `gunicorn -c config/gunicorn.py config.wsgi` (the image's command).

From the environment: PORT (8000), WEB_CONCURRENCY (worker processes, 3), GUNICORN_THREADS (1),
GUNICORN_TIMEOUT (30 s), GUNICORN_GRACEFUL_TIMEOUT (30 s), GUNICORN_KEEPALIVE (5 s),
GUNICORN_MAX_REQUESTS (1000) and GUNICORN_MAX_REQUESTS_JITTER (100): a worker is replaced after
that many requests, give or take the jitter, so they do not all restart at once.

The access log is one JSON object a line, and never carries a secret: query parameters whose
name says token, key, secret, password or signature (the therapists' private calendar links,
`calendar.ics?token=...`), and the Authorization and Cookie headers, are written as [redacted].
"""

import json
import os
import tempfile
import time

# Before anything imports prometheus_client: the workers' request metrics go to files in this
# directory, and /metrics adds them up (reports.metrics). Fresh for every start.
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="kneadly-prometheus-")

from gunicorn.glogging import Logger
from pythonjsonlogger.json import JsonFormatter

from clinic.redaction import REDACTED, SECRET_HEADERS, redact


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


bind = f"0.0.0.0:{_int('PORT', 8000)}"
workers = _int("WEB_CONCURRENCY", 3)
threads = _int("GUNICORN_THREADS", 1)
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
max_requests = _int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 100)
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
if os.path.isdir("/dev/shm"):  # noqa: S108  the worker heartbeat file: keep it off a slow disk
    worker_tmp_dir = "/dev/shm"  # noqa: S108


class RedactingLogger(Logger):
    """Access and error log lines as JSON, with secrets redacted from every access log field."""

    def setup(self, cfg):
        super().setup(cfg)
        for handler in self.error_log.handlers:
            handler.setFormatter(
                JsonFormatter(
                    "%(asctime)s %(levelname)s %(name)s %(message)s",
                    rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
                )
            )

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for name, value in atoms.items():
            header = name[1:-2] if name.startswith("{") and name.endswith("}i") else ""
            if header in SECRET_HEADERS:
                atoms[name] = REDACTED
            elif isinstance(value, str):
                atoms[name] = redact(value)
        return atoms

    def access(self, resp, req, environ, request_time):
        if not self.access_log_enabled:
            return
        atoms = self.atoms_wrapper_class(self.atoms(resp, req, environ, request_time))
        line = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "level": "INFO",
            "logger": "gunicorn.access",
            "message": atoms["r"],
            "remote_addr": atoms["h"],
            "method": atoms["m"],
            "path": atoms["U"],
            "query": atoms["q"],
            "status": atoms["s"],
            "bytes": atoms["B"],
            "duration_ms": atoms["M"],
            "referer": atoms["f"],
            "user_agent": atoms["a"],
            "request_id": atoms["{x-request-id}o"],
        }
        self.access_log.info(json.dumps(line))


logger_class = RedactingLogger


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
