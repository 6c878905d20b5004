"""Booking on the portal's pages: the times come from the availability engine, the booking
from bookings.services; every step keeps the choice, and the rules are the API's."""

import re

import pytest
from django.core import mail

from bookings.models import Booking
from clients.models import Intake
from portal import slots
from tests import factories
from tests.portal.conftest import at, browser_as
from therapists.models import WorkingHours

pytestmark = pytest.mark.django_db


def slot_values(html: str) -> list[str]:
    return re.findall(r'name="slot" value="([^"]+)"', html)


def test_the_service_page_groups_services_by_modality_with_duration_and_price(anon, world):
    html = anon.get("/book/").content.decode()

    assert html.index("Deep tissue massage</h2>") < html.index("Trigger point therapy</h2>")
    assert "60 minutes · $95.00" in html
    assert "90 minutes · $130.00" in html


def test_the_week_shows_the_free_times_the_api_offers(anon, world):
    html = anon.get(f"/book/{world.trigger.pk}/").content.decode()
    api = (
        factories.api_as(None)
        .get(
            "/api/v1/availability/",
            {"service": world.trigger.pk, "start": "2026-03-02", "end": "2026-03-08"},
        )
        .json()["results"]
    )

    shown = slot_values(html)
    assert len(shown) == len({r["start"] for r in api}) > 0
    # 8:00 now, 60 minutes' lead: Monday starts at 9:00, the last start is 16:00.
    assert "09:00" in html and shown[0].startswith("any@")


def test_a_taken_time_is_not_shown(anon, world):
    factories.make_booking(
        therapist=world.tess, client=world.other, service=world.trigger, start=at(1, 10)
    )
    html = anon.get(f"/book/{world.trigger.pk}/?week=2026-03-03").content.decode()

    tuesday_ten = f"any@{int(at(1, 10).timestamp())}"
    tuesday_eleven = f"any@{int(at(1, 11).timestamp())}"
    assert tuesday_ten not in slot_values(html)
    assert tuesday_eleven in slot_values(html)


def test_weeks_page_forward_and_never_before_today(anon, world):
    this_week = anon.get(f"/book/{world.trigger.pk}/").content.decode()
    past = anon.get(f"/book/{world.trigger.pk}/?week=2020-01-01").content.decode()
    later = anon.get(f"/book/{world.trigger.pk}/?week=2026-03-09").content.decode()

    assert "Previous week" not in this_week and "week=2026-03-09" in this_week
    assert slot_values(past) == slot_values(this_week)
    assert "week=2026-03-02" in later  # back to this week


def test_first_available_jumps_to_the_first_free_week(anon, world):
    world.tess.working_hours.all().delete()
    factories.make_clinic(booking_horizon_days=90)
    WorkingHours.objects.create(
        therapist=world.tess, weekday=3, start_time=at(0, 9).time(), end_time=at(0, 12).time()
    )
    html = anon.get(f"/book/{world.trigger.pk}/?therapist={world.tess.pk}&first=1").content

    assert f"{world.tess.pk}@{int(at(3, 9).timestamp())}".encode() in html


def test_a_day_with_no_free_time_offers_the_waitlist(carla, world):
    html = carla.get(f"/book/{world.trigger.pk}/").content.decode()

    assert "Join the waitlist" in html  # the weekend: nobody works


def test_choosing_a_time_without_an_account_asks_to_sign_in_or_register(anon, world):
    value = f"any@{int(at(1, 10).timestamp())}"

    held = anon.post(f"/book/{world.trigger.pk}/hold/", {"slot": value})
    review = anon.get("/book/review/")
    account = anon.get("/book/account/")

    assert held["Location"] == "/book/review/"
    assert review["Location"] == "/book/account/"
    html = account.content.decode()
    assert 'action="/sign-in/"' in html and 'value="/book/review/"' in html
    assert 'action="/register/"' in html


def test_a_taken_time_cannot_be_held(anon, world):
    factories.make_booking(
        therapist=world.tess, client=world.other, service=world.trigger, start=at(1, 10)
    )

    answer = anon.post(
        f"/book/{world.trigger.pk}/hold/", {"slot": f"{world.tess.pk}@{int(at(1, 10).timestamp())}"}
    )

    assert answer["Location"] == f"/book/{world.trigger.pk}/"


