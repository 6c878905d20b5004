"""Who may do what with a treatment note: every endpoint for every kind of caller."""

from datetime import timedelta

import pytest

from tests import factories
from treatments.models import Amendment, TreatmentNote

from .conftest import as_user, at, in_three_weeks, note_payload, write_note

pytestmark = pytest.mark.django_db

URL = "/api/v1/treatment-notes/"


def caller(chart, who):
    users = {
        "treating therapist": lambda: chart.tess.user,
        "other therapist of the client": lambda: chart.omar.user,
        "unrelated therapist": lambda: chart.lina.user,
        "the client": lambda: chart.carl.user,
        "another client": lambda: chart.dana.user,
        "admin": lambda: chart.admin,
        "user with no role": factories.make_user,
        "anonymous": lambda: None,
    }
    return factories.api_as(users[who]())


WHO = [
    "treating therapist",
    "other therapist of the client",
    "unrelated therapist",
    "the client",
    "another client",
    "admin",
    "user with no role",
    "anonymous",
]


def expect(*codes):
    return dict(zip(WHO, codes, strict=True))


READ = expect(200, 200, 404, 404, 404, 200, 404, 401)
WRITE = expect(200, 403, 404, 404, 404, 403, 404, 401)


@pytest.mark.parametrize("who", WHO)
def test_retrieve(chart, who):
    note = write_note(chart.visit)

    response = caller(chart, who).get(f"{URL}{note.pk}/")

    assert response.status_code == READ[who]
    if response.status_code == 200:
        assert response.json()["subjective"] == "Neck pain."
    else:
        assert "subjective" not in response.json()


@pytest.mark.parametrize(
    ("who", "status", "sees"),
    [
        ("treating therapist", 200, True),
        ("other therapist of the client", 200, True),
        ("unrelated therapist", 200, False),
        ("the client", 403, False),
        ("another client", 403, False),
        ("admin", 200, True),
        ("user with no role", 403, False),
        ("anonymous", 401, False),
    ],
)
def test_list(chart, who, status, sees):
    note = write_note(chart.visit)
    danas = write_note(chart.danas_visit)

    response = caller(chart, who).get(URL)

    assert response.status_code == status
    if status == 200:
        ids = {row["id"] for row in response.json()["results"]}
        assert (note.pk in ids) is sees
        assert (danas.pk in ids) is (who in {"admin", "unrelated therapist"})


@pytest.mark.parametrize("who", WHO)
def test_partial_update(chart, who):
    note = write_note(chart.visit)

    response = caller(chart, who).patch(f"{URL}{note.pk}/", {"plan": "Changed"})

    assert response.status_code == WRITE[who]
    note.refresh_from_db()
    assert (note.plan == "Changed") is (WRITE[who] == 200)
    if response.status_code == 403:
        assert response.json()["detail"] == "Only the treating therapist may change this note."


@pytest.mark.parametrize("who", WHO)
def test_delete(chart, who):
    note = write_note(chart.visit)

    response = caller(chart, who).delete(f"{URL}{note.pk}/")

    expected = 204 if WRITE[who] == 200 else WRITE[who]
    assert response.status_code == expected
    assert TreatmentNote.objects.filter(pk=note.pk).exists() is (expected != 204)


@pytest.mark.parametrize("who", WHO)
def test_sign(chart, who):
    note = write_note(chart.visit)

    response = caller(chart, who).post(f"{URL}{note.pk}/sign/")

    assert response.status_code == WRITE[who]
    note.refresh_from_db()
    assert note.is_signed is (WRITE[who] == 200)


@pytest.mark.parametrize("who", WHO)
def test_read_amendments(chart, who):
    note = write_note(chart.visit, sign=True)

    response = caller(chart, who).get(f"{URL}{note.pk}/amendments/")

    assert response.status_code == READ[who]


@pytest.mark.parametrize("who", WHO)
def test_add_amendment(chart, who):
    note = write_note(chart.visit, sign=True)

    response = caller(chart, who).post(f"{URL}{note.pk}/amendments/", {"text": "Also: heat."})

    expected = 201 if WRITE[who] == 200 else WRITE[who]
    assert response.status_code == expected
    assert Amendment.objects.filter(note=note).exists() is (expected == 201)


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("treating therapist", 201),
        ("other therapist of the client", 400),  # not their booking
        ("unrelated therapist", 400),
        ("the client", 403),
        ("another client", 403),
        ("admin", 403),
        ("user with no role", 403),
        ("anonymous", 401),
    ],
)
def test_create(chart, who, status):
    response = caller(chart, who).post(URL, note_payload(chart.visit))

    assert response.status_code == status
    assert TreatmentNote.objects.exists() is (status == 201)


def test_a_therapist_reads_notes_of_a_client_they_only_have_a_future_booking_with(chart):
    """Continuity of care: omar's booking with carl is in three weeks."""
    note = write_note(chart.visit)

    body = caller(chart, "other therapist of the client").get(f"{URL}{note.pk}/").json()

    assert body["therapist_name"] == "Tess Moreau"
    assert body["client_name"] == "Carl Bishop"


def test_a_staff_member_who_is_the_treating_therapist_writes_their_own_notes(chart):
    chart.tess.user.is_staff = True
    chart.tess.user.save()

    response = factories.api_as(chart.tess.user).post(URL, note_payload(chart.visit))

    assert response.status_code == 201


def test_filtering_by_a_client_you_may_not_see_is_404(chart):
    write_note(chart.danas_visit)

    lina = caller(chart, "unrelated therapist")
    tess = caller(chart, "treating therapist")

    assert tess.get(URL, {"client": chart.dana.pk}).status_code == 404
    assert tess.get(URL, {"client": 999999}).status_code == 404
    assert lina.get(URL, {"client": chart.dana.pk}).json()["count"] == 1


@pytest.mark.parametrize(
    ("status", "when", "reads"),
    [
        ("cancelled", "future", False),  # a cancelled booking alone is no link of care
        ("cancelled", "past", False),
        ("confirmed", "past", False),  # booked, never came, never marked: no visit took place
        ("no_show", "past", True),
        ("completed", "past", True),
        ("requested", "future", True),
    ],
)
def test_continuity_of_care_follows_visits_and_upcoming_bookings(chart, status, when, reads):
    note = write_note(chart.visit)
    start = in_three_weeks() + timedelta(days=1) if when == "future" else at(20)
    factories.make_booking(
        therapist=chart.lina, client=chart.carl, service=chart.service, start=start, status=status
    )
    api = as_user(chart.lina)

    note_answer = api.get(f"{URL}{note.pk}/")
    client_answer = api.get(f"/api/v1/clients/{chart.carl.pk}/")

    assert (note_answer.status_code, client_answer.status_code) == (
        (200, 200) if reads else (404, 404)
    )
