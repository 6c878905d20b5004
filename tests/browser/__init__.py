"""Browser tests: Playwright for Python driving Debian's Chromium where it is installed."""

import os

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
HAVE_CHROMIUM = os.path.exists(CHROMIUM)


def said() -> str:
    """What the test run says about the browser tests, at its start and at its end."""
    if HAVE_CHROMIUM:
        return f"browser tests: run in Chromium at {CHROMIUM}"
    return "browser tests: SKIPPED, no Chromium here (apt-get install -y chromium)"
