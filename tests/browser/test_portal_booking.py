"""A client books on the portal in Chromium, as a person would: from the home page to a
booked trigger point visit, registering on the way, with the intake and its body map; then
keyboard only; then on a phone. axe-core checks every page on the way."""

import re
from datetime import time
from decimal import Decimal

import pytest
from django.core import mail

from bookings.models import Booking
from clients.models import Client
from clinic.models import Modality
from tests import factories
from tests.browser.conftest import assert_accessible

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "a-long-passphrase-9"


@pytest.fixture
def clinic_world(db):
    factories.make_clinic(
        name="Quiet Hands Clinic",
        timezone="America/Toronto",
        address="12 Elm St, Guelph",
        phone="519-555-0100",
        min_lead_time_minutes=60,
    )
    trigger = factories.make_service(
        name="Trigger point therapy", duration_minutes=60, buffer_minutes=0, price=Decimal("95.00")
    )
    deep = factories.make_service(
        name="Deep tissue massage",
        modality=Modality.DEEP_TISSUE,
        duration_minutes=90,
        price=Decimal("130.00"),
    )
    tess = factories.make_therapist(
        display_name="Tess",
        services=[trigger, deep],
        bio="Tess untangles shoulders.",
        hours=((0, 7), time(8), time(20)),
    )
    return trigger, tess


def activation_path() -> str:
    body = mail.outbox[-1].body
    link = re.search(r"http\S+/activate/\?\S+", body).group(0)
    return link[link.index("/activate/") :]


def fill_intake(page):
    page.get_by_label("Medications").fill("None")
    # The body map: a region is a button named by its muscle and side.
    page.get_by_role("button", name="Upper trapezius, left").click()
    row = page.locator("[data-tp-row].is-current")
    assert row.get_by_label("Where").input_value() == "upper_trapezius"
    assert row.get_by_label("Side").input_value() == "left"
    row.get_by_label(re.compile("^Pain")).fill("7")
    row.get_by_label("Headache").check()
    page.get_by_label("I have read the consent above and I agree to it.").check()


def test_a_new_client_books_a_trigger_point_visit_from_the_home_page(page, site, clinic_world):
    trigger, tess = clinic_world
    site.open(page, "/")
    assert page.get_by_role("heading", name="What is trigger point massage?").is_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Book a visit").first.click()
    assert_accessible(page)
    page.get_by_role("link", name="Choose Trigger point therapy, 60 minutes").click()
    page.get_by_role("link", name="First available").click()
    assert_accessible(page)
    page.locator(".slot label").first.click()
    page.get_by_role("button", name="Continue").click()

    assert page.get_by_role("heading", name="Sign in or create your account").is_visible()
    assert_accessible(page)
    new = page.get_by_role("region", name="I am new here")
    new.get_by_label("First name").fill("Nina")
    new.get_by_label("Last name").fill("Newcomer")
    new.get_by_label("Email").fill("nina@example.com")
    new.get_by_label("Username").fill("nina")
    new.get_by_label("Password").fill(PASSWORD)
    new.get_by_role("button", name="Create my account").click()
    assert page.get_by_role("heading", name="Check your email").is_visible()

    site.open(page, activation_path())
    page.get_by_role("button", name="Activate my account").click()

    assert page.get_by_role("heading", name="Before your first visit").is_visible()
    assert_accessible(page)
    fill_intake(page)
    page.get_by_role("button", name="Save my intake").click()

    assert page.get_by_role("heading", name="Review and confirm").is_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Confirm booking").click()

    assert page.get_by_role("heading", name="You are booked").is_visible()
    assert_accessible(page)
    client = Client.objects.get(email="nina@example.com")
    booking = Booking.objects.get(client=client)
    assert booking.service == trigger and booking.therapist == tess
    point = client.intakes.get().reported_trigger_points.get()
    assert (point.muscle, point.side, point.pain, point.refers_to) == (
        "upper_trapezius",
        "left",
        7,
        "headache",
    )
    with page.expect_download() as download:
        page.get_by_role("link", name="Add to calendar (.ics)").click()
    with open(download.value.path(), "rb") as ics:
        assert b"BEGIN:VEVENT" in ics.read()


def tab_to(page, locator, *, presses=150):
    """Press Tab until `locator` has focus, as a keyboard user moves through the page."""
    for _ in range(presses):
        if locator.evaluate("el => el === document.activeElement"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {locator}")


def test_a_client_books_with_the_keyboard_only(page, site, clinic_world):
    trigger, _ = clinic_world
    client = factories.make_client(first_name="Kim")
    site.open(page, f"/book/{trigger.pk}/")

    tab_to(page, page.get_by_role("link", name="First available"))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    first_slot = page.locator(".slot input").first
    tab_to(page, first_slot)
    page.keyboard.press("Space")
    assert first_slot.is_checked()
    tab_to(page, page.get_by_role("button", name="Continue"))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    account = page.get_by_role("region", name="I have an account")
    tab_to(page, account.get_by_label("Username"))
    page.keyboard.type(client.user.username)
    page.keyboard.press("Tab")
    page.keyboard.type(factories.PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_url(re.compile("/account/intake/new/"))

    tab_to(page, page.get_by_label("Medications"))
    page.keyboard.type("Ibuprofen")
    tab_to(page, page.get_by_role("button", name="Infraspinatus, right"))
    page.keyboard.press("Enter")  # the region fills a row and moves focus to its pain slider
    page.keyboard.press("ArrowRight")  # 5 -> 6
    tab_to(page, page.get_by_label("I have read the consent above and I agree to it."))
    page.keyboard.press("Space")
    tab_to(page, page.get_by_role("button", name="Save my intake"))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_url(re.compile("/book/review/"))
    tab_to(page, page.get_by_role("button", name="Confirm booking"))
    with page.expect_navigation():
        page.keyboard.press("Enter")

    assert page.get_by_role("heading", name="You are booked").is_visible()
    assert_accessible(page)
    point = client.intakes.get().reported_trigger_points.get()
    assert (point.muscle, point.side, point.pain) == ("infraspinatus", "right", 6)
    assert Booking.objects.filter(client=client).count() == 1


def test_a_client_books_on_a_phone(phone, site, clinic_world):
    client = factories.make_client()
    factories.make_intake(client)
    site.open(phone, "/")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    assert_accessible(phone)

    with phone.expect_navigation():
        phone.get_by_role("link", name="Book Trigger point therapy").tap()
    with phone.expect_navigation():
        phone.get_by_role("link", name="First available").tap()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    assert_accessible(phone)
    phone.locator(".slot label").first.tap()
    with phone.expect_navigation():
        phone.get_by_role("button", name="Continue").tap()
    section = phone.get_by_role("region", name="I have an account")
    section.get_by_label("Username").fill(client.user.username)
    section.get_by_label("Password").fill(factories.PASSWORD)
    with phone.expect_navigation():
        section.get_by_role("button", name="Sign in").tap()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    with phone.expect_navigation():
        phone.get_by_role("button", name="Confirm booking").tap()

    assert phone.get_by_role("heading", name="You are booked").is_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    assert_accessible(phone)
    assert Booking.objects.filter(client=client).count() == 1
