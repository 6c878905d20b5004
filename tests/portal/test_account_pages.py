"""My account and the pages around it: visits, intakes with the body map, the waitlist and
its offers, my data, passwords. Each through the services and selectors the API uses."""

import json
import re

import pytest
from django.core import mail

from clients.models import Intake
from clinic import links
from clinic.models import AuditEntry
from tests import factories
from tests.portal.conftest import at, browser_as
from waitlist import services as waitlist
from waitlist.models import WaitlistEntry, WaitlistOffer

pytestmark = pytest.mark.django_db
PAGES = [
    "/account/",
    "/account/intake/",
    "/account/intake/new/",
    "/account/data/",
    "/account/password/",
]


@pytest.mark.parametrize("path", PAGES)
def test_account_pages_ask_to_sign_in_and_refuse_staff(anon, world, path):
    assert anon.get(path)["Location"] == f"/sign-in/?next={path.replace('/', '%2F')}"
    assert browser_as(world.tess.user).get(path).status_code == 403


@pytest.mark.parametrize("path", PAGES)
def test_account_pages_are_never_cached(carla, path):
    assert "no-store" in carla.get(path)["Cache-Control"]


def test_the_account_lists_upcoming_and_past_visits_and_only_mine(carla, world):
    factories.make_booking(
        therapist=world.tess, client=world.client, service=world.trigger, start=at(2, 10)
    )
    factories.make_booking(
        therapist=world.tess,
        client=world.client,
        service=world.deep,
        start=at(-7, 10),
        status="completed",
    )
    factories.make_booking(
        therapist=world.omar, client=world.other, service=world.deep, start=at(2, 13)
    )

    html = carla.get("/account/").content.decode()
    upcoming, past = html.split('id="past"')

    assert "Trigger point therapy" in upcoming and "Omar" not in html
    assert "Deep tissue massage" in past and "Completed" in past


def test_the_account_page_takes_a_constant_number_of_queries(
    carla, world, django_assert_max_num_queries
):
    for n in range(8):
        factories.make_booking(
            therapist=world.tess, client=world.client, service=world.trigger, start=at(1 + n, 10)
        )
    factories.make_intake(world.client)
    with django_assert_max_num_queries(14):
        carla.get("/account/")


def intake_post(**extra):
    data = {
        "conditions": "",
        "medications": "Ibuprofen",
        "allergies": "",
        "recent_injuries": "",
        "recent_surgery": "",
        "recent_surgery_date": "",
        "pressure_preference": "firm",
        "areas_of_concern": "",
        "consent_given": "on",
        "tp-TOTAL_FORMS": "2",
        "tp-INITIAL_FORMS": "0",
        "tp-MIN_NUM_FORMS": "0",
        "tp-MAX_NUM_FORMS": "20",
        "tp-0-muscle": "upper_trapezius",
        "tp-0-side": "bilateral",
        "tp-0-pain": "7",
        "tp-0-refers_to": "headache",
        "tp-1-muscle": "",
        "tp-1-side": "left",
        "tp-1-pain": "5",
        "tp-1-refers_to": "other",
    }
    data.update(extra)
    return data


def test_the_intake_page_shows_the_body_map_the_list_and_the_consent_in_full(carla):
    html = carla.get("/account/intake/new/").content.decode()

    assert html.count('class="bm-region') == 58
    assert 'data-bodymap-target="trigger-points"' in html
    assert "data-tp-row" in html and "data-tp-template" in html
    assert "Consent to treatment (version 2026-01)" in html  # the clinic's current text


def test_an_intake_is_recorded_by_the_service_with_its_points_and_consent(carla, world):
    answer = carla.post("/account/intake/new/", intake_post())

    assert answer.status_code == 302
    intake = Intake.objects.get(client=world.client)
    assert intake.consent_given and intake.consent_version == "2026-01"
    assert intake.recorded_by == world.client.user
    assert intake.pressure_preference == "firm" and intake.medications == "Ibuprofen"
    assert [
        (p.muscle, p.side, p.pain, p.refers_to) for p in intake.reported_trigger_points.all()
    ] == [("upper_trapezius", "bilateral", 7, "headache")]
    assert AuditEntry.objects.filter(object_type="clients.intake", action="create").exists()


