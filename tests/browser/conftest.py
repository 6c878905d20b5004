"""Browser tests: Playwright for Python driving Debian's Chromium (`apt-get install chromium`;
`playwright install` cannot download browsers here). Without Chromium they are skipped, and
the test run's header says so plainly."""

import os

import pytest

from tests.browser import CHROMIUM, HAVE_CHROMIUM

# Playwright's sync API runs an event loop in the test's thread; the ORM calls in the same
# test (fixtures, assertions) are ordinary synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


# The run's header and its summary say whether they ran: tests/conftest.py, which pytest (and
# the pytest-xdist controller, which collects nothing) loads before any test folder.
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


@pytest.fixture
def phone(browser):
    """A page the size of a small phone (375 x 740, touch), for phone-first checks."""
    context = browser.new_context(
        viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True
    )
    yield context.new_page()
    context.close()


class Site:
    """The live server (a real PostgreSQL underneath) as a person reaches it: `site.url(path)`,
    `site.open(page, path)`; `site.outbox` is the mail sent so far (locmem)."""

    def __init__(self, live_server):
        self.base = live_server.url

    def url(self, path: str = "/") -> str:
        return self.base + path

    def open(self, page, path: str = "/"):
        page.goto(self.url(path))
        return page

    @property
    def outbox(self):
        from django.core import mail

        return mail.outbox


@pytest.fixture
def site(live_server, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = live_server.url
    return Site(live_server)


# --- Accessibility: axe-core (bundled by the axe-playwright-python package) -------------------
BLOCKING_IMPACTS = ("serious", "critical")
_AXE = None


def axe_violations(page, *, impacts=BLOCKING_IMPACTS) -> list[dict]:
    """axe-core's violations on the page as it is now, of the given impacts (WCAG 2.x A/AA
    rules and best practices)."""
    global _AXE
    from axe_playwright_python.sync_playwright import Axe

    _AXE = _AXE or Axe()
    results = _AXE.run(page)
    return [v for v in results.response["violations"] if v.get("impact") in impacts]


def assert_accessible(page, *, impacts=BLOCKING_IMPACTS) -> None:
    """Fail with a readable list when axe-core finds a serious or critical violation."""
    found = axe_violations(page, impacts=impacts)
    lines = [
        f"{v['impact']}: {v['id']}: {v['help']} -> "
        + "; ".join(" ".join(node["target"]) for node in v["nodes"][:5])
        for v in found
    ]
    assert not found, f"axe-core on {page.url}:\n" + "\n".join(lines)


@pytest.fixture
def accessible():
    """`accessible(page)`: the axe-core check, as a fixture for tests that prefer one."""
    return assert_accessible
