"""Room changes never strand a booked client either: while rooms are in use every active
service keeps a suitable active room (400 naming those left without), bookings made before
the clinic had rooms get a free room or are listed as needing one, and a booking whose room is
taken out of use moves to another free suitable room or is affected (409 unless
`affected_bookings` says cancel or keep). Room capacity is never exceeded."""

import pytest

from clinic.models import Modality
from tests import factories
from tests.bookings.conftest import TUESDAY_10, book, local

ROOMS = "/api/v1/rooms/"


@pytest.fixture
def deep_tissue(world):
    service = factories.make_service(
        name="Deep tissue", modality=Modality.DEEP_TISSUE, duration_minutes=60
    )
    return service


def create_room(world, **body):
    return factories.api_as(world.admin).post(ROOMS, body, format="json")


def change_room(world, room, **body):
    return factories.api_as(world.admin).patch(f"{ROOMS}{room.pk}/", body, format="json")


class TestEveryServiceKeepsARoom:
    def test_a_first_room_suiting_only_trigger_point_is_refused(self, world, deep_tissue):
        response = create_room(world, name="Table 1", services=[world.service.pk])

        assert response.status_code == 400, response.json()
        [message] = response.json()["services"]
        assert "Deep tissue" in message
        assert world.service.name not in message

    def test_a_first_room_suiting_every_service_is_fine(self, world, deep_tissue):
        response = create_room(world, name="Table 1", services=[world.service.pk, deep_tissue.pk])
        assert response.status_code == 201, response.json()
        assert response.json()["affected_bookings"] == []

    def test_an_inactive_room_puts_no_rooms_in_use(self, world, deep_tissue):
        response = create_room(world, name="Table 1", services=[world.service.pk], active=False)
        assert response.status_code == 201, response.json()

    def test_dropping_the_last_room_of_a_service_is_refused(self, world, deep_tissue):
        room = factories.make_room("Table 1", services=[world.service, deep_tissue])
        response = change_room(world, room, services=[world.service.pk])
        assert response.status_code == 400
        assert "Deep tissue" in response.json()["services"][0]
        assert set(room.services.all()) == {world.service, deep_tissue}

    def test_deactivating_the_only_room_of_a_service_while_others_are_in_use(
        self, world, deep_tissue
    ):
        room = factories.make_room("Deep room", services=[deep_tissue])
        factories.make_room("Trigger room", services=[world.service])
        response = change_room(world, room, active=False)
        assert response.status_code == 400
        assert "Deep tissue" in response.json()["services"][0]

    def test_taking_the_last_room_out_of_use_ends_rooms(self, world):
        room = factories.make_room("Table 1", services=[world.service])
        book(world, room=room)
        response = change_room(world, room, active=False)
        assert response.status_code == 200, response.json()
        assert response.json()["affected_bookings"] == []

    def test_inactive_services_need_no_room(self, world, deep_tissue):
        deep_tissue.active = False
        deep_tissue.save()
        response = create_room(world, name="Table 1", services=[world.service.pk])
        assert response.status_code == 201, response.json()


class TestBookingsMadeBeforeRooms:
    def test_they_get_a_free_room_when_rooms_are_introduced(self, world):
        booking = book(world)
        response = create_room(world, name="Table 1", services=[world.service.pk])

        assert response.status_code == 201, response.json()
        booking.refresh_from_db()
        assert booking.room_id == response.json()["id"]
        assert response.json()["affected_bookings"] == []

    def test_those_no_room_is_free_for_are_listed_as_needing_one(self, world):
        first = book(world)
        second = book(world, therapist=world.other_therapist, client=world.client_b)

        response = create_room(world, name="Table 1", services=[world.service.pk])

        assert response.status_code == 201, response.json()
        [listed] = response.json()["affected_bookings"]
        assert (listed["id"], listed["outcome"], listed["problem"]) == (
            second.pk,
            "needs_room",
            "no_room",
        )
        first.refresh_from_db()
        second.refresh_from_db()
        assert first.room_id == response.json()["id"]
        assert second.room_id is None and second.status == "confirmed"

    def test_a_second_room_then_houses_them(self, world):
        book(world)
        second = book(world, therapist=world.other_therapist, client=world.client_b)
        create_room(world, name="Table 1", services=[world.service.pk])

        response = create_room(world, name="Table 2", services=[world.service.pk])

        assert response.status_code == 201
        assert response.json()["affected_bookings"] == []
        second.refresh_from_db()
        assert second.room_id == response.json()["id"]

    def test_the_room_is_never_double_booked_afterwards(self, world):
        book(world)
        book(world, therapist=world.other_therapist, client=world.client_b)
        room = create_room(world, name="Table 1", services=[world.service.pk]).json()
        third = factories.make_therapist(services=[world.service])
        response = factories.api_as(world.admin).post(
            "/api/v1/bookings/",
            {
                "therapist": third.pk,
                "service": world.service.pk,
                "client": factories.make_client().pk,
                "start": TUESDAY_10.isoformat(),
                "room": room["id"],
            },
            format="json",
        )
        assert response.status_code == 409