def test_an_intake_without_consent_or_with_bad_input_is_a_form_with_errors(carla, world):
    no_consent = carla.post("/account/intake/new/", intake_post(consent_given=""))
    bad_point = carla.post("/account/intake/new/", intake_post(**{"tp-0-pain": "11"}))
    bad_muscle = carla.post("/account/intake/new/", intake_post(**{"tp-0-muscle": "spleen"}))
    weeks = carla.post("/account/intake/new/", intake_post(pregnancy_weeks="20"))

    for answer in (no_consent, bad_point, bad_muscle, weeks):
        assert answer.status_code == 200
        assert "error-summary" in answer.content.decode() or "field__error" in (
            answer.content.decode()
        )
    assert "only given when pregnant" in weeks.content.decode()
    assert not Intake.objects.filter(client=world.client).exists()


def test_a_huge_row_count_is_twenty_rows_and_an_error_not_a_thousand_rows(carla, world):
    answer = carla.post("/account/intake/new/", intake_post(**{"tp-TOTAL_FORMS": "9" * 20}))

    html = answer.content.decode()
    assert answer.status_code == 200
    assert "Please submit at most 20 forms." in html
    assert 'name="tp-19-muscle"' in html and 'name="tp-20-muscle"' not in html
    assert not Intake.objects.filter(client=world.client).exists()


def test_a_returning_clients_new_intake_starts_from_the_last_one(carla, world):
    factories.make_intake(
        world.client,
        medications="Magnesium",
        pressure_preference="deep",
        reported_trigger_points=[
            {"muscle": "infraspinatus", "side": "right", "pain": 4, "refers_to": "shoulder"}
        ],
    )

    html = carla.get("/account/intake/new/").content.decode()

    assert "Update your intake" in html
    assert "Magnesium</textarea>" in html
    assert re.search(r'value="deep"[^>]*checked', html)
    assert re.search(r'<option value="infraspinatus" selected>', html)


def test_intake_history_and_a_past_intake_with_its_map(carla, world):
    intake = factories.make_intake(
        world.client,
        reported_trigger_points=[
            {"muscle": "levator_scapulae", "side": "left", "pain": 6, "refers_to": "neck"}
        ],
    )
    theirs = factories.make_intake(world.other)

    listing = carla.get("/account/intake/").content.decode()
    detail = carla.get(f"/account/intake/{intake.pk}/").content.decode()

    assert f"/account/intake/{intake.pk}/" in listing
    assert "Levator scapulae (left): pain 6/10, neck pain" in " ".join(detail.split())
    assert detail.count("bm-reported") == 1
    assert carla.get(f"/account/intake/{theirs.pk}/").status_code == 404


def test_joining_and_leaving_the_waitlist(carla, world):
    page = carla.get(f"/account/waitlist/join/?service={world.trigger.pk}&day=2026-03-07")
    joined = carla.post(
        "/account/waitlist/join/",
        {
            "service": world.trigger.pk,
            "earliest_date": "2026-03-07",
            "latest_date": "2026-03-09",
            "time_from": "09:00",
            "time_to": "12:00",
        },
    )
    entry = WaitlistEntry.objects.get(client=world.client)
    bad = carla.post(
        "/account/waitlist/join/",
        {
            "service": world.trigger.pk,
            "earliest_date": "2026-03-09",
            "latest_date": "2026-03-07",
            "time_from": "09:00",
            "time_to": "12:00",
        },
    )
    otto = browser_as(world.other.user).post(f"/account/waitlist/{entry.pk}/leave/")
    left = carla.post(f"/account/waitlist/{entry.pk}/leave/")

    assert 'value="2026-03-07"' in page.content.decode()
    assert joined["Location"] == "/account/"
    assert "must not be before the first" in bad.content.decode()
    assert otto.status_code == 404
    assert left["Location"] == "/account/"
    entry.refresh_from_db()
    assert entry.status == "cancelled"


@pytest.fixture
def offer(world):
    """Carla waits for Tuesday 10:00 with Tess; the slot frees up and the scan offers it."""
    taken = factories.make_booking(
        therapist=world.tess, client=world.other, service=world.trigger, start=at(1, 10)
    )
    waitlist.join(
        client=world.client,
        service=world.trigger,
        therapist=world.tess,
        earliest_date=at(1, 10).date(),
        latest_date=at(1, 10).date(),
        time_from=at(1, 10).time(),
        time_to=at(1, 10, 30).time(),
    )
    taken.status = "cancelled"
    taken.save()
    assert waitlist.scan() == 1
    return WaitlistOffer.objects.get()


