"""The staff client page resolves a contraindication flag with a reason (clients.services,
for admins and the client's therapists: clients.selectors.may_resolve_flags) and shows the
resolutions in the client's history."""

import pytest

from tests.staff.conftest import signed_in

pytestmark = pytest.mark.django_db


def resolve(reason="Cleared by her physician, 2026-05-01", code="anticoagulants"):
    return {"what": "resolve_flag", "code": code, "reason": reason}


def test_the_clients_therapist_resolves_a_flag_with_a_reason(desk, as_tess):
    url = f"/staff/clients/{desk.dana.pk}/"
    page = as_tess.get(url).content.decode()
    assert "Anticoagulant medication" in page and 'for="reason-anticoagulants"' in page

    done = as_tess.post(url, resolve())

    assert done.status_code == 302
    page = as_tess.get(url).content.decode()
    assert "Flag resolved." in page
    assert 'name="code" value="anticoagulants"' not in page  # no longer active
    assert page.count('class="resolution"') == 1
    assert "Cleared by her physician, 2026-05-01" in page and "Standing" in page
    assert desk.dana.flag_resolutions.get().resolved_by == desk.tess.user


def test_a_reason_is_required_and_a_resolved_flag_is_not_resolved_twice(desk, as_admin):
    url = f"/staff/clients/{desk.dana.pk}/"

    blank = as_admin.post(url, resolve(reason="  "))
    assert blank.status_code == 400
    assert "Say why the flag no longer applies." in blank.content.decode()
    assert not desk.dana.flag_resolutions.exists()

    assert as_admin.post(url, resolve()).status_code == 302
    again = as_admin.post(url, resolve())
    assert again.status_code == 400 and "already resolved" in again.content.decode()
    unknown = as_admin.post(url, resolve(code="nonsense"))
    assert unknown.status_code == 400
    assert desk.dana.flag_resolutions.count() == 1


def test_only_admins_and_the_clients_therapists_resolve(desk):
    url = f"/staff/clients/{desk.dana.pk}/"
    as_omar = signed_in(desk.omar.user)  # Dana is not in his care

    assert as_omar.post(url, resolve()).status_code == 404
    assert not desk.dana.flag_resolutions.exists()
    assert signed_in(desk.admin).post(url, resolve()).status_code == 302
