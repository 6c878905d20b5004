"""The front desk runs the day in Chromium: books a walk-in from the day board and checks
them in, reschedules a booking from the board, cancels one for the clinic (the client's
notice is listed); the board redraws itself when a booking arrives online. Axe-core finds no
serious or critical violation on the way."""

import re

import pytest
import time_machine
from playwright.sync_api import expect

from bookings.models import Booking
from bookings.services import create_booking
from notifications.models import Notice, NoticeKind
from tests.browser.conftest import assert_accessible
from tests.factories import PASSWORD
from tests.staff.conftest import NOW, build_clinic, local

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def frozen():
    # Ticking: the browser waits on real time while the server's clock starts at NOW.
    with time_machine.travel(NOW, tick=True) as traveller:
        yield traveller


@pytest.fixture
def desk(transactional_db, frozen):
    return build_clinic()


@pytest.fixture
def tablet(browser):
    context = browser.new_context(viewport={"width": 1180, "height": 820}, has_touch=True)
    yield context.new_page()
    context.close()


def sign_in(page, site, username):
    site.open(page, "/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/staff/**")


def test_the_front_desk_books_a_walk_in_from_the_board_and_checks_them_in(desk, site, tablet):
    page = tablet
    sign_in(page, site, "desk")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Day board")
    assert_accessible(page)

    page.get_by_role("link", name="Book Lina Park at 10:00").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Book with Lina Park")
    assert_accessible(page)
    page.get_by_label("First name").fill("Walter")
    page.get_by_label("Last name").fill("Inn")
    page.get_by_role("textbox", name=re.compile("^Phone")).fill("+1 416 555 0199")
    page.get_by_role("button", name="Add the walk-in and book").click()

    expect(page.get_by_text("Booked Walter Inn with Lina Park.")).to_be_visible()
    booking = Booking.objects.get(client__first_name="Walter")
    assert booking.start == local(2026, 5, 5, 10) and booking.client.user is None
    assert_accessible(page)
    page.get_by_role("button", name=re.compile("^Check in")).first.click()

    expect(page.get_by_text("Checked in.")).to_be_visible()
    booking.refresh_from_db()
    assert booking.status == "checked_in"
    page.get_by_role("link", name="Day board").click()
    expect(page.locator(f"[data-booking='{booking.pk}']")).to_contain_text("Checked in")


def test_the_front_desk_reschedules_from_the_board(desk, site, tablet):
    page = tablet
    sign_in(page, site, "desk")
    page.locator(f"[data-booking='{desk.carls_visit.pk}']").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Carl Bishop")

    page.get_by_role("button", name="15:00 Tess Moreau").click()

    expect(page.get_by_text("Moved; the client is told.")).to_be_visible()
    desk.carls_visit.refresh_from_db()
    assert desk.carls_visit.start == local(2026, 5, 5, 15)
    assert Notice.objects.filter(booking=desk.carls_visit, kind=NoticeKind.RESCHEDULED).exists()
    notices = page.get_by_role("region", name="Reminders and notices")
    expect(notices.get_by_role("cell", name="Rescheduled")).to_be_visible()
    assert_accessible(page)


def test_the_front_desk_cancels_for_the_clinic_and_the_client_is_told(desk, site, tablet):
    page = tablet
    sign_in(page, site, "desk")
    page.locator(f"[data-booking='{desk.danas_visit.pk}']").click()

    page.get_by_label("The clinic").check()
    page.get_by_label("Reason").fill("Tess is ill today")
    page.get_by_role("button", name="Cancel the booking").click()

    expect(page.get_by_text("Cancelled; the client is told.")).to_be_visible()
    desk.danas_visit.refresh_from_db()
    assert desk.danas_visit.status == "cancelled"
    assert desk.danas_visit.cancelled_by == "clinic" and not desk.danas_visit.late_cancellation
    assert Notice.objects.filter(booking=desk.danas_visit, kind=NoticeKind.CANCELLATION).exists()
    notices = page.get_by_role("region", name="Reminders and notices")
    expect(notices.get_by_role("cell", name="Cancellation")).to_be_visible()
    assert_accessible(page)


def test_the_board_redraws_itself_when_a_client_books_online(desk, site, tablet):
    page = tablet
    page.clock.install()  # the page's timers, so that its 15 s pass at once below
    sign_in(page, site, "desk")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Day board")

    online = create_booking(
        client=desk.erin,
        therapist=desk.lina,
        service=desk.service,
        start=local(2026, 5, 5, 15),
        actor=desk.erin.user,
    )

    # The page asks for the grid every 15 s and redraws it only when it changed.
    expect(page.locator(f"[data-booking='{online.pk}']")).to_have_count(0)
    page.clock.fast_forward(15_000)
    expect(page.locator(f"[data-booking='{online.pk}']")).to_contain_text(
        "Erin Walsh", timeout=10_000
    )
    expect(page.locator("#board-refreshed")).to_contain_text("Updated")