class TestARoomTakenOutOfUse:
    @pytest.fixture
    def rooms(self, world):
        a = factories.make_room("A", services=[world.service])
        b = factories.make_room("B", services=[world.service])
        return a, b

    def test_its_bookings_move_to_a_free_suitable_room(self, world, rooms):
        a, b = rooms
        booking = book(world, room=a)
        response = change_room(world, a, active=False)

        assert response.status_code == 200, response.json()
        assert response.json()["affected_bookings"] == []
        booking.refresh_from_db()
        assert booking.room_id == b.pk

    def test_a_room_that_no_longer_suits_moves_them_too(self, world, rooms, deep_tissue):
        a, b = rooms
        a.services.add(deep_tissue)
        booking = book(world, room=a)
        response = change_room(world, a, services=[deep_tissue.pk])

        assert response.status_code == 200, response.json()
        booking.refresh_from_db()
        assert booking.room_id == b.pk

    def test_with_no_free_room_it_is_refused_listing_them(self, world, rooms):
        a, b = rooms
        stuck = book(world, room=a)
        book(world, room=b, therapist=world.other_therapist, client=world.client_b)

        response = change_room(world, a, active=False)

        assert response.status_code == 409, response.json()
        assert [x["id"] for x in response.json()["affected_bookings"]] == [stuck.pk]
        assert response.json()["affected_bookings"][0]["problem"] == "no_room"
        a.refresh_from_db()
        assert a.active

    def test_keep_leaves_them_in_their_room(self, world, rooms):
        a, b = rooms
        stuck = book(world, room=a)
        book(world, room=b, therapist=world.other_therapist, client=world.client_b)

        response = change_room(world, a, active=False, affected_bookings="keep")

        assert response.status_code == 200, response.json()
        assert [(x["id"], x["outcome"]) for x in response.json()["affected_bookings"]] == [
            (stuck.pk, "kept")
        ]
        stuck.refresh_from_db()
        assert (stuck.status, stuck.room_id) == ("confirmed", a.pk)

    def test_cancel_cancels_them_for_the_clinic(self, world, rooms):
        a, b = rooms
        stuck = book(world, room=a)
        book(world, room=b, therapist=world.other_therapist, client=world.client_b)

        response = change_room(
            world, a, active=False, affected_bookings="cancel", cancel_reason="Flooded"
        )

        assert response.status_code == 200, response.json()
        stuck.refresh_from_db()
        assert (stuck.status, stuck.cancelled_by, stuck.cancel_reason) == (
            "cancelled",
            "clinic",
            "Flooded",
        )

    def test_past_bookings_are_left_alone(self, world, rooms, frozen):
        a, _ = rooms
        past = book(world, room=a, start=local(2026, 5, 4, 9))  # frozen at 08:00: later today
        frozen.move_to(local(2026, 5, 4, 12))
        response = change_room(world, a, active=False)
        assert response.status_code == 200
        past.refresh_from_db()
        assert past.room_id == a.pk

    @pytest.mark.parametrize("value", ["drop", 1, {"x": 1}])
    def test_a_bad_decision_is_a_400_naming_the_field(self, world, rooms, value):
        a, _ = rooms
        response = change_room(world, a, active=False, affected_bookings=value)
        assert response.status_code == 400
        assert "affected_bookings" in response.json()

    @pytest.mark.parametrize("who", ["therapist", "client"])
    def test_only_admins_change_rooms(self, world, rooms, who):
        a, _ = rooms
        user = world.therapist.user if who == "therapist" else world.client_a.user
        response = factories.api_as(user).patch(
            f"{ROOMS}{a.pk}/", {"active": False, "affected_bookings": "cancel"}, format="json"
        )
        assert response.status_code == 403


class TestANewServiceWhileRoomsAreInUse:
    BODY = {"name": "Deep tissue, 90", "modality": "deep_tissue", "duration_minutes": 90}

    def test_an_active_one_without_a_room_is_refused(self, world):
        factories.make_room("Table 1", services=[world.service])
        response = factories.api_as(world.admin).post(
            "/api/v1/services/", {**self.BODY, "price": "120.00"}, format="json"
        )
        assert response.status_code == 400, response.json()
        assert "Deep tissue, 90" in response.json()["active"][0]

    def test_create_it_inactive_add_it_to_a_room_then_activate_it(self, world):
        room = factories.make_room("Table 1", services=[world.service])
        api = factories.api_as(world.admin)
        created = api.post(
            "/api/v1/services/", {**self.BODY, "price": "120.00", "active": False}, format="json"
        )
        assert created.status_code == 201, created.json()
        service = created.json()["id"]
        assert (
            api.patch(f"/api/v1/services/{service}/", {"active": True}, format="json").status_code
            == 400
        )
        assert change_room(world, room, services=[world.service.pk, service]).status_code == 200
        response = api.patch(f"/api/v1/services/{service}/", {"active": True}, format="json")
        assert response.status_code == 200, response.json()

    def test_without_rooms_nothing_changes(self, world):
        response = factories.api_as(world.admin).post(
            "/api/v1/services/", {**self.BODY, "price": "120.00"}, format="json"
        )
        assert response.status_code == 201
