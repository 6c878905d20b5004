"""Every link in every message opens a working page of the portal for whoever got the message,
signed in or not: the booking notices and reminders link to the visit (and its cancel page),
the waitlist offer to its accept/decline page."""

import re

import pytest

from clinic.models import Clinic
from notifications import channels
from notifications.models import Notice, NoticeKind, Reminder
from tests import factories
from tests.portal.conftest import at
from tests.portal.test_account_pages import offer  # noqa: F401 (a fixture)
from waitlist import messages as offer_messages
from waitlist.models import OfferMessage

pytestmark = pytest.mark.django_db
LINK = re.compile(r"https?://[^\s\"'<>]+")


def links_in(message) -> set[str]:
    html = message.alternatives[0][0].replace("&amp;", "&")
    return set(LINK.findall(message.body)) | set(LINK.findall(html))


def assert_all_open(anon, message, settings):
    found = links_in(message)
    assert found, message.subject
    for url in found:
        assert url.startswith(settings.SITE_URL), url
        answer = anon.get(url[len(settings.SITE_URL) :])
        assert answer.status_code == 200, (url, answer.status_code)


@pytest.fixture
def visit(world):
    return factories.make_booking(
        therapist=world.tess, client=world.client, service=world.trigger, start=at(3, 10)
    )


@pytest.mark.parametrize("kind", [k for k, _ in NoticeKind.choices])
def test_every_link_in_every_booking_notice_opens_a_page(anon, world, visit, kind, settings):
    if kind == NoticeKind.CANCELLATION:
        visit.status, visit.cancelled_by = "cancelled", "client"
        visit.save()
    message = channels.email_message(Notice(booking=visit, kind=kind), visit, Clinic.get())

    assert_all_open(anon, message, settings)


def test_every_link_in_a_reminder_opens_a_page(anon, world, visit, settings):
    reminder = Reminder(booking=visit, offset_hours=24, appointment_start=visit.start)
    message = channels.email_message(reminder, visit, Clinic.get())

    assert_all_open(anon, message, settings)
    assert any("/cancel/" in url for url in links_in(message))


def test_the_reminders_cancel_link_cancels_that_visit_for_its_client(anon, world, visit):
    reminder = Reminder(booking=visit, offset_hours=24, appointment_start=visit.start)
    message = channels.email_message(reminder, visit, Clinic.get())
    [cancel] = [u for u in links_in(message) if "/cancel/" in u]
    path, token = cancel[cancel.index("/visits/") :], cancel.split("k=")[1]

    anon.post(path, {"k": token})

    visit.refresh_from_db()
    assert visit.status == "cancelled" and visit.cancelled_by == "client"


def test_every_link_in_a_waitlist_offer_opens_its_page(anon, world, offer, settings):  # noqa: F811
    message = offer_messages.email_message(OfferMessage(offer=offer), offer, Clinic.get())

    assert_all_open(anon, message, settings)
    assert all(f"/offers/{offer.pk}/?k=" in url for url in links_in(message))