def test_an_offer_is_accepted_from_its_signed_link_into_a_booking(anon, world, offer):
    url = links.offer_url(offer)
    path = url[url.index("/offers/") :]
    token = path.split("k=")[1]

    page = anon.get(path).content.decode()
    accepted = anon.post(f"/offers/{offer.pk}/", {"k": token, "answer": "accept"})

    assert "Accept this time" in page and "Tess" in page
    offer.refresh_from_db()
    assert offer.status == "accepted" and offer.booking.client == world.client
    assert accepted["Location"].startswith(f"/visits/{offer.booking.pk}/?k=")
    assert anon.get(accepted["Location"]).status_code == 200


def test_an_offer_is_declined_signed_in_and_is_a_404_to_others(carla, world, offer):
    assert browser_as(world.other.user).get(f"/offers/{offer.pk}/").status_code == 404
    assert browser_as(None).get(f"/offers/{offer.pk}/").status_code == 404

    carla.post(f"/offers/{offer.pk}/", {"answer": "decline"})
    again = carla.post(f"/offers/{offer.pk}/", {"answer": "accept"}, follow=True)

    offer.refresh_from_db()
    assert offer.status == "declined"
    assert "no longer open" in again.content.decode()


def test_my_data_downloads_the_privacy_export_and_is_audited(carla, world):
    factories.make_intake(world.client)

    answer = carla.post("/account/data/")

    assert answer["Content-Disposition"] == f'attachment; filename="my-data-{world.client.pk}.json"'
    data = json.loads(answer.content)
    assert data["client"]["first_name"] == "Carla"
    assert AuditEntry.objects.filter(
        object_type="clients.client.export", object_id=world.client.pk
    ).exists()


def test_changing_the_password_needs_the_old_one_and_keeps_this_session(carla, world):
    wrong = carla.post(
        "/account/password/", {"old_password": "nope", "new_password": "another-long-phrase-7"}
    )
    weak = carla.post(
        "/account/password/", {"old_password": factories.PASSWORD, "new_password": "123"}
    )
    done = carla.post(
        "/account/password/",
        {"old_password": factories.PASSWORD, "new_password": "another-long-phrase-7"},
    )

    assert "entered incorrectly" in wrong.content.decode()
    assert "field__error" in weak.content.decode()
    assert done["Location"] == "/account/"
    assert carla.get("/account/").status_code == 200
    world.client.user.refresh_from_db()
    assert world.client.user.check_password("another-long-phrase-7")


def test_a_forgotten_password_is_reset_from_the_emailed_link(
    anon, world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        asked = anon.post("/password-reset/", {"email": world.client.user.email})
        unknown = anon.post("/password-reset/", {"email": "nobody@example.com"})
    link = re.search(r"http\S+/reset-password/\?\S+", mail.outbox[-1].body).group(0)
    path = link[link.index("/reset-password/") :]

    page = anon.get(path)
    done = anon.post(path, {"new_password": "brand-new-phrase-3"})
    reused = anon.post(path, {"new_password": "brand-new-phrase-4"})

    assert asked.content == unknown.content  # no account enumeration
    assert len(mail.outbox) == 1
    assert page.status_code == 200
    assert done["Location"] == "/sign-in/"
    assert "invalid, was already used" in reused.content.decode()
    world.client.user.refresh_from_db()
    assert world.client.user.check_password("brand-new-phrase-3")


def test_the_intake_pages_take_a_constant_number_of_queries(
    carla, world, django_assert_max_num_queries
):
    points = [
        {"muscle": m, "side": "left", "pain": 3, "refers_to": "other"}
        for m in ("deltoid", "rhomboids", "scalenes", "masseter")
    ]
    for _ in range(4):
        factories.make_intake(world.client, reported_trigger_points=points)
    with django_assert_max_num_queries(10):
        carla.get("/account/intake/new/")
    with django_assert_max_num_queries(10):
        carla.get("/account/intake/")
