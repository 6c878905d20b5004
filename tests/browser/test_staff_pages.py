"""Every staff page in Chromium on a tablet: axe-core finds no serious or critical violation,
and the reports page draws its charts."""

import pytest
import time_machine
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible
from tests.factories import PASSWORD
from tests.staff.conftest import NOW, build_clinic, local

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def desk(transactional_db):
    with time_machine.travel(NOW, tick=True):
        yield build_clinic()


@pytest.fixture
def tablet(browser):
    context = browser.new_context(viewport={"width": 1024, "height": 768}, has_touch=True)
    yield context.new_page()
    context.close()


def sign_in(page, site, username):
    site.open(page, "/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/staff/**")


def test_every_front_desk_page_passes_axe(desk, site, tablet):
    sign_in(tablet, site, "desk")
    for path in (
        "/staff/board/",
        f"/staff/bookings/{desk.carls_visit.pk}/",
        f"/staff/book/?therapist={desk.lina.pk}&date=2026-05-05&time=14:00&q=carl",
        "/staff/week/",
        "/staff/clients/?q=o",
        f"/staff/clients/{desk.carl.pk}/",
        f"/staff/clients/{desk.carl.pk}/progress/",
        "/staff/schedules/",
        f"/staff/schedules/{desk.tess.pk}/",
        "/staff/referrals/?muscle=scalenes&side=bilateral",
        "/staff/reports/?start=2026-04-20&end=2026-05-10",
    ):
        site.open(tablet, path)
        assert_accessible(tablet)


def test_every_therapist_page_passes_axe(desk, site, tablet):
    sign_in(tablet, site, desk.tess.user.username)
    for path in (
        "/staff/today/",
        "/staff/week/",
        f"/staff/clients/{desk.dana.pk}/",
        f"/staff/schedules/{desk.tess.pk}/",
    ):
        site.open(tablet, path)
        assert_accessible(tablet)


def test_the_reports_page_draws_its_charts(desk, site, tablet):
    sign_in(tablet, site, "desk")
    site.open(tablet, "/staff/reports/?start=2026-04-20&end=2026-05-10&period=week")

    charts = tablet.locator("svg.chart")
    expect(charts).to_have_count(4)
    for index in range(4):
        box = charts.nth(index).bounding_box()
        assert box and box["width"] > 300 and box["height"] > 50
    expect(tablet.get_by_role("img", name="Revenue by service")).to_be_visible()
    expect(tablet.locator("svg.chart .chart__bar")).not_to_have_count(0)
    with tablet.expect_download() as download:
        tablet.get_by_role("link", name="Download CSV").click()
    assert download.value.suggested_filename.endswith(".csv")


def test_time_off_over_a_booking_asks_and_the_desk_cancels_it(desk, site, tablet):
    sign_in(tablet, site, "desk")
    site.open(tablet, f"/staff/schedules/{desk.tess.pk}/")
    tablet.get_by_label("From (day)").fill("2026-05-05")
    tablet.get_by_label("From (time)").fill("09:30")
    tablet.get_by_label("Until (day)").fill("2026-05-05")
    tablet.get_by_label("Until (time)").fill("11:30")
    tablet.locator("#id_reason").fill("Dentist")
    tablet.get_by_role("button", name="Add time off").click()

    listed = tablet.locator(".affected__booking")
    expect(listed).to_have_count(1)
    expect(listed).to_contain_text("Carl Bishop")
    expect(listed).to_contain_text("10:00")
    expect(listed).to_contain_text("The therapist is away then.")
    expect(tablet.get_by_label("Until (time)")).to_have_value("11:30")  # typed values kept
    assert_accessible(tablet)

    tablet.get_by_label("Reason given to the clients (optional)").fill("Tess is ill")
    tablet.get_by_role("button", name="Cancel them for the clinic").click()

    expect(tablet.get_by_text("Time off added.")).to_be_visible()
    expect(tablet.get_by_text("Carl Bishop, Trigger point therapy")).to_contain_text(
        "Cancelled by the clinic"
    )
    assert_accessible(tablet)
    desk.carls_visit.refresh_from_db()
    assert (desk.carls_visit.status, desk.carls_visit.cancel_reason) == ("cancelled", "Tess is ill")

    # The dentist runs late: the time off is changed in place, over Dana's 13:00, and kept.
    tablet.get_by_role("link", name="Change the time off from 5 May 09:30").click()
    expect(tablet.get_by_label("Until (time)")).to_have_value("11:30")
    assert_accessible(tablet)
    tablet.get_by_label("Until (time)").fill("13:30")
    tablet.get_by_role("button", name="Save the time off").click()
    expect(tablet.locator(".affected__booking")).to_contain_text("Dana Okafor")
    tablet.get_by_role("button", name="Keep them").click()

    expect(tablet.get_by_text("Time off changed.")).to_be_visible()
    (off,) = desk.tess.time_off.all()
    assert off.end == local(2026, 5, 5, 13, 30)
    desk.danas_visit.refresh_from_db()
    assert desk.danas_visit.status == "confirmed"


def test_the_therapist_resolves_a_flag_with_a_reason(desk, site, tablet):
    sign_in(tablet, site, desk.tess.user.username)
    site.open(tablet, f"/staff/clients/{desk.dana.pk}/")
    tablet.get_by_label("Why it no longer applies").fill("Stopped warfarin in April")
    tablet.get_by_role("button", name="Resolve: Anticoagulant medication").click()

    expect(tablet.get_by_text("Flag resolved.")).to_be_visible()
    expect(tablet.locator(".resolution")).to_contain_text("Stopped warfarin in April")
    assert_accessible(tablet)
