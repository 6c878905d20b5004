"""The staff calendars' loader: the day board, the week view and a therapist's agenda."""

from datetime import UTC, date, time

from django.db import connection
from django.test.utils import CaptureQueriesContext

from bookings.board import board
from tests import factories
from tests.bookings.conftest import TORONTO, book, local
from therapists.models import TimeOff

TUESDAY = date(2026, 5, 5)


def test_the_day_board_has_a_column_per_therapist_with_hours_time_off_and_bookings(world):
    room = factories.make_room("Blue", services=[world.service])
    seen = book(world, start=local(2026, 5, 5, 10), status="confirmed", room=room)
    book(world, start=local(2026, 5, 5, 12), status="cancelled")  # not on the board
    other = book(
        world, start=local(2026, 5, 5, 9), therapist=world.other_therapist, client=world.client_b
    )
    TimeOff.objects.create(
        therapist=world.therapist,
        start=local(2026, 5, 5, 14),
        end=local(2026, 5, 6, 12),
        reason="Course",
    )

    day = board(TUESDAY)

    therapist_columns = day.therapist_columns()
    assert [c.therapist for c in therapist_columns] == sorted(
        [world.therapist, world.other_therapist], key=lambda t: (t.display_name, t.pk)
    )
    tess = next(c for c in therapist_columns if c.therapist == world.therapist)
    assert tess.hours == [(local(2026, 5, 5, 9), local(2026, 5, 5, 17))]
    assert tess.time_off == [(local(2026, 5, 5, 14), local(2026, 5, 6, 0), "Course")]
    assert [b.booking for b in tess.blocks] == [seen]
    [blue] = day.room_columns()
    assert blue.label == "Blue" and [b.booking for b in blue.blocks] == [seen]
    assert [b.booking for b in day.arrivals] == [other, seen]
    assert day.opens == local(2026, 5, 5, 8) and day.closes == local(2026, 5, 5, 18)


def test_first_visits_and_serious_flags_are_marked(world):
    factories.make_intake(world.client_b, takes_anticoagulants=True)
    book(world, start=local(2026, 4, 28, 10), status="completed")
    returning = book(world, start=local(2026, 5, 5, 10))
    new = book(world, start=local(2026, 5, 5, 12), client=world.client_b)

    blocks = {b.booking: b for b in board(TUESDAY).arrivals}

    assert not blocks[returning].first_visit and blocks[new].first_visit
    assert blocks[new].high_risk and not blocks[returning].high_risk
    assert "anticoagulant" in " ".join(f.label.lower() for f in blocks[new].flags)


def test_a_week_for_one_therapist(world):
    book(world, start=local(2026, 5, 5, 10))
    book(world, start=local(2026, 5, 8, 10), client=world.client_b)
    book(world, start=local(2026, 5, 6, 10), therapist=world.other_therapist)

    week = board(date(2026, 5, 4), days=7, therapist=world.therapist)

    assert [c.day for c in week.columns] == [date(2026, 5, 4 + n) for n in range(7)]
    assert [len(c.blocks) for c in week.columns] == [0, 1, 0, 0, 1, 0, 0]
    assert [c.works for c in week.columns] == [True] * 5 + [False] * 2
    assert week.room_columns() == []


def test_working_hours_stay_wall_clock_across_the_dst_change(world):
    world.therapist.working_hours.create(weekday=6, start_time=time(1), end_time=time(5))

    day = board(date(2026, 11, 1), therapist=world.therapist)  # Toronto falls back at 2:00

    [(start, end)] = day.columns[0].hours
    assert (start.astimezone(TORONTO).hour, end.astimezone(TORONTO).hour) == (1, 5)
    assert (end.astimezone(UTC) - start.astimezone(UTC)).total_seconds() == 5 * 3600


def test_the_day_board_for_20_therapists_takes_a_fixed_number_of_queries(world):
    def load():
        with CaptureQueriesContext(connection) as queries:
            day = board(TUESDAY)
        return day, len(queries)

    book(world, start=local(2026, 5, 5, 10))
    load()  # warm up: the clinic's zone is cached per process
    _, few = load()

    room = factories.make_room(services=[world.service])
    for n in range(18):
        therapist = factories.make_therapist(services=[world.service])
        client = factories.make_client()
        factories.make_intake(client, takes_anticoagulants=n % 2 == 0)
        book(world, start=local(2026, 5, 5, 9 + n % 7), therapist=therapist, client=client)
        TimeOff.objects.create(
            therapist=therapist, start=local(2026, 5, 5, 16), end=local(2026, 5, 5, 17)
        )
    book(world, start=local(2026, 5, 5, 15), client=world.client_b, room=room)
    day, many = load()

    assert len(day.therapist_columns()) == 20
    assert sum(len(c.blocks) for c in day.therapist_columns()) == 20
    assert many == few <= 7
