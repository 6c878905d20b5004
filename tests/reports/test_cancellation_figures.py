"""Cancellations made through the API, counted fairly: the clinic's are their own figure and
never late; a client's inside the window is late, online or by phone through the front desk."""

from datetime import timedelta

import pytest

from tests import factories
from tests.bookings.conftest import TUESDAY_10, book, frozen, world  # noqa: F401

pytestmark = pytest.mark.django_db


def test_clinic_cancellations_are_their_own_figure_and_never_late(world, frozen):  # noqa: F811
    hour = timedelta(hours=1)
    visits = [book(world, start=TUESDAY_10 + n * 2 * hour) for n in range(4)]
    frozen.move_to(TUESDAY_10 - 3 * hour)  # inside the 24-hour window for all of them
    admin = factories.api_as(world.admin)
    client = factories.api_as(world.client_a.user)

    answers = [
        admin.post(f"/api/v1/bookings/{visits[0].pk}/cancel/", {"reason": "Therapist ill"}),
        client.post(f"/api/v1/bookings/{visits[1].pk}/cancel/"),
        admin.post(f"/api/v1/bookings/{visits[2].pk}/cancel/", {"initiated_by": "client"}),
    ]
    assert [a.status_code for a in answers] == [200, 200, 200]

    body = admin.get(
        "/api/v1/reports/", {"start": "2026-05-04", "end": "2026-05-10", "period": "week"}
    ).json()

    [row] = [r for r in body["rows"] if r["therapist"] == world.therapist.pk]
    assert (row["bookings"], row["cancelled"]) == (4, 3)
    assert (row["clinic_cancellations"], row["late_cancellations"]) == (1, 2)
    assert row["late_cancellation_rate"] == 0.5
    assert (body["totals"]["clinic_cancellations"], body["totals"]["late_cancellations"]) == (1, 2)


def test_a_clinic_cancellation_flagged_late_by_old_data_is_still_not_late(world, frozen):  # noqa: F811
    book(world, status="cancelled", cancelled_by="clinic", late_cancellation=True)

    body = (
        factories.api_as(world.admin)
        .get("/api/v1/reports/", {"start": "2026-05-04", "end": "2026-05-10", "period": "week"})
        .json()
    )

    assert (body["totals"]["clinic_cancellations"], body["totals"]["late_cancellations"]) == (1, 0)
