"""A visit's pages: seen by its client signed in or through its signed link, by nobody else
(404); cancelled and moved through bookings.services with the API's rules."""

from datetime import timedelta

import pytest
import time_machine

from bookings.models import Booking
from clinic import links
from tests import factories
from tests.portal.conftest import at, browser_as

pytestmark = pytest.mark.django_db


@pytest.fixture
def visit(world):
    return factories.make_booking(
        therapist=world.tess, client=world.client, service=world.trigger, start=at(3, 10)
    )


def path_of(url: str) -> str:
    return url[url.index("/visits/") :] if "/visits/" in url else url[url.index("/offers/") :]


def test_the_client_sees_their_visit_and_its_calendar_file(carla, visit):
    page = carla.get(f"/visits/{visit.pk}/")
    ics = carla.get(f"/visits/{visit.pk}/calendar.ics")

    assert page.status_code == 200
    assert "Tess" in page.content.decode() and "Thursday 5 March 2026" in page.content.decode()
    assert "no-store" in page["Cache-Control"]
    assert ics["Content-Type"] == "text/calendar"
    assert b"BEGIN:VEVENT" in ics.content and b"Trigger point therapy with Tess" in ics.content


def test_another_clients_visit_is_a_404_on_every_page(world, visit):
    otto = browser_as(world.other.user)
    therapist = browser_as(world.tess.user)
    for path in ("", "calendar.ics", "cancel/", "reschedule/"):
        assert otto.get(f"/visits/{visit.pk}/{path}").status_code == 404, path
        assert otto.post(f"/visits/{visit.pk}/{path}").status_code in (404, 405), path
        assert therapist.get(f"/visits/{visit.pk}/{path}").status_code == 404, path
    assert Booking.objects.get(pk=visit.pk).status == "confirmed"


def test_anonymous_without_a_link_gets_a_404_not_a_sign_in(anon, visit):
    assert anon.get(f"/visits/{visit.pk}/").status_code == 404


def test_the_signed_link_opens_that_visit_and_no_other(anon, world, visit):
    other = factories.make_booking(
        therapist=world.tess, client=world.other, service=world.trigger, start=at(4, 10)
    )
    url = links.visit_url(visit)
    token = url.split("k=", 1)[1]

    mine = anon.get(path_of(url))
    theirs = anon.get(f"/visits/{other.pk}/?k={token}")
    forged = anon.get(f"/visits/{visit.pk}/?k={token[:-2]}xx")

    assert mine.status_code == 200 and "no-store" in mine["Cache-Control"]
    assert theirs.status_code == 404
    assert forged.status_code == 404


def test_a_link_expires_a_week_after_the_visit(anon, visit):
    url = path_of(links.visit_url(visit))

    with time_machine.travel(visit.end + timedelta(days=6)):
        assert anon.get(url).status_code == 200
    with time_machine.travel(visit.end + timedelta(days=8)):
        assert anon.get(url).status_code == 404


def test_cancelling_outside_the_window_asks_then_cancels(carla, visit):
    asked = carla.get(f"/visits/{visit.pk}/cancel/").content.decode()
    done = carla.post(f"/visits/{visit.pk}/cancel/", {"reason": "Travelling"})

    assert "late cancellation" not in asked.lower().split("cancellation policy")[0]
    assert "Yes, cancel my visit" in asked
    assert done["Location"] == f"/visits/{visit.pk}/"
    visit.refresh_from_db()
    assert visit.status == "cancelled" and visit.cancelled_by == "client"
    assert not visit.late_cancellation and visit.cancel_reason == "Travelling"
    assert visit.events.last().actor == visit.client.user


def test_cancelling_inside_the_window_warns_first_and_counts_as_late(carla, world):
    soon = factories.make_booking(
        therapist=world.tess, client=world.client, service=world.trigger, start=at(0, 15)
    )

    asked = carla.get(f"/visits/{soon.pk}/cancel/").content.decode()
    carla.post(f"/visits/{soon.pk}/cancel/")

    assert "This will be a late cancellation" in asked
    assert "Cancel anyway (late cancellation)" in asked
    soon.refresh_from_db()
    assert soon.status == "cancelled" and soon.late_cancellation


def test_cancelling_through_the_emailed_link_is_the_clients_cancellation(anon, world, visit):
    url = path_of(links.visit_url(visit))
    token = url.split("k=", 1)[1]

    asked = anon.get(f"/visits/{visit.pk}/cancel/?k={token}")
    done = anon.post(f"/visits/{visit.pk}/cancel/", {"k": token})

    assert asked.status_code == 200
    assert done["Location"] == f"/visits/{visit.pk}/?k={token}"
    visit.refresh_from_db()
    assert visit.status == "cancelled" and visit.cancelled_by == "client"


def test_a_visit_that_started_cannot_be_cancelled_online(carla, world):
    started = factories.make_booking(
        therapist=world.tess, client=world.client, service=world.trigger, start=at(0, 9)
    )
    with time_machine.travel(at(0, 9, 30), tick=False):
        page = carla.get(f"/visits/{started.pk}/cancel/").content.decode()
        carla.post(f"/visits/{started.pk}/cancel/")

    assert "Yes, cancel" not in page
    started.refresh_from_db()
    assert started.status == "confirmed"


