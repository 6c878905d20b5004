"""Admins see failed reminders with their error, filter them, and can send them again."""

import pytest
from django.test import Client as BrowserClient
from django.utils import timezone

from bookings.signals import announce as booking_changed
from clinic.models import clinic_timezone
from notifications.models import Reminder

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser(admin_user):
    browser = BrowserClient()
    browser.force_login(admin_user)
    return browser


@pytest.fixture
def failed(make_booking):
    booking = make_booking(hours_ahead=72)
    booking_changed(booking, previous_status=None)
    booking.reminders.filter(offset_hours=24).update(
        status="failed", error="SMTPServerDisconnected: Connection unexpectedly closed"
    )
    return booking.reminders.get(offset_hours=24)


def test_the_admin_lists_failed_reminders_with_their_error(browser, failed):
    response = browser.get("/admin/notifications/reminder/", {"status__exact": "failed"})

    assert response.status_code == 200
    page = response.content.decode()
    assert "SMTPServerDisconnected: Connection unexpectedly closed" in page
    assert "Carl Bishop" in page
    assert response.context["cl"].result_count == 1


def test_the_admin_sends_failed_ones_again(browser, failed):
    response = browser.post(
        "/admin/notifications/reminder/",
        {"action": "send_again", "_selected_action": [failed.pk]},
    )

    failed.refresh_from_db()
    assert response.status_code == 302
    assert failed.status == "pending"
    assert failed.claim_token is None


def test_the_notice_admin_renders(browser, failed):
    assert browser.get("/admin/notifications/notice/").status_code == 200
    assert browser.get(f"/admin/notifications/reminder/{failed.pk}/change/").status_code == 200


def test_reminders_are_not_added_by_hand(browser, failed):
    assert browser.get("/admin/notifications/reminder/add/").status_code == 403
    assert Reminder.objects.count() == 2


def test_reminders_show_clinic_time_with_the_zones_abbreviation(browser, failed):
    local = timezone.localtime(failed.due_at, clinic_timezone())
    start = timezone.localtime(failed.booking.start, clinic_timezone())

    listing = browser.get("/admin/notifications/reminder/").content.decode()
    notices = browser.get("/admin/notifications/notice/").content.decode()

    assert f"{local:%H:%M %Z}" in listing
    assert f"{start:%Y-%m-%d %H:%M %Z}" in listing  # the booking's title
    assert f"{start:%Y-%m-%d %H:%M %Z}" in notices


def test_therapist_notices_are_in_the_admin_read_only_with_send_again(browser, make_booking):
    from notifications.models import TherapistNotice

    booking = make_booking(hours_ahead=72)
    booking_changed(booking, previous_status=None)
    notice = TherapistNotice.objects.get(booking=booking)
    TherapistNotice.objects.filter(pk=notice.pk).update(status="failed", error="SMTP down")

    listing = browser.get("/admin/notifications/therapistnotice/", {"status__exact": "failed"})
    page = browser.get(f"/admin/notifications/therapistnotice/{notice.pk}/change/")
    added = browser.get("/admin/notifications/therapistnotice/add/")
    again = browser.post(
        "/admin/notifications/therapistnotice/",
        {"action": "send_again", "_selected_action": [notice.pk]},
    )

    assert listing.status_code == 200 and "SMTP down" in listing.content.decode()
    assert booking.therapist.display_name in listing.content.decode()
    assert page.status_code == 200
    assert added.status_code == 403
    assert again.status_code == 302
    notice.refresh_from_db()
    assert notice.status == "pending"