def test_a_garbage_slot_is_refused_politely(anon, world):
    for garbage in ("", "x", "any@", "any@99999999999999999", "1@abc", "@@"):
        answer = anon.post(f"/book/{world.trigger.pk}/hold/", {"slot": garbage})
        assert answer.status_code == 302, garbage


def test_a_first_visit_asks_for_the_intake_before_the_review(carla, world):
    carla.post(f"/book/{world.trigger.pk}/hold/", {"slot": f"any@{int(at(1, 10).timestamp())}"})

    review = carla.get("/book/review/")

    assert review["Location"] == "/account/intake/new/?next=/book/review/"


def test_a_returning_client_reviews_and_books_through_the_service(carla, world):
    factories.make_intake(world.client)
    carla.post(f"/book/{world.trigger.pk}/hold/", {"slot": f"any@{int(at(1, 10).timestamp())}"})

    review = carla.get("/book/review/")
    done = carla.post("/book/confirm/", {"notes": "Left shoulder"})

    assert "Tess" in review.content.decode()
    booking = Booking.objects.get(client=world.client)
    assert booking.therapist == world.tess and booking.start == at(1, 10)
    assert booking.status == "requested" and booking.notes == "Left shoulder"
    assert booking.events.get().actor == world.client.user
    assert done["Location"] == f"/visits/{booking.pk}/?booked=1"
    page = carla.get(done["Location"]).content.decode()
    assert "You are booked" in page and "Cancellation policy" in page
    assert f"/visits/{booking.pk}/calendar.ics" in page


def test_a_time_taken_between_review_and_confirm_is_a_message_not_an_error(carla, world):
    factories.make_intake(world.client)
    carla.post(
        f"/book/{world.trigger.pk}/hold/", {"slot": f"{world.tess.pk}@{int(at(1, 10).timestamp())}"}
    )
    factories.make_booking(
        therapist=world.tess, client=world.other, service=world.trigger, start=at(1, 10)
    )

    answer = carla.post("/book/confirm/", follow=True)

    assert answer.redirect_chain[0][0] == f"/book/{world.trigger.pk}/"
    assert not Booking.objects.filter(client=world.client).exists()
    assert "notice--error" in answer.content.decode()


def test_staff_cannot_book_as_a_client_on_the_portal(world):
    desk = browser_as(factories.make_admin())
    desk.post(f"/book/{world.trigger.pk}/hold/", {"slot": f"any@{int(at(1, 10).timestamp())}"})

    assert desk.get("/book/review/").status_code == 403
    assert desk.post("/book/confirm/").status_code == 403


def test_registering_inline_mails_the_link_that_signs_in_and_returns_to_the_review(
    anon, world, django_capture_on_commit_callbacks
):
    anon.post(f"/book/{world.trigger.pk}/hold/", {"slot": f"any@{int(at(1, 10).timestamp())}"})

    with django_capture_on_commit_callbacks(execute=True):
        sent = anon.post(
            "/register/",
            {
                "first_name": "Nina",
                "last_name": "New",
                "email": "nina@example.com",
                "username": "nina",
                "password": "a-long-passphrase-9",
            },
        )
    link = re.search(r"http\S+/activate/\?\S+", mail.outbox[-1].body).group(0)
    path = (
        link.split("testserver", 1)[-1] if "testserver" in link else link[link.index("/activate") :]
    )
    page = anon.get(path)
    activated = anon.post(path)

    assert "Check your email" in sent.content.decode()
    assert page.status_code == 200 and "Activate my account" in page.content.decode()
    assert activated["Location"] == "/book/review/"
    assert anon.get("/book/review/")["Location"].startswith("/account/intake/new/")


def test_the_booking_pages_take_a_constant_number_of_queries(
    carla, world, django_assert_max_num_queries
):
    factories.make_intake(world.client)
    for n in range(6):
        factories.make_booking(
            therapist=world.tess,
            client=factories.make_client(),
            service=world.trigger,
            start=at(1 + n % 3, 9 + n),
        )
    with django_assert_max_num_queries(20):
        carla.get(f"/book/{world.trigger.pk}/")
    with django_assert_max_num_queries(8):
        carla.get("/book/")


def test_slot_values_round_trip():
    start = at(1, 10)
    assert slots.parse_value(slots.slot_value(None, start)) == (None, start)
    assert slots.parse_value(slots.slot_value(7, start)) == (7, start)
    assert Intake  # the model the intake step writes