def test_rescheduling_moves_the_visit_to_a_free_time_of_its_therapist(carla, world, visit):
    page = carla.get(f"/visits/{visit.pk}/reschedule/?week=2026-03-05").content.decode()
    new_start = at(4, 14)
    value = f"{world.tess.pk}@{int(new_start.timestamp())}"

    assert f'value="{value}"' in page
    assert f'value="{world.tess.pk}@{int(visit.start.timestamp())}"' not in page
    done = carla.post(f"/visits/{visit.pk}/reschedule/", {"slot": value})

    assert done["Location"] == f"/visits/{visit.pk}/"
    visit.refresh_from_db()
    assert visit.start == new_start and visit.therapist == world.tess


@pytest.fixture
def deep_visit(world):
    """Deep tissue with Tess, confirmed: Omar offers it too."""
    booking = factories.make_booking(
        therapist=world.tess, client=world.client, service=world.deep, start=at(3, 10)
    )
    Booking.objects.filter(pk=booking.pk).update(status="confirmed")
    return booking


def test_rescheduling_offers_the_visits_therapist_first_and_the_others(carla, world, deep_visit):
    url = f"/visits/{deep_visit.pk}/reschedule/"
    page = carla.get(f"{url}?week=2026-03-05").content.decode()
    omars = carla.get(f"{url}?week=2026-03-05&therapist={world.omar.pk}").content.decode()
    anyone = carla.get(f"{url}?week=2026-03-05&therapist=any").content.decode()
    stamp = int(at(4, 14).timestamp())

    assert f'<option value="{world.tess.pk}" selected>Tess</option>' in page
    assert f'<option value="{world.omar.pk}">Omar</option>' in page
    assert f'value="{world.tess.pk}@{stamp}"' in page and f'value="{world.omar.pk}@' not in page
    assert f'value="{world.omar.pk}@{stamp}"' in omars
    assert f'value="any@{stamp}"' in anyone
    assert "waits for them to confirm it" in page


def test_moving_to_another_therapist_asks_them_to_confirm(carla, world, deep_visit):
    done = carla.post(
        f"/visits/{deep_visit.pk}/reschedule/",
        {"slot": f"{world.omar.pk}@{int(at(4, 14).timestamp())}"},
        follow=True,
    )

    assert "now with Omar, who will confirm it" in done.content.decode()
    deep_visit.refresh_from_db()
    assert (deep_visit.therapist, deep_visit.start, deep_visit.status) == (
        world.omar,
        at(4, 14),
        "requested",
    )


def test_anyone_keeps_the_visits_therapist_when_free_else_takes_whoever_is(
    carla, world, deep_visit
):
    url = f"/visits/{deep_visit.pk}/reschedule/"
    carla.post(url, {"slot": f"any@{int(at(4, 14).timestamp())}"})
    deep_visit.refresh_from_db()
    assert (deep_visit.therapist, deep_visit.start, deep_visit.status) == (
        world.tess,
        at(4, 14),
        "confirmed",
    )

    factories.make_booking(
        therapist=world.tess, client=world.other, service=world.trigger, start=at(2, 9)
    )
    carla.post(url, {"slot": f"any@{int(at(2, 9).timestamp())}"})
    deep_visit.refresh_from_db()
    assert (deep_visit.therapist, deep_visit.start) == (world.omar, at(2, 9))


def test_a_therapist_who_does_not_offer_the_service_is_refused(carla, world, visit):
    answer = carla.post(
        f"/visits/{visit.pk}/reschedule/",  # trigger point: Tess only
        {"slot": f"{world.omar.pk}@{int(at(4, 14).timestamp())}"},
        follow=True,
    )

    assert "notice--error" in answer.content.decode()
    visit.refresh_from_db()
    assert (visit.therapist, visit.start) == (world.tess, at(3, 10))


def test_the_therapist_picker_keeps_the_emailed_links_proof(anon, world, deep_visit):
    link = links.visit_url(deep_visit)
    page = anon.get(path_of(link)).content.decode()
    token = link.split("k=")[1]

    picker = anon.get(f"/visits/{deep_visit.pk}/reschedule/?k={token}").content.decode()

    assert "visit" in page
    assert f'<input type="hidden" name="k" value="{token}">' in picker
    assert picker.count('name="therapist"') == 1


def test_rescheduling_inside_the_window_says_call_the_clinic(carla, world):
    soon = factories.make_booking(
        therapist=world.tess, client=world.client, service=world.trigger, start=at(0, 15)
    )
    page = carla.get(f"/visits/{soon.pk}/reschedule/").content.decode()
    refused = carla.post(
        f"/visits/{soon.pk}/reschedule/",
        {"slot": f"{world.tess.pk}@{int(at(2, 10).timestamp())}"},
        follow=True,
    )

    assert "can no longer be moved online" in page
    assert 'name="slot"' not in page
    assert "please call the clinic" in refused.content.decode()
    soon.refresh_from_db()
    assert soon.start == at(0, 15)


def test_rescheduling_onto_a_taken_time_is_a_message(carla, world, visit):
    factories.make_booking(
        therapist=world.tess, client=world.other, service=world.trigger, start=at(4, 14)
    )
    answer = carla.post(
        f"/visits/{visit.pk}/reschedule/",
        {"slot": f"{world.tess.pk}@{int(at(4, 14).timestamp())}"},
        follow=True,
    )

    assert answer.status_code == 200
    assert "notice--error" in answer.content.decode()
    visit.refresh_from_db()
    assert visit.start == at(3, 10)


def test_visit_pages_take_a_constant_number_of_queries(
    carla, world, visit, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12):
        carla.get(f"/visits/{visit.pk}/")
    with django_assert_max_num_queries(25):
        carla.get(f"/visits/{visit.pk}/reschedule/")
