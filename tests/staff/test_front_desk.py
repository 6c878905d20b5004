"""The front desk's screens through the test client: the day board (constant queries for 20
therapists, a version that changes only with the board), booking an existing client or a
walk-in, refusals as form errors, the booking page's moves and cancellations."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bookings.models import Booking
from clients.models import Client
from tests import factories
from tests.staff.conftest import local

pytestmark = pytest.mark.django_db


def test_the_board_shows_columns_blocks_time_off_and_arrivals(desk, as_admin):
    desk.tess.time_off.create(
        start=local(2026, 5, 5, 15), end=local(2026, 5, 5, 17), reason="Course"
    )

    page = as_admin.get("/staff/board/?date=2026-05-05").content.decode()

    for name in ("Tess Moreau", "Omar Haddad", "Lina Park"):
        assert f">{name}</h3>" in page
    assert "status-block--confirmed" in page and "Carl Bishop" in page
    assert "board__shade--time-off" in page and "Course" in page
    assert "First visit" in page  # Dana
    assert "status-block--serious" in page  # Dana's anticoagulants
    assert "Book Lina Park at 09:00" in page
    assert "Book Tess Moreau at 10:00" not in page  # Carl holds it
    assert "Book Tess Moreau at 15:00" not in page  # time off


def test_the_day_board_for_20_therapists_renders_in_a_constant_number_of_queries(desk, as_admin):
    def render():
        with CaptureQueriesContext(connection) as queries:
            assert as_admin.get("/staff/board/?date=2026-05-05").status_code == 200
        return len(queries)

    render()
    few = render()
    for n in range(17):
        therapist = factories.make_therapist(services=[desk.service], display_name=f"T{n:02}")
        client = factories.make_client()
        factories.make_intake(client, takes_anticoagulants=n % 3 == 0)
        desk.booking(therapist, client, local(2026, 5, 5, 9 + n % 8))
        therapist.time_off.create(start=local(2026, 5, 5, 16), end=local(2026, 5, 5, 17))
    factories.make_room("Blue", services=[desk.service])
    many = render()

    assert many == few, (few, many)
    assert many <= 16


def test_the_fragment_version_changes_only_when_the_board_does(desk, as_admin):
    one = as_admin.get("/staff/board/fragment/?date=2026-05-05")
    two = as_admin.get("/staff/board/fragment/?date=2026-05-05")
    desk.booking(desk.lina, desk.erin, local(2026, 5, 5, 15))
    three = as_admin.get("/staff/board/fragment/?date=2026-05-05")

    assert one["X-Board-Version"] == two["X-Board-Version"] != three["X-Board-Version"]
    assert "<html" not in three.content.decode() and "Erin Walsh" in three.content.decode()


def book_data(desk, **extra):
    data = {
        "therapist": desk.lina.pk,
        "service": desk.service.pk,
        "date": "2026-05-05",
        "time": "10:00",
        "notes": "",
    }
    data.update(extra)
    return data


def test_the_desk_finds_a_client_by_name_phone_or_email(desk, as_admin):
    for query, who in (
        ("carl bish", "Carl Bishop"),
        ("555 0101", "Carl Bishop"),
        ("dana@", "Dana"),
    ):
        page = as_admin.get(
            "/staff/book/", {"q": query, "therapist": desk.lina.pk}
        ).content.decode()
        assert who in page, query
    nobody = as_admin.get("/staff/book/", {"q": "zzz"}).content.decode()
    assert "Nobody found" in nobody


def test_the_desk_books_an_existing_client_inside_the_lead_time(desk, as_admin):
    # 09:45 now, lead time two hours: the desk books 10:00 all the same.
    response = as_admin.post("/staff/book/", book_data(desk, client=desk.erin.pk, time="12:00"))

    booking = Booking.objects.get(therapist=desk.lina)
    assert response.status_code == 302 and response["Location"] == f"/staff/bookings/{booking.pk}/"
    assert booking.start.astimezone(UTC) == datetime(2026, 5, 5, 16, tzinfo=UTC)
    assert booking.created_by == desk.admin and booking.status == "requested"


def test_a_walk_in_is_added_without_a_login_and_booked(desk, as_admin):
    as_admin.post(
        "/staff/book/",
        book_data(
            desk, walk_in="1", **{"walk_in-first_name": "Walter", "walk_in-last_name": "Inn"}
        ),
    )

    walter = Client.objects.get(first_name="Walter")
    assert walter.user is None
    assert Booking.objects.get(client=walter).therapist == desk.lina


def test_a_refusal_is_a_form_error_and_leaves_no_walk_in_behind(desk, as_admin):
    taken = as_admin.post(
        "/staff/book/",
        book_data(
            desk,
            therapist=desk.tess.pk,
            walk_in="1",
            **{"walk_in-first_name": "Walter", "walk_in-last_name": "Inn"},
        ),
    )
    outside = as_admin.post("/staff/book/", book_data(desk, client=desk.erin.pk, time="20:00"))
    gap = as_admin.post(
        "/staff/book/", book_data(desk, client=desk.erin.pk, date="2027-03-14", time="02:30")
    )
    nobody = as_admin.post("/staff/book/", book_data(desk))

    assert taken.status_code == 400 and "already booked" in taken.content.decode()
    assert not Client.objects.filter(first_name="Walter").exists()
    assert outside.status_code == 400 and "working hours" in outside.content.decode()
    assert gap.status_code == 400 and "does not exist" in gap.content.decode()
    assert nobody.status_code == 400 and "Choose a client" in nobody.content.decode()
    assert not Booking.objects.filter(therapist=desk.lina).exists()


def test_the_booking_page_moves_and_cancels_through_the_services(desk, as_admin):
    url = f"/staff/bookings/{desk.carls_visit.pk}/"
    page = as_admin.get(url).content.decode()
    assert "Free times on" in page and "History" in page and "Reminders and notices" in page

    clash = as_admin.post(
        f"{url}reschedule/",
        {"move-therapist": desk.tess.pk, "move-date": "2026-05-05", "move-time": "13:00"},
    )
    moved = as_admin.post(
        f"{url}reschedule/",
        {"move-therapist": desk.omar.pk, "move-date": "2026-05-06", "move-time": "09:00"},
    )
    assert clash.status_code == 400
    assert moved.status_code == 302
    desk.carls_visit.refresh_from_db()
    assert desk.carls_visit.therapist == desk.omar and desk.carls_visit.start == local(
        2026, 5, 6, 9
    )
    assert desk.carls_visit.status == "requested"  # the new therapist has not confirmed

    unsaid = as_admin.post(f"{url}cancel/", {"cancel-initiated_by": "client"})
    assert unsaid.status_code == 400
    as_admin.post(f"{url}cancel/", {"cancel-initiated_by": "client", "cancel-reason": "Phoned"})
    desk.carls_visit.refresh_from_db()
    assert desk.carls_visit.status == "cancelled" and desk.carls_visit.cancelled_by == "client"


def test_agenda_buttons_follow_the_rules(desk, as_tess):
    early = as_tess.post(
        f"/staff/bookings/{desk.danas_visit.pk}/check_in/", {"next": "/staff/today/"}, follow=True
    )
    on_time = as_tess.post(
        f"/staff/bookings/{desk.carls_visit.pk}/check_in/", {"next": "/staff/today/"}, follow=True
    )
    cancel = as_tess.post(f"/staff/bookings/{desk.carls_visit.pk}/cancel/")
    evil = as_tess.post(
        f"/staff/bookings/{desk.carls_visit.pk}/complete/", {"next": "https://evil.example/"}
    )

    assert "Check-in opens 30 minutes before the start" in early.content.decode()
    assert "Checked in." in on_time.content.decode()
    assert cancel.status_code == 403
    assert evil["Location"] == "/staff/today/"
    desk.danas_visit.refresh_from_db()
    assert desk.danas_visit.status == "confirmed"


def test_today_shows_first_visits_flags_and_the_next_steps(desk, as_tess):
    page = as_tess.get("/staff/today/").content.decode()

    assert page.index("Carl Bishop") < page.index("Dana Okafor")
    dana = page[page.index("Dana Okafor") :]
    assert "First visit" in dana[:800]
    assert "flag--high" in dana and "Anticoagulant medication" in dana
    assert 'aria-label="Check in: Carl Bishop, 10:00"' in page
    week = as_tess.get("/staff/week/").content.decode()
    assert "Tuesday 5 May" in week and "Saturday 9 May" in week and "Not working" in week
