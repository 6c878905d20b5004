"""Bad input on the portal's pages is a page that says so (or a redirect), never a 500."""

import pytest

from tests import factories
from tests.portal.conftest import at

pytestmark = pytest.mark.django_db
GARBAGE = ["abc", "-1", "99999999999999999999", "\x00", "1\x00", "' OR 1=1 --", "2026-13-45"]


@pytest.mark.parametrize("value", GARBAGE)
def test_garbage_query_parameters_never_break_a_page(carla, world, value):
    visit = factories.make_booking(
        therapist=world.tess, client=world.client, service=world.trigger, start=at(3, 10)
    )
    paths = [
        f"/book/{world.trigger.pk}/?week={value}&therapist={value}&first={value}",
        f"/account/waitlist/join/?service={value}&therapist={value}&day={value}",
        f"/account/waitlist/join/?service={world.trigger.pk}&therapist={value}&day={value}",
        f"/visits/{visit.pk}/?k={value}",
        f"/visits/{visit.pk}/reschedule/?week={value}&k={value}",
        f"/offers/1/?k={value}",
        f"/activate/?uid={value}&token={value}",
        f"/reset-password/?uid={value}&token={value}",
        f"/sign-in/?next={value}",
    ]
    for path in paths:
        assert carla.get(path).status_code < 500, path


@pytest.mark.parametrize("value", GARBAGE)
def test_garbage_form_fields_never_break_a_page(carla, world, value):
    factories.make_intake(world.client)
    visit = factories.make_booking(
        therapist=world.tess, client=world.client, service=world.trigger, start=at(3, 10)
    )
    carla.post(f"/book/{world.trigger.pk}/hold/", {"slot": f"any@{int(at(1, 10).timestamp())}"})
    posts = [
        (f"/book/{world.trigger.pk}/hold/", {"slot": value}),
        ("/book/confirm/", {"notes": value}),
        (f"/visits/{visit.pk}/cancel/", {"reason": value, "k": value}),
        (f"/visits/{visit.pk}/reschedule/", {"slot": value}),
        (
            "/account/waitlist/join/",
            {
                "service": value,
                "therapist": value,
                "earliest_date": value,
                "latest_date": value,
                "time_from": value,
                "time_to": value,
            },
        ),
        (
            "/account/intake/new/",
            {
                "medications": value,
                "pressure_preference": value,
                "tp-TOTAL_FORMS": value,
                "tp-INITIAL_FORMS": value,
                "consent_given": "on",
            },
        ),
        ("/account/password/", {"old_password": value, "new_password": value}),
        (
            "/register/",
            {
                "first_name": value,
                "last_name": value,
                "email": value,
                "username": value,
                "password": value,
            },
        ),
        ("/password-reset/", {"email": value}),
        ("/sign-in/", {"username": value, "password": value, "otp_token": value}),
        ("/offers/1/", {"answer": value, "k": value}),
    ]
    for path, data in posts:
        assert carla.post(path, data).status_code < 500, (path, data)
