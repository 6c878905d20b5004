"""Browser tests: Playwright for Python driving Debian's Chromium (`apt-get install chromium`;
`playwright install` cannot download browsers here). Without Chromium they are skipped, and
the test run's header says so plainly."""

import os

import pytest

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
HAVE_CHROMIUM = os.path.exists(CHROMIUM)
# Playwright's sync API runs an event loop in the test's thread; the ORM calls in the same
# test (fixtures, assertions) are ordinary synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _said() -> str:
    if HAVE_CHROMIUM:
        return f"browser tests: run in Chromium at {CHROMIUM}"
    return "browser tests: SKIPPED, no Chromium here (apt-get install -y chromium)"


def pytest_report_header(config):
    return _said()


def pytest_terminal_summary(terminalreporter):
    terminalreporter.write_line(_said())  # said at the end too, where -q still shows it


def pytest_collection_modifyitems(config, items):
    if HAVE_CHROMIUM:
        return
    skip = pytest.mark.skip(reason="no Chromium installed (apt-get install -y chromium)")
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1024, "height": 768})
    yield context.new_page()
    context.close()
