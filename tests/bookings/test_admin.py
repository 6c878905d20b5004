"""The Django admin: bookings by day and therapist; actions go through the services."""

from bookings.models import Booking
from tests.bookings.conftest import book, local


def test_changelist_with_filters_and_day_drilldown(world, client):
    book(world)
    client.force_login(world.admin)

    response = client.get(
        "/admin/bookings/booking/",
        {
            "start__day": 5,
            "start__month": 5,
            "start__year": 2026,
            "therapist__id__exact": world.therapist.pk,
        },
    )

    assert response.status_code == 200
    assert response.context["cl"].result_count == 1
    page = response.content.decode()
    assert "May 5, 2026" in page or "2026-05-05" in page


def test_change_page_shows_history_inline(world, client):
    booking = book(world)
    booking.events.create(actor=world.admin, from_status="requested", to_status="confirmed")
    client.force_login(world.admin)

    response = client.get(f"/admin/bookings/booking/{booking.pk}/change/")

    assert response.status_code == 200
    assert "requested" in response.content.decode()


def test_confirm_and_cancel_actions_use_the_services(world, client):
    requested = book(world, status="requested")
    other = book(world, status="requested", start=local(2026, 5, 6, 10))
    done = book(world, status="completed", start=local(2026, 5, 7, 10))
    client.force_login(world.admin)

    confirmed = client.post(
        "/admin/bookings/booking/",
        {"action": "confirm", "_selected_action": [requested.pk, done.pk]},
        follow=True,
    )
    response = client.post(
        "/admin/bookings/booking/",
        {"action": "cancel", "_selected_action": [other.pk]},
        follow=True,
    )

    requested.refresh_from_db()
    other.refresh_from_db()
    done.refresh_from_db()
    assert requested.status == "confirmed"
    assert requested.events.get().actor == world.admin
    assert other.status == "cancelled" and other.cancel_reason == "By the clinic"
    assert done.status == "completed"
    assert "Cannot confirm a booking that is completed." in confirmed.content.decode()
    assert "1 booking(s) confirmed." in confirmed.content.decode()
    assert response.status_code == 200
    assert Booking.objects.count() == 3
