"""A booking and a schedule change racing: the booking reads the schedule, the change commits,
the booking inserts. Never both: either the booking is made and the change refused (409 listing
it), or the change is made and the booking refused; never a stranded booking. (Before bookings
share-locked the therapist's and the service's rows, about one round in twelve stranded one.)"""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from bookings import schedule, services
from bookings.models import Booking
from clinic.errors import Conflict
from clinic.models import Service
from tests import factories
from tests.bookings.conftest import TUESDAY_10
from tests.bookings.test_race import race
from therapists.models import Therapist

ROUNDS = 12

CHANGES = {
    "time off": lambda world, start: schedule.add_time_off(
        world.therapist, start=start - timedelta(hours=1), end=start + timedelta(hours=3)
    ),
    "therapist deactivated": lambda world, start: schedule.update_therapist(
        world.therapist, changes={"active": False}
    ),
    "service deactivated": lambda world, start: schedule.update_service(
        world.service, changes={"active": False}
    ),
}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", CHANGES)
def test_a_booking_never_slips_in_under_a_schedule_change(world, kind):
    stranded = 0
    for day in range(ROUNDS):
        Therapist.objects.filter(pk=world.therapist.pk).update(active=True)
        Service.objects.filter(pk=world.service.pk).update(active=True)
        world.therapist.refresh_from_db()
        world.service.refresh_from_db()
        start = TUESDAY_10 + timedelta(days=7 * day)
        client = factories.make_client()

        def call(i, start=start, client=client):
            if i == 0:
                return services.create_booking(
                    client=client, therapist=world.therapist, service=world.service, start=start
                )
            return CHANGES[kind](world, start)

        booked, changed = race(call, count=2)
        assert isinstance(booked, Booking | ValidationError | Conflict), booked
        assert isinstance(changed, schedule.ScheduleChange | Conflict), changed
        stranded += isinstance(booked, Booking) and isinstance(changed, schedule.ScheduleChange)
    assert stranded == 0
