"""The waitlist: joining (and bad windows), freed slots offered to the earliest waiting clients
with a hold nobody else can book through, accepting (404/409 rules), expiry passing the slot on,
and a race between two offered clients."""

from datetime import time, timedelta

import pytest
from django.core import mail

from bookings.models import Booking
from clinic.errors import Conflict
from notifications import tasks as notification_tasks
from tests import factories
from tests.bookings.conftest import NOW, TUESDAY_10, book, payload
from tests.bookings.test_race import race
from waitlist import services as waitlist
from waitlist import tasks
from waitlist.models import OfferStatus, WaitlistEntry, WaitlistOffer, WaitlistStatus

ENTRIES = "/api/v1/waitlist/"
OFFERS = "/api/v1/waitlist-offers/"
AVAILABILITY = "/api/v1/availability/"


def window(world, **extra):
    data = {
        "service": world.service.pk,
        "therapist": world.therapist.pk,
        "earliest_date": "2026-05-05",
        "latest_date": "2026-05-05",
        "time_from": "10:00",
        "time_to": "10:15",
    }
    data.update(extra)
    return data


def wait(world, client, **extra):
    """`client` joins the waitlist for Tuesday 10:00 with the world's therapist."""
    response = factories.api_as(client.user).post(ENTRIES, window(world, **extra), format="json")
    assert response.status_code == 201, response.json()
    return WaitlistEntry.objects.get(pk=response.json()["id"])


@pytest.fixture
def taken(world):
    """Tuesday 10:00 with the world's therapist is booked by a third client."""
    return book(world, client=factories.make_client(), status="confirmed")


class TestJoining:
    def test_a_client_joins_for_themselves(self, world):
        response = factories.api_as(world.client_a.user).post(
            ENTRIES, window(world, weekdays=[1, 3]), format="json"
        )
        assert response.status_code == 201, response.json()
        body = response.json()
        assert body["client"] == world.client_a.pk
        assert body["status"] == "waiting"
        assert body["weekdays"] == [1, 3]

    def test_an_admin_puts_a_client_on_the_waitlist(self, world):
        response = factories.api_as(world.admin).post(
            ENTRIES, window(world, client=world.client_b.pk), format="json"
        )
        assert response.status_code == 201, response.json()
        assert response.json()["client"] == world.client_b.pk

    def test_a_therapist_may_not_and_anonymous_gets_401(self, world):
        assert (
            factories.api_as(world.therapist.user).post(ENTRIES, window(world)).status_code == 403
        )
        assert factories.api_as().post(ENTRIES, window(world)).status_code == 401

    @pytest.mark.parametrize(
        ("extra", "field"),
        [
            ({"earliest_date": "2026-04-01", "latest_date": "2026-05-01"}, "latest_date"),
            ({"earliest_date": "2026-05-09", "latest_date": "2026-05-05"}, "latest_date"),
            ({"time_from": "12:00", "time_to": "11:00"}, "time_to"),
            ({"time_from": "12:00", "time_to": "12:00"}, "time_to"),
            ({"weekdays": [7]}, "weekdays"),
        ],
    )
    def test_bad_windows_are_400_with_the_reason(self, world, extra, field):
        response = factories.api_as(world.client_a.user).post(
            ENTRIES, window(world, **extra), format="json"
        )
        assert response.status_code == 400
        assert field in response.json()
        assert not WaitlistEntry.objects.exists()

    def test_clients_see_only_their_own_entries(self, world):
        wait(world, world.client_a)
        other = wait(world, world.client_b)
        mine = factories.api_as(world.client_a.user).get(ENTRIES).json()["results"]
        assert [e["client"] for e in mine] == [world.client_a.pk]
        assert factories.api_as(world.client_a.user).get(f"{ENTRIES}{other.pk}/").status_code == 404
        assert len(factories.api_as(world.admin).get(ENTRIES).json()["results"]) == 2

    def test_leaving_the_waitlist(self, world):
        entry = wait(world, world.client_a)
        response = factories.api_as(world.client_a.user).post(f"{ENTRIES}{entry.pk}/cancel/")
        assert response.status_code == 200
        assert response.json()["status"] == "cancelled"


