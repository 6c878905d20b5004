"""Treatment rooms: a booking holds a suitable free room, availability offers a slot only when
one is free, the database refuses two active bookings of one room at once, and a clinic without
rooms behaves as before."""

import pytest
from django.db import IntegrityError, transaction

from bookings import services
from bookings.models import Booking
from clinic.errors import Conflict
from tests import factories
from tests.bookings.conftest import HOUR, TUESDAY_10, book, local, payload
from tests.bookings.test_race import race

URL = "/api/v1/bookings/"
ROOMS = "/api/v1/rooms/"
AVAILABILITY = "/api/v1/availability/"


def slots(world, therapist=None, day="2026-05-05"):
    params = {"service": world.service.pk, "start": day, "end": day}
    if therapist is not None:
        params["therapist"] = therapist.pk
    response = factories.api_as().get(AVAILABILITY, params)
    assert response.status_code == 200, response.json()
    return [(s["therapist"], s["start"]) for s in response.json()["results"]]


class TestNoRooms:
    def test_a_clinic_without_rooms_books_without_a_room(self, world):
        response = factories.api_as(world.client_a.user).post(URL, payload(world))
        assert response.status_code == 201, response.json()
        assert response.json()["room"] is None

    def test_inactive_rooms_count_as_no_rooms(self, world):
        factories.make_room(services=[], active=False)
        response = factories.api_as(world.client_a.user).post(URL, payload(world))
        assert response.status_code == 201, response.json()
        assert response.json()["room"] is None


class TestAssignment:
    def test_the_first_free_suitable_room_by_name_is_assigned(self, world):
        factories.make_room("A unsuitable", services=[])
        b = factories.make_room("B table", services=[world.service])
        c = factories.make_room("C table", services=[world.service])

        first = factories.api_as(world.client_a.user).post(URL, payload(world))
        second = factories.api_as(world.client_b.user).post(
            URL, payload(world, therapist=world.other_therapist.pk)
        )

        assert first.status_code == 201 and second.status_code == 201, second.json()
        assert first.json()["room"] == b.pk
        assert second.json()["room"] == c.pk

    def test_no_free_room_is_a_conflict_even_with_a_free_therapist(self, world):
        room = factories.make_room(services=[world.service])
        book(world, room=room)

        response = factories.api_as(world.client_b.user).post(
            URL, payload(world, therapist=world.other_therapist.pk)
        )

        assert response.status_code == 409
        assert "room" in response.json()["detail"]

    def test_the_room_buffer_counts_like_the_therapists(self, world):
        room = factories.make_room(services=[world.service])
        book(world, room=room)  # 10:00-11:00, blocks until 11:15
        api = factories.api_as(world.client_b.user)
        other = world.other_therapist.pk
        early = api.post(URL, payload(world, local(2026, 5, 5, 11), therapist=other))
        assert early.status_code == 409
        response = api.post(URL, payload(world, local(2026, 5, 5, 11, 15), therapist=other))
        assert response.status_code == 201, response.json()
        assert response.json()["room"] == room.pk

    def test_no_room_suits_the_service_is_a_400(self, world):
        factories.make_room(services=[])
        response = factories.api_as(world.client_a.user).post(URL, payload(world))
        assert response.status_code == 400
        assert response.json()["service"] == ["No treatment room suits this service."]

    def test_an_admin_names_a_room(self, world):
        factories.make_room("A", services=[world.service])
        b = factories.make_room("B", services=[world.service])
        response = factories.api_as(world.admin).post(
            URL, payload(world, client=world.client_a.pk, room=b.pk)
        )
        assert response.status_code == 201, response.json()
        assert response.json()["room"] == b.pk

    def test_a_named_room_that_does_not_suit_the_service_is_a_400(self, world):
        room = factories.make_room("Plain", services=[])
        response = factories.api_as(world.admin).post(
            URL, payload(world, client=world.client_a.pk, room=room.pk)
        )
        assert response.status_code == 400
        assert response.json()["room"] == [f"Room Plain does not suit {world.service.name}."]

    def test_a_named_busy_room_is_a_conflict(self, world):
        room = factories.make_room(services=[world.service])
        factories.make_room("Z", services=[world.service])
        book(world, room=room)
        response = factories.api_as(world.admin).post(
            URL,
            payload(
                world, client=world.client_b.pk, room=room.pk, therapist=world.other_therapist.pk
            ),
        )
        assert response.status_code == 409

    def test_a_client_may_not_name_a_room(self, world):
        room = factories.make_room(services=[world.service])
        response = factories.api_as(world.client_a.user).post(URL, payload(world, room=room.pk))
        assert response.status_code == 400
        assert response.json()["room"] == ["Rooms are assigned by the clinic."]

    def test_a_reschedule_keeps_its_room_when_free_and_moves_otherwise(self, world):
        a = factories.make_room("A", services=[world.service])
        b = factories.make_room("B", services=[world.service])
        booking = book(world, room=b, status="requested")
        api = factories.api_as(world.admin)
        moved = api.post(f"{URL}{booking.pk}/reschedule/", {"start": "2026-05-05T13:00"})
        assert moved.status_code == 200, moved.json()
        assert moved.json()["room"] == b.pk
        book(
            world,
            start=local(2026, 5, 5, 15),
            room=b,
            therapist=world.other_therapist,
            client=world.client_b,
        )
        moved = api.post(f"{URL}{booking.pk}/reschedule/", {"start": "2026-05-05T15:00"})
        assert moved.status_code == 200, moved.json()
        assert moved.json()["room"] == a.pk


