"""`Idempotency-Key` on the creates a client retries after a dropped connection: the same key
and body replay the first answer for 24 hours (nothing is done twice), another body is a 422,
and two requests with one key at once book once."""

from datetime import timedelta

import pytest

from bookings.models import Booking, BookingSeries
from clinic.models import IdempotentRequest
from tests import factories
from tests.bookings.conftest import TUESDAY_10, payload
from tests.bookings.test_race import race
from waitlist import services as waitlist
from waitlist.models import WaitlistOffer

BOOKINGS = "/api/v1/bookings/"


def post(api, url, body, key):
    return api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY=key)


@pytest.mark.django_db
class TestReplay:
    def test_a_retry_with_the_same_key_and_body_replays_the_first_answer(self, world):
        api = factories.api_as(world.client_a.user)

        first = post(api, BOOKINGS, payload(world), "k-1")
        again = post(api, BOOKINGS, payload(world), "k-1")

        assert first.status_code == again.status_code == 201, again.json()
        assert again.json() == first.json()
        assert again["Idempotent-Replayed"] == "true"
        assert again["Location"] == first["Location"]
        assert Booking.objects.count() == 1

    def test_without_a_key_a_retry_is_a_new_request(self, world):
        api = factories.api_as(world.client_a.user)

        assert api.post(BOOKINGS, payload(world)).status_code == 201
        assert api.post(BOOKINGS, payload(world)).status_code == 409

    def test_the_same_key_with_another_body_is_a_422_and_does_nothing(self, world):
        api = factories.api_as(world.client_a.user)
        post(api, BOOKINGS, payload(world), "k-1")

        response = post(api, BOOKINGS, payload(world, notes="something else"), "k-1")

        assert response.status_code == 422
        assert "Idempotency-Key" in response.json()["detail"]
        assert Booking.objects.count() == 1

    def test_keys_are_the_users_own_and_the_routes_own(self, world):
        post(factories.api_as(world.client_a.user), BOOKINGS, payload(world), "k-1")

        theirs = post(factories.api_as(world.client_b.user), BOOKINGS, payload(world), "k-1")

        assert theirs.status_code == 409  # a new request of client B's: the slot is taken
        assert theirs.json()["conflict"] == "busy"

    def test_a_refused_request_keeps_no_answer_so_its_retry_is_tried_afresh(self, world):
        api = factories.api_as(world.client_a.user)
        blocker = factories.make_booking(
            therapist=world.therapist,
            client=world.client_b,
            service=world.service,
            start=TUESDAY_10,
        )
        assert post(api, BOOKINGS, payload(world), "k-1").status_code == 409
        blocker.status = "cancelled"
        blocker.save()

        assert post(api, BOOKINGS, payload(world), "k-1").status_code == 201
        assert IdempotentRequest.objects.count() == 1

    def test_a_key_is_kept_for_24_hours(self, world, frozen):
        api = factories.api_as(world.client_a.user)
        thursday = payload(world, start=TUESDAY_10 + timedelta(days=2))
        post(api, BOOKINGS, thursday, "k-1")
        frozen.shift(timedelta(hours=23, minutes=59))
        assert post(api, BOOKINGS, thursday, "k-1").status_code == 201

        frozen.shift(timedelta(minutes=2))
        later = post(api, BOOKINGS, thursday, "k-1")

        assert later.status_code == 409  # a request of its own now: the client is booked then
        assert "Idempotent-Replayed" not in later

    def test_a_key_that_is_too_long_is_a_400_naming_the_header(self, world):
        api = factories.api_as(world.client_a.user)

        response = post(api, BOOKINGS, payload(world), "k" * 256)

        assert response.status_code == 400
        assert "Idempotency-Key" in response.json()

    def test_a_series_is_booked_once(self, world):
        api = factories.api_as(world.client_a.user)
        body = {**payload(world), "count": 3, "every_weeks": 1}

        first = post(api, "/api/v1/booking-series/", body, "series-1")
        again = post(api, "/api/v1/booking-series/", body, "series-1")

        assert first.status_code == again.status_code == 201, first.json()
        assert again.json() == first.json()
        assert BookingSeries.objects.count() == 1
        assert Booking.objects.count() == 3

    def test_an_accepted_offer_is_accepted_once(self, world):
        taken = factories.make_booking(
            therapist=world.therapist,
            client=factories.make_client(),
            service=world.service,
            start=TUESDAY_10,
        )
        api = factories.api_as(world.client_a.user)
        window = {
            "service": world.service.pk,
            "therapist": world.therapist.pk,
            "earliest_date": "2026-05-05",
            "latest_date": "2026-05-05",
            "time_from": "10:00",
            "time_to": "10:15",
        }
        assert api.post("/api/v1/waitlist/", window, format="json").status_code == 201
        taken.status = "cancelled"
        taken.save()
        waitlist.scan()
        offer = WaitlistOffer.objects.get()
        url = f"/api/v1/waitlist-offers/{offer.pk}/accept/"

        first = post(api, url, {}, "offer-1")
        again = post(api, url, {}, "offer-1")

        assert first.status_code == again.status_code == 201, again.json()
        assert again.json() == first.json()
        assert first["Location"].endswith(f"/api/v1/bookings/{first.json()['id']}/")
        assert post(api, url, {}, "offer-2").status_code == 409  # a new request: already taken


@pytest.mark.django_db(transaction=True)
def test_a_double_submit_at_once_books_once_and_both_get_the_booking(world):
    user = world.client_a.user

    responses = race(
        lambda i: post(factories.api_as(user), BOOKINGS, payload(world), "double"), count=4
    )

    assert [r.status_code for r in responses] == [201] * 4, responses
    assert len({r.json()["id"] for r in responses}) == 1
    assert Booking.objects.count() == 1


@pytest.mark.django_db
def test_anonymising_a_client_forgets_their_stored_answers(world):
    post(factories.api_as(world.client_a.user), BOOKINGS, payload(world, notes="My knee"), "k-1")
    assert IdempotentRequest.objects.filter(user=world.client_a.user).exists()

    anonymise = factories.api_as(world.admin).post(
        f"/api/v1/clients/{world.client_a.pk}/anonymise/"
    )

    assert anonymise.status_code == 200
    assert not IdempotentRequest.objects.filter(user=world.client_a.user).exists()