class TestOffers:
    def test_nothing_is_offered_while_the_slot_is_taken(self, world, taken):
        wait(world, world.client_a)
        assert waitlist.scan() == 0

    def test_a_cancellation_asks_for_a_scan_on_commit(
        self, world, taken, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks() as callbacks:
            response = factories.api_as(world.admin).post(f"/api/v1/bookings/{taken.pk}/cancel/")
        assert response.status_code == 200
        assert any("scan_waitlist" in repr(cb) or "request_scan" in repr(cb) for cb in callbacks)

    def test_a_move_to_another_therapist_at_the_same_time_asks_for_a_scan(
        self, world, taken, django_capture_on_commit_callbacks
    ):
        """The time it held with its first therapist is free again, though the start is not
        changed."""
        with django_capture_on_commit_callbacks() as callbacks:
            response = factories.api_as(world.admin).post(
                f"/api/v1/bookings/{taken.pk}/reschedule/",
                {"start": TUESDAY_10.isoformat(), "therapist": world.other_therapist.pk},
            )
        assert response.status_code == 200, response.json()
        assert any("scan_waitlist" in repr(cb) or "request_scan" in repr(cb) for cb in callbacks)

    def test_new_working_hours_ask_for_a_scan(self, world, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks() as callbacks:
            world.therapist.working_hours.create(weekday=5, start_time=time(9), end_time=time(12))
        assert any("scan_waitlist" in repr(cb) or "request_scan" in repr(cb) for cb in callbacks)

    def test_a_freed_slot_is_offered_to_the_earliest_waiting_clients(self, world, taken):
        first = wait(world, world.client_a)
        second = wait(world, world.client_b)
        taken.status = "cancelled"
        taken.save()

        assert waitlist.scan() == 2

        offers = WaitlistOffer.objects.order_by("entry__created_at")
        assert [o.entry_id for o in offers] == [first.pk, second.pk]
        assert {o.start for o in offers} == {TUESDAY_10}
        assert {o.hold_until for o in offers} == {NOW + timedelta(minutes=30)}
        first.refresh_from_db()
        assert first.status == WaitlistStatus.OFFERED

    def test_the_offer_is_emailed(self, world, taken, eager, outbox):
        wait(world, world.client_a)
        taken.status = "cancelled"
        taken.save()
        waitlist.scan()
        offer = WaitlistOffer.objects.get()

        assert notification_tasks.dispatch_due.delay().get() == 1

        [message] = mail.outbox
        assert message.to == [world.client_a.email]
        assert "Tuesday 05 May 2026 at 10:00" in message.body
        assert message.extra_headers["X-Kneadly-Delivery"] == (
            f"offermessage:{offer.messages.get().pk}"
        )

    def test_the_hold_keeps_everyone_else_out(self, world, taken):
        wait(world, world.client_a)
        taken.status = "cancelled"
        taken.save()
        waitlist.scan()

        stranger = factories.api_as(world.client_b.user)
        assert stranger.post("/api/v1/bookings/", payload(world)).status_code == 409
        slots = (
            factories.api_as()
            .get(
                AVAILABILITY,
                {"service": world.service.pk, "start": "2026-05-05", "end": "2026-05-05"},
            )
            .json()["results"]
        )
        assert (world.therapist.pk, "2026-05-05T10:00:00-04:00") not in {
            (s["therapist"], s["start"]) for s in slots
        }
        # The offered client is offered it in availability too, the stranger is not.
        held = (world.therapist.pk, "2026-05-05T10:00:00-04:00")
        query = {"service": world.service.pk, "start": "2026-05-05", "end": "2026-05-05"}
        theirs = factories.api_as(world.client_a.user).get(AVAILABILITY, query).json()["results"]
        assert held in {(s["therapist"], s["start"]) for s in theirs}
        others = stranger.get(AVAILABILITY, query).json()["results"]
        assert held not in {(s["therapist"], s["start"]) for s in others}
        # The offered client may book it directly too.
        own = factories.api_as(world.client_a.user).post("/api/v1/bookings/", payload(world))
        assert own.status_code == 201

    def test_an_offered_client_accepts(self, world, taken):
        entry = wait(world, world.client_a)
        taken.status = "cancelled"
        taken.save()
        waitlist.scan()
        offer = WaitlistOffer.objects.get()

        response = factories.api_as(world.client_a.user).post(f"{OFFERS}{offer.pk}/accept/")

        assert response.status_code == 201, response.json()
        assert response.json()["client"] == world.client_a.pk
        assert response.json()["status"] == "requested"
        offer.refresh_from_db()
        entry.refresh_from_db()
        assert offer.status == OfferStatus.ACCEPTED and offer.booking_id == response.json()["id"]
        assert entry.status == WaitlistStatus.BOOKED
        again = factories.api_as(world.client_a.user).post(f"{OFFERS}{offer.pk}/accept/")
        assert again.status_code == 409

    def test_someone_elses_offer_is_404(self, world, taken):
        wait(world, world.client_a)
        taken.status = "cancelled"
        taken.save()
        waitlist.scan()
        offer = WaitlistOffer.objects.get()
        api = factories.api_as(world.client_b.user)
        assert api.post(f"{OFFERS}{offer.pk}/accept/").status_code == 404
        assert api.get(f"{OFFERS}{offer.pk}/").status_code == 404
        assert api.get(OFFERS).json()["results"] == []

    def test_the_second_to_accept_gets_409(self, world, taken):
        wait(world, world.client_a)
        wait(world, world.client_b)
        taken.status = "cancelled"
        taken.save()
        waitlist.scan()
        offer_a, offer_b = WaitlistOffer.objects.order_by("entry__created_at")

        assert (
            factories.api_as(world.client_a.user).post(f"{OFFERS}{offer_a.pk}/accept/").status_code
            == 201
        )
        late = factories.api_as(world.client_b.user).post(f"{OFFERS}{offer_b.pk}/accept/")

        assert late.status_code == 409
        offer_b.refresh_from_db()
        assert offer_b.status == OfferStatus.TAKEN  # not "expired": someone else booked it
        assert WaitlistEntry.objects.get(pk=offer_b.entry_id).status == WaitlistStatus.WAITING

    def test_an_expired_offer_is_409_and_the_next_in_line_is_offered(
        self, world, taken, frozen, monkeypatch
    ):
        monkeypatch.setattr(waitlist, "OFFERS_PER_SLOT", 1)
        wait(world, world.client_a)
        later = wait(world, world.client_b)
        taken.status = "cancelled"
        taken.save()
        waitlist.scan()
        first_offer = WaitlistOffer.objects.get()

        frozen.shift(timedelta(minutes=31))
        late = factories.api_as(world.client_a.user).post(f"{OFFERS}{first_offer.pk}/accept/")
        assert late.status_code == 409
        assert late.json()["detail"] == "This offer has expired."

        assert waitlist.scan() == 1
        first_offer.refresh_from_db()
        assert first_offer.status == OfferStatus.EXPIRED
        next_offer = WaitlistOffer.objects.get(status=OfferStatus.OFFERED)
        assert next_offer.entry_id == later.pk and next_offer.start == TUESDAY_10

    def test_declining_passes_the_slot_on(self, world, taken, monkeypatch):
        monkeypatch.setattr(waitlist, "OFFERS_PER_SLOT", 1)
        wait(world, world.client_a)
        later = wait(world, world.client_b)
        taken.status = "cancelled"
        taken.save()
        waitlist.scan()
        offer = WaitlistOffer.objects.get()
        response = factories.api_as(world.client_a.user).post(f"{OFFERS}{offer.pk}/decline/")
        assert response.status_code == 200 and response.json()["status"] == "declined"
        waitlist.scan()
        assert WaitlistOffer.objects.get(status=OfferStatus.OFFERED).entry_id == later.pk

    def test_an_entry_whose_window_has_passed_expires(self, world, frozen):
        entry = wait(world, world.client_a)
        frozen.shift(timedelta(days=2))
        waitlist.scan()
        entry.refresh_from_db()
        assert entry.status == WaitlistStatus.EXPIRED

    def test_the_offer_list_takes_a_constant_number_of_queries(
        self, world, django_assert_max_num_queries
    ):
        for day in (5, 6):
            for client in (world.client_a, world.client_b):
                wait(world, client, earliest_date=f"2026-05-0{day}", latest_date=f"2026-05-0{day}")
        waitlist.scan()
        api = factories.api_as(world.admin)
        with django_assert_max_num_queries(8) as few:
            api.get(OFFERS)
        baseline = len(few.captured_queries)
        wait(world, factories.make_client(), earliest_date="2026-05-07", latest_date="2026-05-07")
        waitlist.scan()
        with django_assert_max_num_queries(baseline):
            body = api.get(OFFERS).json()
        assert len(body["results"]) == 5


@pytest.mark.django_db(transaction=True)
def test_two_clients_accepting_offers_of_one_slot_give_exactly_one_booking(world):
    taken = book(world, client=factories.make_client())
    for client in (world.client_a, world.client_b):
        waitlist.join(
            client=client,
            service=world.service,
            therapist=world.therapist,
            earliest_date=TUESDAY_10.date(),
            latest_date=TUESDAY_10.date(),
            time_from=time(10),
            time_to=time(10, 15),
        )
    taken.status = "cancelled"
    taken.save()
    waitlist.scan()
    offers = list(WaitlistOffer.objects.order_by("id"))
    assert len(offers) == 2

    outcomes = race(lambda i: waitlist.accept(offers[i]), count=2)

    winners = [o for o in outcomes if isinstance(o, Booking)]
    losers = [o for o in outcomes if isinstance(o, Conflict)]
    assert len(winners) == 1 and len(losers) == 1, outcomes
    assert Booking.objects.active().count() == 1
    # Every offer ends in a state that says what happened: one accepted, the other taken.
    assert sorted(WaitlistOffer.objects.values_list("status", flat=True)) == [
        OfferStatus.ACCEPTED,
        OfferStatus.TAKEN,
    ]
    assert set(WaitlistEntry.objects.values_list("status", flat=True)) == {
        WaitlistStatus.BOOKED,
        WaitlistStatus.WAITING,
    }


def test_the_celery_tasks_scan_and_send(world, taken, eager, outbox):
    wait(world, world.client_a)
    taken.status = "cancelled"
    taken.save()

    assert tasks.scan_waitlist.apply().get() == 1
    offer = WaitlistOffer.objects.get()
    assert notification_tasks.dispatch_due.apply().get() == 1
    assert len(mail.outbox) == 1
    assert offer.messages.get().status == "sent"


def test_the_hold_is_the_clinics_setting(world, taken):
    response = factories.api_as(world.admin).patch(
        "/api/v1/clinic/", {"waitlist_hold_minutes": 10}, format="json"
    )
    assert response.status_code == 200, response.json()
    wait(world, world.client_a)
    taken.status = "cancelled"
    taken.save()
    waitlist.scan()
    assert WaitlistOffer.objects.get().hold_until == NOW + timedelta(minutes=10)


def test_the_entry_list_takes_a_constant_number_of_queries(world, django_assert_max_num_queries):
    wait(world, world.client_a)
    api = factories.api_as(world.admin)
    with django_assert_max_num_queries(8) as few:
        api.get(ENTRIES)
    baseline = len(few.captured_queries)
    for _ in range(5):
        wait(world, factories.make_client())
    with django_assert_max_num_queries(baseline):
        body = api.get(ENTRIES).json()
    assert len(body["results"]) == 6


class TestOneBadEntryStopsNobody:
    def test_an_entry_beyond_the_horizon_is_refused_with_the_last_day_allowed(self, world):
        response = factories.api_as(world.client_a.user).post(
            ENTRIES, window(world, latest_date="9999-12-31"), format="json"
        )
        assert response.status_code == 400
        assert response.json() == {
            "latest_date": [
                "The waitlist reaches the booking horizon: give a date between 2025-05-04 and "
                "2026-08-02."
            ]
        }

    def test_a_broken_entry_is_logged_and_the_others_are_still_offered(self, world, taken, caplog):
        broken = wait(world, world.client_b)
        # As such an entry could exist before the horizon rule: its window ends in year 9999.
        WaitlistEntry.objects.filter(pk=broken.pk).update(latest_date="9999-12-31")
        fine = wait(world, world.client_a)
        taken.status = "cancelled"
        taken.save()

        assert waitlist.scan() == 1

        assert WaitlistOffer.objects.get().entry_id == fine.pk
        assert f"entry {broken.pk} failed" in caplog.text


def test_a_client_already_booked_then_is_never_offered_the_slot(world, taken):
    entry = wait(world, world.client_a)
    # Client A takes another therapist at the same time before the slot frees up.
    book(world, therapist=world.other_therapist, client=world.client_a, status="confirmed")
    other = wait(world, world.client_b)
    taken.status = "cancelled"
    taken.save()

    waitlist.scan()

    assert list(WaitlistOffer.objects.values_list("entry_id", flat=True)) == [other.pk]
    entry.refresh_from_db()
    assert entry.status == WaitlistStatus.WAITING
