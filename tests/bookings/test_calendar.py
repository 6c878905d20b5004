"""The therapist's iCalendar feed, behind a private token they can rotate."""

from icalendar import Calendar

from tests import factories
from tests.bookings.conftest import TUESDAY_10, book, local


def feed_url(therapist, token=None):
    token = therapist.calendar_token if token is None else token
    return f"/api/v1/therapists/{therapist.pk}/calendar.ics?token={token}"


def events(response):
    return [c for c in Calendar.from_ical(response.content).walk("VEVENT")]


def test_the_private_link_gives_the_feed_without_logging_in(world, anon):
    book(world)
    book(world, start=local(2026, 5, 6, 10), status="requested", client=world.client_b)
    book(world, start=local(2026, 5, 7, 10), status="cancelled")
    book(world, start=local(2026, 5, 5, 10), therapist=world.other_therapist, client=world.client_b)

    response = anon.get(feed_url(world.therapist))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    found = events(response)
    assert len(found) == 2
    first = found[0]
    assert first.decoded("dtstart") == TUESDAY_10
    assert first.decoded("dtend") == local(2026, 5, 5, 11)
    assert str(first["status"]) == "CONFIRMED"
    assert str(found[1]["status"]) == "TENTATIVE"
    assert world.client_a.first_name in str(first["summary"])
    assert world.client_a.last_name not in str(first["summary"])  # initial only


def test_a_wrong_or_missing_token_is_404(world, anon):
    assert anon.get(feed_url(world.therapist, token="guess")).status_code == 404
    assert anon.get(f"/api/v1/therapists/{world.therapist.pk}/calendar.ics").status_code == 404
    other_token = world.other_therapist.calendar_token
    assert anon.get(feed_url(world.therapist, token=other_token)).status_code == 404
    assert anon.get("/api/v1/therapists/999999/calendar.ics?token=x").status_code == 404


def test_an_admin_reads_any_feed_without_the_token(world):
    response = factories.api_as(world.admin).get(
        f"/api/v1/therapists/{world.therapist.pk}/calendar.ics"
    )

    assert response.status_code == 200


def test_the_therapist_sees_and_rotates_their_link(world, anon):
    api = factories.api_as(world.therapist.user)
    url = f"/api/v1/therapists/{world.therapist.pk}/calendar-token/"
    old_link = api.get(url).json()["calendar_url"]

    response = api.post(url)

    assert response.status_code == 200
    new_link = response.json()["calendar_url"]
    assert new_link != old_link
    world.therapist.refresh_from_db()
    assert new_link.endswith(f"token={world.therapist.calendar_token}")
    assert anon.get(old_link.split("testserver")[1]).status_code == 404
    assert anon.get(new_link.split("testserver")[1]).status_code == 200


def test_only_that_therapist_or_an_admin_may_rotate(world, anon):
    url = f"/api/v1/therapists/{world.therapist.pk}/calendar-token/"
    before = world.therapist.calendar_token

    assert anon.post(url).status_code == 401
    assert factories.api_as(world.other_therapist.user).post(url).status_code == 403
    assert factories.api_as(world.client_a.user).post(url).status_code == 403
    assert factories.api_as(world.client_a.user).get(url).status_code == 403
    world.therapist.refresh_from_db()
    assert world.therapist.calendar_token == before
    assert factories.api_as(world.admin).post(url).status_code == 200
    assert (
        factories.api_as(world.admin).post("/api/v1/therapists/999999/calendar-token/").status_code
        == 404
    )


def test_feed_query_count_is_constant(world, anon, django_assert_max_num_queries):
    book(world)
    with django_assert_max_num_queries(4) as few:
        anon.get(feed_url(world.therapist))
    for day in range(6, 9):
        book(world, start=local(2026, 5, day, 10), client=factories.make_client())

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = anon.get(feed_url(world.therapist))

    assert len(events(response)) == 4