class TestAvailability:
    def test_a_slot_is_offered_only_when_a_suitable_room_is_free(self, world):
        room = factories.make_room(services=[world.service])
        before = slots(world, world.other_therapist)
        assert (world.other_therapist.pk, "2026-05-05T10:00:00-04:00") in before
        book(world, room=room)

        after = slots(world, world.other_therapist)

        gone = {f"2026-05-05T{h}:00:00-04:00" for h in ("09", "10", "11")}
        assert {start for _, start in after} & gone == set()
        assert (world.other_therapist.pk, "2026-05-05T11:15:00-04:00") in after

    def test_a_second_room_keeps_the_slot_open(self, world):
        room = factories.make_room("A", services=[world.service])
        factories.make_room("B", services=[world.service])
        book(world, room=room)
        assert (world.other_therapist.pk, "2026-05-05T10:00:00-04:00") in slots(world)

    def test_no_suitable_room_means_no_slots(self, world):
        factories.make_room(services=[])
        assert slots(world) == []

    def test_without_rooms_the_slots_are_unchanged(self, world):
        without = slots(world)
        factories.make_room(services=[world.service], active=False)
        assert slots(world) == without and len(without) > 0


class TestConstraint:
    def test_the_database_refuses_two_active_bookings_of_one_room(self, world):
        room = factories.make_room(services=[world.service])
        book(world, room=room)
        with pytest.raises(IntegrityError, match="booking_no_room_overlap"), transaction.atomic():
            book(world, room=room, therapist=world.other_therapist, client=world.client_b)

    def test_a_cancelled_booking_frees_its_room(self, world):
        room = factories.make_room(services=[world.service])
        book(world, room=room, status="cancelled")
        book(world, room=room, therapist=world.other_therapist, client=world.client_b)
        assert Booking.objects.filter(room=room).count() == 2

    def test_bookings_without_room_never_collide_on_room(self, world):
        book(world)
        book(world, therapist=world.other_therapist, client=world.client_b)
        assert Booking.objects.filter(room=None).count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_therapists_taking_the_one_room_give_exactly_one_booking(world):
    factories.make_room(services=[world.service])
    therapists = [world.therapist, world.other_therapist]
    clients = [world.client_a, world.client_b]

    outcomes = race(
        lambda i: services.create_booking(
            client=clients[i], therapist=therapists[i], service=world.service, start=TUESDAY_10
        ),
        count=2,
    )

    winners = [o for o in outcomes if isinstance(o, Booking)]
    losers = [o for o in outcomes if isinstance(o, Conflict)]
    assert len(winners) == 1 and len(losers) == 1, outcomes
    assert Booking.objects.count() == 1


class TestRoomsApi:
    def test_anyone_signed_in_reads_rooms(self, world, django_assert_max_num_queries):
        factories.make_room("R0", services=[world.service])
        api = factories.api_as(world.client_a.user)
        with django_assert_max_num_queries(6) as few:
            api.get(ROOMS)
        for i in range(1, 6):
            factories.make_room(f"R{i}", services=[world.service])
        with django_assert_max_num_queries(len(few.captured_queries)):
            response = api.get(ROOMS)
        assert response.status_code == 200
        body = response.json()
        rows = body["results"] if isinstance(body, dict) else body
        assert [r["name"] for r in rows] == [f"R{i}" for i in range(6)]
        assert rows[0]["services"] == [world.service.pk]

    def test_anonymous_gets_401(self, world):
        assert factories.api_as().get(ROOMS).status_code == 401

    def test_only_admins_write(self, world):
        data = {"name": "Prenatal", "services": [world.service.pk]}
        assert factories.api_as(world.client_a.user).post(ROOMS, data).status_code == 403
        assert factories.api_as(world.therapist.user).post(ROOMS, data).status_code == 403
        response = factories.api_as(world.admin).post(ROOMS, data, format="json")
        assert response.status_code == 201, response.json()
        assert response.json()["active"] is True

    def test_names_are_unique_and_rooms_are_not_deleted(self, world):
        room = factories.make_room("Prenatal")
        api = factories.api_as(world.admin)
        assert api.post(ROOMS, {"name": "Prenatal"}).status_code == 400
        assert api.delete(f"{ROOMS}{room.pk}/").status_code == 405
        response = api.patch(f"{ROOMS}{room.pk}/", {"active": False}, format="json")
        assert response.status_code == 200 and response.json()["active"] is False


def test_room_pool_prefers_the_given_room_then_name_order():
    from datetime import UTC, datetime

    from bookings.availability import RoomPool

    t = datetime(2026, 5, 5, 14, tzinfo=UTC)
    pool = RoomPool.build([(1, [(t, t + HOUR)]), (2, []), (3, [])])
    assert pool.free_room(t, t + HOUR) == 2
    assert pool.free_room(t, t + HOUR, prefer=3) == 3
    assert pool.free_room(t, t + HOUR, prefer=1) == 2
    assert pool.free_room(t + HOUR, t + 2 * HOUR) == 1
    assert RoomPool.build([(1, [(t, t + HOUR)])]).free_room(t, t + HOUR) is None


@pytest.mark.django_db(transaction=True)
def test_racing_for_the_first_room_the_loser_takes_the_second(world):
    factories.make_room("A", services=[world.service])
    second = factories.make_room("B", services=[world.service])
    therapists = [world.therapist, world.other_therapist]
    clients = [world.client_a, world.client_b]

    outcomes = race(
        lambda i: services.create_booking(
            client=clients[i], therapist=therapists[i], service=world.service, start=TUESDAY_10
        ),
        count=2,
    )

    assert all(isinstance(o, Booking) for o in outcomes), outcomes
    assert sorted(Booking.objects.values_list("room__name", flat=True)) == ["A", "B"]
    assert second.bookings.count() == 1
