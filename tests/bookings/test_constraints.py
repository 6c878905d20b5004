"""The database itself refuses overlaps: the exclusion constraints, hit directly."""

import pytest
from django.db import IntegrityError, transaction

from bookings.services import constraint_name
from tests.bookings.conftest import TUESDAY_10, book, local


def collide(world, **kw):
    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        book(world, **kw)
    return constraint_name(caught.value)


def test_therapist_overlap_is_refused_by_name(world):
    book(world)

    assert collide(world, client=world.client_b, start=local(2026, 5, 5, 10, 30)) == (
        "booking_no_therapist_overlap"
    )


def test_the_buffer_counts_in_the_therapist_constraint(world):
    book(world)  # 10:00-11:00, blocks to 11:15

    assert collide(world, client=world.client_b, start=local(2026, 5, 5, 11)) == (
        "booking_no_therapist_overlap"
    )


def test_back_to_back_is_allowed_half_open_ranges(world):
    book(world)

    book(world, client=world.client_b, start=local(2026, 5, 5, 11, 15))  # no error


def test_client_overlap_is_refused_by_name(world):
    book(world)

    assert collide(world, therapist=world.other_therapist, start=local(2026, 5, 5, 10, 30)) == (
        "booking_no_client_overlap"
    )


@pytest.mark.parametrize("status", ["cancelled", "completed", "no_show"])
def test_inactive_bookings_do_not_block(world, status):
    book(world, status=status)

    book(world, client=world.client_b)  # no error


def test_reactivating_onto_a_taken_slot_is_refused(world):
    old = book(world, status="cancelled")
    book(world, client=world.client_b)
    old.status = "confirmed"

    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        old.save()

    assert constraint_name(caught.value) == "booking_no_therapist_overlap"


def test_end_must_follow_start(world):
    booking = book(world)
    booking.end = TUESDAY_10

    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        booking.save()

    assert constraint_name(caught.value) == "booking_times_ordered"
