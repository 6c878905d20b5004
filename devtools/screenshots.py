"""Take the README's screenshots of the portal's main pages, phone (375 px) and desktop, and of
the staff screens on a tablet (1180 px).

    make screenshots        (or: python -m devtools.embedded exec -- python devtools/screenshots.py)

Runs the site on a throwaway test database (created, seeded with the demo clinic, destroyed
after), serves it from a live server thread, and drives Debian's Chromium with Playwright,
as the browser tests do. Writes docs/screenshots/<page>-<phone|desktop>.png.
"""

import os
import sys
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", "screenshots-only")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("SESSION_COOKIE_SECURE", "0")
os.environ.setdefault("CSRF_COOKIE_SECURE", "0")
os.environ.setdefault("EMAIL_URL", "locmem://")
os.environ["ALLOWED_HOSTS"] = "localhost"
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

import django  # noqa: E402

django.setup()

from django.contrib.staticfiles.handlers import StaticFilesHandler  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.testcases import LiveServerThread  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from bookings.models import Booking  # noqa: E402
from clinic.models import clinic_timezone  # noqa: E402
from clinic.statuses import BookingStatus  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
SIZES = {"phone": {"width": 375, "height": 740}, "desktop": {"width": 1280, "height": 860}}
TABLET = {"width": 1180, "height": 820}
DEMO_PASSWORD = "kneadly-demo"


def pages():
    """(name, path, signed in as the demo client) of each page to shoot, in order."""
    from clinic.models import Service

    service = Service.objects.filter(active=True, modality="trigger_point").first()
    yield "home", "/", False
    yield "book-times", f"/book/{service.pk}/?first=1", False
    yield "account", "/account/", True
    yield "intake", "/account/intake/new/", True


def shoot(browser, base: str) -> list[Path]:
    written = []
    for size_name, viewport in SIZES.items():
        context = browser.new_context(viewport=viewport, is_mobile=size_name == "phone")
        page = context.new_page()
        signed_in = False
        for name, path, needs_client in pages():
            if needs_client and not signed_in:
                page.goto(f"{base}/sign-in/")
                page.get_by_label("Username").fill("carl")
                page.get_by_label("Password").fill(DEMO_PASSWORD)
                with page.expect_navigation():
                    page.get_by_role("button", name="Sign in").click()
                signed_in = True
            page.goto(base + path)
            if name == "intake":
                page.get_by_role("button", name="Upper trapezius, left").click()
                page.get_by_role("button", name="Infraspinatus, right").click()
                page.evaluate("document.querySelector('.bodymap').scrollIntoView()")
            target = OUT / f"{name}-{size_name}.png"
            page.screenshot(path=str(target), full_page=size_name == "desktop")
            written.append(target)
        context.close()
    return written


def _sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()


def _visit_to_chart():
    """A visit of Carl's with Tess, checked in now (the demo's visits are past or future)."""
    last = Booking.objects.filter(therapist__user__username="tess", client__user__username="carl")
    template = last.order_by("-start").first()
    start = timezone.now().replace(second=0, microsecond=0) - timedelta(minutes=10)
    visit = Booking(
        therapist=template.therapist,
        client=template.client,
        service=template.service,
        status=BookingStatus.CHECKED_IN,
        price=template.service.price,
    )
    visit.set_times(start, template.service)
    visit.save()
    return visit


def shoot_staff(browser, base: str) -> list[Path]:
    """The staff screens on a tablet: the front desk's day board, a booking and the reports;
    the therapist's day, a chart being written and a client's progress."""
    upcoming = Booking.objects.filter(status__in=("requested", "confirmed")).order_by("start")
    by_day: dict[str, list] = {}
    for booking in upcoming:
        if booking.start.astimezone(clinic_timezone()).hour < 8:
            continue  # the demo's odd-hour bookings make a tall, empty grid
        by_day.setdefault(f"{booking.start.astimezone(clinic_timezone()):%Y-%m-%d}", []).append(
            booking
        )
    day, bookings = max(by_day.items(), key=lambda item: len(item[1]))
    busiest = bookings[0]
    visit = _visit_to_chart()
    written = []
    context = browser.new_context(viewport=TABLET, has_touch=True)
    page = context.new_page()

    def snap(name: str, path: str, *, full: bool = False) -> None:
        if path:
            page.goto(base + path)
        target = OUT / f"staff-{name}-tablet.png"
        page.screenshot(path=str(target), full_page=full)
        written.append(target)

    _sign_in(page, base, "admin")
    snap("board", f"/staff/board/?date={day}")
    snap("booking", f"/staff/bookings/{busiest.pk}/")
    snap("reports", "/staff/reports/", full=True)
    context.close()
    context = browser.new_context(viewport=TABLET, has_touch=True)
    page = context.new_page()
    _sign_in(page, base, "tess")
    snap("today", "/staff/today/")
    page.goto(f"{base}/staff/visits/{visit.pk}/chart/")
    page.locator("#chart-map .bm-region[data-muscle='upper_trapezius'][data-side='right']").tap()
    page.get_by_label("Pain before (0-10)").fill("7")
    page.get_by_label("Pain after (0-10)").fill("3")
    page.get_by_text("where it refers").wait_for()
    snap("chart", "", full=True)
    snap("progress", f"/staff/clients/{visit.client_id}/progress/", full=True)
    context.close()
    return written


def main() -> int:
    if not os.path.exists(CHROMIUM):
        print(f"No Chromium at {CHROMIUM} (apt-get install -y chromium).", file=sys.stderr)
        return 2
    OUT.mkdir(parents=True, exist_ok=True)
    setup_test_environment()
    # Its own throwaway database (not the test run's), and no connection kept open by the
    # server's thread past a request, so the database can be dropped at the end.
    connection.settings_dict["CONN_MAX_AGE"] = 0
    connection.settings_dict.setdefault("TEST", {})
    connection.settings_dict["TEST"]["NAME"] = f"{connection.settings_dict['NAME']}_screenshots"
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    server = None
    try:
        call_command("seed_demo", verbosity=0)
        server = LiveServerThread("localhost", StaticFilesHandler, connections_override={}, port=0)
        server.daemon = True
        server.start()
        server.is_ready.wait()
        if server.error:
            raise server.error
        base = f"http://localhost:{server.port}"
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            written = shoot(browser, base) + shoot_staff(browser, base)
            browser.close()
    finally:
        if server is not None:
            server.terminate()
        with connection.cursor() as cursor:  # whatever the server's thread left open
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        connection.close()
        connection.creation.destroy_test_db(old_name, verbosity=0)
    for path in written:
        print(path.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
