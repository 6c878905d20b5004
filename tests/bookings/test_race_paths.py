"""Every booking path racing every other for one slot, through the API, each thread with its own
database connection, against the real database: reschedules (same therapist and a move to
another), clients booking, the clinic booking for a client, and series whose visits land on the
slot, plus a room both therapists need. Each answer is a 2xx or a 409, never a 500, and the
database holds no overlapping active bookings (therapist, client or room)."""

import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.db import OperationalError, connection, transaction

from bookings import services
from bookings.models import Booking
from bookings.signals import booking_changed
from clients.models import Client
from clinic.errors import Conflict
from tests import factories
from tests.bookings.conftest import TUESDAY_10
from tests.bookings.test_race import race, wait_until_someone_waits_on_a_lock

# Tuesday to Friday of two weeks two weeks apart: a series' second visit (a week on) never
# lands on another round's day.
ROUND_DAYS = [0, 1, 2, 3, 14, 15, 16, 17]
MINUTES = timedelta(minutes=1)


def overlaps_anywhere() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT count(*) FROM bookings_booking a JOIN bookings_booking b
              ON a.id < b.id
             AND (a.therapist_id = b.therapist_id AND a.start < b.blocks_until
                  AND b.start < a.blocks_until
                  OR a.client_id = b.client_id AND a.start < b."end" AND b.start < a."end"
                  OR a.room_id = b.room_id AND a.start < b.blocks_until
                  AND b.start < a.blocks_until)
            WHERE a.status IN ('requested', 'confirmed', 'checked_in')
              AND b.status IN ('requested', 'confirmed', 'checked_in')
            """
        )
        return cursor.fetchone()[0]


def racers_for(world, slot):
    """One round: (label, call) pairs, each call answering an HTTP status."""
    admin = factories.api_as(world.admin)
    therapist, other = world.therapist, world.other_therapist
    service = world.service.pk
    shared = factories.make_client()  # books itself and is booked by the clinic at once
    movers = [
        factories.make_booking(
            therapist=therapist, client=factories.make_client(), service=world.service,
            start=slot + timedelta(hours=4),
        ),
        factories.make_booking(
            therapist=other, client=factories.make_client(), service=world.service,
            start=slot + timedelta(hours=6),
        ),
    ]  # fmt: skip
    booker, series_a, series_b = (factories.make_client() for _ in range(3))

    def book(user, body):
        return lambda: factories.api_as(user).post("/api/v1/bookings/", body, format="json")

    def at(when, who=therapist):
        return {"therapist": who.pk, "service": service, "start": when.isoformat()}

    def series(client, when):
        body = {**at(when), "every_weeks": 1, "count": 2, "mode": "book_what_fits"}
        return lambda: factories.api_as(client.user).post(
            "/api/v1/booking-series/", body, format="json"
        )

    def reschedule(booking, when, who=None):
        body = {"start": when.isoformat(), **({"therapist": who.pk} if who else {})}
        user = booking.client.user
        return lambda: factories.api_as(user).post(
            f"/api/v1/bookings/{booking.pk}/reschedule/", body, format="json"
        )

    return [
        ("reschedule", reschedule(movers[0], slot)),
        ("reschedule to another therapist", reschedule(movers[1], slot + 15 * MINUTES, therapist)),
        ("client booking", book(booker.user, at(slot))),
        ("client booking, same client", book(shared.user, at(slot + 30 * MINUTES, other))),
        ("admin booking", lambda: admin.post(
            "/api/v1/bookings/", {**at(slot - 15 * MINUTES), "client": shared.pk}, format="json"
        )),
        ("admin booking, other therapist", lambda: admin.post(
            "/api/v1/bookings/", {**at(slot, other), "client": factories.make_client().pk},
            format="json",
        )),
        ("series visit", series(series_a, slot)),
        ("series visit, later", series(series_b, slot + 15 * MINUTES)),
    ]  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_every_booking_path_racing_every_other_answers_2xx_or_409_and_never_overlaps(world):
    # One room suits the service: both therapists' bookings race for it too.
    factories.make_room("Room 1", services=[world.service])
    answers = []
    for day in ROUND_DAYS:
        slot = TUESDAY_10 + timedelta(days=day)
        racers = racers_for(world, slot)
        responses = race(lambda i, racers=racers: racers[i][1](), count=len(racers))
        round_answers = [
            (label, getattr(r, "status_code", r)) for (label, _), r in zip(racers, responses)
        ]
        answers.append(round_answers)
        assert all(code in (200, 201, 409) for _, code in round_answers), (slot, round_answers)
        assert any(code in (200, 201) for _, code in round_answers), (slot, round_answers)
        assert overlaps_anywhere() == 0, (slot, round_answers)
    codes = Counter(code for round_answers in answers for _, code in round_answers)
    print(f"{len(ROUND_DAYS)} rounds, answers {dict(sorted(codes.items()))}")  # for the README


@pytest.mark.django_db(transaction=True)
def test_a_booking_failed_as_the_deadlock_victim_at_commit_is_run_again_whole(world):
    """Force a deadlock at COMMIT (the foreign keys are checked then): the booking is written
    and waits inside its transaction while another transaction locks the client's row (the
    booking share-locks the therapist's and service's rows from the start, so those are not
    free to take); the booking's commit then waits for that lock, and the other transaction
    inserts a booking overlapping ours and waits for us. The booking waited first, so
    PostgreSQL fails its COMMIT; the whole transaction runs again and answers as a booking
    service should: the other booking is there now, so a 409, never the raw OperationalError
    (a 500)."""
    service, therapist = world.service, world.therapist
    ours, theirs = factories.make_client(), factories.make_client()
    written, service_locked = threading.Event(), threading.Event()
    results = {}

    def hold_after_writing(sender, booking, **kwargs):
        if threading.current_thread().name == "booking" and not written.is_set():
            written.set()
            service_locked.wait(10)

    def booking():
        try:
            results["booking"] = services.create_booking(
                client=ours, therapist=therapist, service=service, start=TUESDAY_10
            )
        except Exception as exc:
            results["booking"] = exc
        finally:
            connection.close()

    def other():
        try:
            with transaction.atomic():
                written.wait(10)
                Client.objects.select_for_update().get(pk=ours.pk)
                service_locked.set()
                wait_until_someone_waits_on_a_lock()  # our COMMIT waits for the client's row
                factories.make_booking(
                    therapist=therapist, client=theirs, service=service,
                    start=TUESDAY_10 + 15 * MINUTES,
                )  # fmt: skip
            results["other"] = "committed"
        except OperationalError as exc:
            results["other"] = exc.__cause__.sqlstate
        finally:
            connection.close()

    booking_changed.connect(hold_after_writing, dispatch_uid="hold-after-writing")
    try:
        threads = [threading.Thread(target=booking, name="booking"), threading.Thread(target=other)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        booking_changed.disconnect(dispatch_uid="hold-after-writing")

    assert written.is_set() and service_locked.is_set()
    assert results["other"] == "committed", results
    assert isinstance(results["booking"], Conflict), results
    assert Booking.objects.get().client == theirs
    assert overlaps_anywhere() == 0
