from io import StringIO

from django.core.management import call_command

from tests import factories
from therapists.models import Therapist, TimeOff


def test_the_demo_clinic_loads_twice_without_duplicates(db, anon):
    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo", stdout=StringIO())

    therapists = anon.get("/api/v1/therapists/").json()
    services = anon.get("/api/v1/services/").json()
    clinic = anon.get("/api/v1/clinic/").json()

    assert therapists["count"] == 3
    assert services["count"] == 4
    assert clinic["name"] == "Kneadly Demo Clinic"
    assert TimeOff.objects.count() == 1


def test_a_demo_therapist_sees_their_hours_and_time_off(db):
    call_command("seed_demo", stdout=StringIO())
    lina = Therapist.objects.get(user__username="lina")
    api = factories.api_as(lina.user)

    hours = api.get(f"/api/v1/therapists/{lina.pk}/working-hours/").json()
    time_off = api.get(f"/api/v1/therapists/{lina.pk}/time-off/").json()

    assert hours["count"] == 4
    assert time_off["results"][0]["reason"] == "Continuing education course"
    assert time_off["results"][0]["start"].endswith(("-04:00", "-05:00"))
