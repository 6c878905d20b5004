"""`make run`'s web application: config.wsgi, loaded while the supervisor migrates and seeds the
demo clinic, and served only once it has.

gunicorn's worker imports this module before it accepts a connection, so Django's start-up (and
every view) loads beside `migrate` instead of after it, and no request reaches a database that
is not migrated yet: until the file named by KNEADLY_PREPARED exists, connections wait in the
listen queue. Without KNEADLY_PREPARED it is config.wsgi as it is.
"""

import os
import time
from pathlib import Path

from django.urls import get_resolver

from config.wsgi import application

get_resolver().url_patterns  # noqa: B018  every view, imported now rather than on the first request

_prepared = os.environ.get("KNEADLY_PREPARED")
while _prepared and not Path(_prepared).exists():
    time.sleep(0.05)

__all__ = ["application"]
