"""After booking, in Chromium: a client moves a visit, cancels one inside the window (and is
told first that it counts as late), opens a visit from the link in its email without signing
in, and takes a waitlist offer from its email. axe-core checks each page."""

import re
from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils import timezone

from bookings import services as booking_services
from bookings.models import Booking
from config.celery import app as celery_app
from notifications import tasks as notification_tasks
from tests import factories
from tests.browser.conftest import assert_accessible
from waitlist import services as waitlist
from waitlist.models import WaitlistOffer

pytestmark = pytest.mark.django_db(transaction=True)
TORONTO = ZoneInfo("America/Toronto")


@pytest.fixture
def world(db):
    factories.make_clinic(
        name="Quiet Hands Clinic",
        timezone="America/Toronto",
        min_lead_time_minutes=60,
        cancellation_window_hours=24,
    )
    service = factories.make_service(
        name="Trigger point therapy", duration_minutes=60, buffer_minutes=0, price=Decimal("95.00")
    )
    tess = factories.make_therapist(
        display_name="Tess", services=[service], hours=((0, 7), time(8), time(20))
    )
    client = factories.make_client(first_name="Carla")
    factories.make_intake(client)
    return service, tess, client


def local(days: int, hour: int) -> datetime:
    today = timezone.localtime(timezone.now(), TORONTO).date()
    return datetime.combine(today + timedelta(days=days), time(hour), tzinfo=TORONTO)


def sign_in(page, site, client, then: str):
    site.open(page, f"/sign-in/?next={then}")
    page.get_by_label("Username").fill(client.user.username)
    page.get_by_label("Password").fill(factories.PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()


@pytest.fixture
def eager():
    saved = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = saved


def dispatch():
    notification_tasks.dispatch_due.delay()


def link_in_last_mail(pattern: str) -> str:
    body = mail.outbox[-1].body
    return re.search(pattern, body).group(0)


def test_a_client_reschedules_a_visit(page, site, world):
    service, tess, client = world
    booking = factories.make_booking(
        therapist=tess, client=client, service=service, start=local(3, 10)
    )
    sign_in(page, site, client, "/account/")
    page.get_by_role("link", name="Trigger point therapy with Tess").click()
    page.get_by_role("link", name="Reschedule").click()
    assert page.get_by_role("heading", name="Choose a new time").is_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Next week").click()
    page.locator(".slot label").first.click()
    page.get_by_role("button", name="Move my visit here").click()

    assert page.get_by_text("Your visit has moved.").is_visible()
    booking.refresh_from_db()
    assert booking.start >= local(6, 0) and booking.status == "confirmed"
    assert_accessible(page)


def test_cancelling_inside_the_window_warns_that_it_counts_as_late(page, site, world):
    service, tess, client = world
    soon = timezone.now().replace(second=0, microsecond=0) + timedelta(hours=5)
    booking = factories.make_booking(therapist=tess, client=client, service=service, start=soon)
    sign_in(page, site, client, f"/visits/{booking.pk}/")

    page.get_by_role("link", name="Cancel visit").click()
    warning = page.get_by_role("alert")
    assert "This will be a late cancellation" in warning.inner_text()
    assert_accessible(page)
    page.get_by_label("Reason").fill("Sick")
    page.get_by_role("button", name="Cancel anyway (late cancellation)").click()

    assert page.get_by_text("Your visit is cancelled.").is_visible()
    booking.refresh_from_db()
    assert booking.status == "cancelled" and booking.late_cancellation
    assert page.get_by_text("Late cancellation").first.is_visible()


def test_the_link_in_the_confirmation_email_opens_the_visit_without_signing_in(
    page, site, world, eager
):
    service, tess, client = world
    booking = factories.make_booking(
        therapist=tess, client=client, service=service, start=local(4, 11), status="requested"
    )
    booking_services.confirm_booking(booking, actor=tess.user)
    dispatch()
    [message] = [m for m in mail.outbox if "confirmed" in m.subject]
    url = re.search(r"http\S+/visits/\d+/\?k=\S+", message.body).group(0)

    page.goto(url)

    assert page.get_by_role("heading", name="Your visit").is_visible()
    assert page.get_by_text("Confirmed").is_visible()
    assert page.get_by_role("link", name="Sign in").is_visible()  # not signed in: the link
    assert_accessible(page)
    page.get_by_role("link", name="Cancel visit").click()
    page.get_by_role("button", name="Yes, cancel my visit").click()
    booking.refresh_from_db()
    assert booking.status == "cancelled" and booking.cancelled_by == "client"


def test_a_waitlist_offer_is_accepted_from_its_email(page, site, world, eager):
    service, tess, client = world
    start = local(2, 10)
    taken = factories.make_booking(
        therapist=tess, client=factories.make_client(), service=service, start=start
    )
    waitlist.join(
        client=client,
        service=service,
        therapist=tess,
        earliest_date=start.date(),
        latest_date=start.date(),
        time_from=time(9),
        time_to=time(12),
    )
    taken.status = "cancelled"
    taken.save()
    waitlist.scan()  # (eager tasks: the join's own scan may have made the offer already)
    assert WaitlistOffer.objects.filter(status="offered").count() == 1
    dispatch()
    [message] = [m for m in mail.outbox if "A time is free" in m.subject]
    url = re.search(r"http\S+/offers/\d+/\?k=\S+", message.body).group(0)

    page.goto(url)
    assert page.get_by_role("heading", name="A time is free for you").is_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Accept this time").click()

    assert page.get_by_text("It is yours: the visit is booked.").is_visible()
    offer = WaitlistOffer.objects.get()
    assert offer.status == "accepted"
    assert Booking.objects.get(pk=offer.booking_id).client == client
    assert_accessible(page)
