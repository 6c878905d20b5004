"""Every staff page opens for whom it is for, and refuses everyone else."""

import pytest

from tests import factories
from tests.staff.conftest import signed_in

pytestmark = pytest.mark.django_db


def pages(desk):
    return {
        "home": "/staff/",
        "today": "/staff/today/",
        "week": "/staff/week/",
        "booking": f"/staff/bookings/{desk.carls_visit.pk}/",
        "clients": "/staff/clients/?q=carl",
        "client": f"/staff/clients/{desk.carl.pk}/",
        "progress": f"/staff/clients/{desk.carl.pk}/progress/",
        "schedule": f"/staff/schedules/{desk.tess.pk}/",
        "schedules": "/staff/schedules/",  # a therapist lands on their own
        "referrals": "/staff/referrals/?muscle=upper_trapezius&side=right",
    }


FRONT_DESK = {
    "board": "/staff/board/",
    "fragment": "/staff/board/fragment/",
    "book": "/staff/book/?therapist={tess}&date=2026-05-05&time=14:00",
    "reports": "/staff/reports/",
    "csv": "/staff/reports/csv/",
}


def test_a_therapist_opens_their_pages(desk, as_tess):
    for name, path in pages(desk).items():
        response = as_tess.get(path, follow=True)
        assert response.status_code == 200, (name, response.content.decode()[:2000])


def test_the_front_desk_opens_every_page(desk, as_admin):
    for name, path in {**pages(desk), **FRONT_DESK}.items():
        response = as_admin.get(path.format(tess=desk.tess.pk), follow=True)
        assert response.status_code == 200, (name, response.content.decode()[:3000])


def test_front_desk_pages_are_refused_to_therapists(desk, as_tess):
    for path in FRONT_DESK.values():
        assert as_tess.get(path.format(tess=desk.tess.pk)).status_code == 403, path


def test_clients_and_strangers_are_refused_and_the_signed_out_sent_to_sign_in(desk, client):
    stranger = signed_in(factories.make_user())
    customer = signed_in(desk.carl.user)
    for path in pages(desk).values():
        assert stranger.get(path).status_code == 403
        assert customer.get(path).status_code == 403
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/sign-in/")


def test_home_sends_each_role_to_its_first_page(desk, as_admin, as_tess):
    assert as_admin.get("/staff/")["Location"] == "/staff/board/"
    assert as_tess.get("/staff/")["Location"] == "/staff/today/"


def test_a_garbage_day_or_unknown_action_is_not_an_error(desk, as_admin, as_tess):
    assert as_admin.get("/staff/board/?date=2026-13-45").status_code == 200
    assert as_tess.get("/staff/today/?date=%00").status_code == 200
    response = as_tess.post(f"/staff/bookings/{desk.carls_visit.pk}/explode/")
    assert response.status_code == 302
