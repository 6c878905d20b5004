"""A Python client generated from the live schema by `openapi-python-client` (a tool nobody
here wrote) builds, every module imports, and a whole clinic flow runs through it alone: a
client registers, gets a token, fills in an intake with trigger points, finds a slot, books,
reschedules, cancels and books again; the therapist confirms, checks in, writes and signs a
note with treated points and reads the progress; an admin reads the report.

Every answer must parse into the generated types, and no object may carry a field the schema
does not declare (the generated models keep those in `additional_properties`): a mismatch
between what the API sends and what it documents fails the test.
"""

import datetime
import importlib
import pkgutil
import re
import subprocess
import sys
import uuid
from pathlib import Path

import attrs
import httpx
import pytest
from django.core import mail
from django.db import connections

from tests import factories

PACKAGE = "kneadly_client"
PASSWORD = "a-long-passphrase-9"


@pytest.fixture
def live(live_server, settings, transactional_db, monkeypatch):
    settings.ALLOWED_HOSTS = ["localhost", "127.0.0.1", "testserver"]
    # The server answers each request in a thread of its own: close its connection after the
    # request (persistent ones would outlive the test and hold the test database open).
    monkeypatch.setitem(connections.settings["default"], "CONN_MAX_AGE", 0)
    clinic = factories.make_clinic(
        timezone="America/Toronto", min_lead_time_minutes=0, booking_horizon_days=60
    )
    return clinic, live_server.url


@pytest.fixture
def generated(live, tmp_path):
    """The client package generated from the running server's schema, imported."""
    _, url = live
    schema = tmp_path / "schema.json"
    schema.write_bytes(httpx.get(f"{url}/api/schema/?format=json").raise_for_status().content)
    bin_dir = Path(sys.executable).parent
    result = subprocess.run(
        [
            str(bin_dir / "openapi-python-client"),
            "generate",
            "--path",
            str(schema),
            "--meta",
            "none",
            "--output-path",
            str(tmp_path / PACKAGE),
        ],
        capture_output=True,
        text=True,
        env={"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": str(tmp_path)},
        timeout=300,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "Warning" not in output, output  # nothing of the schema was skipped
    sys.path.insert(0, str(tmp_path))
    try:
        package = importlib.import_module(PACKAGE)
        modules = [
            importlib.import_module(info.name)
            for info in pkgutil.walk_packages(package.__path__, f"{PACKAGE}.")
        ]
        yield package, modules
    finally:
        sys.path.remove(str(tmp_path))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


def strict(value, where="answer"):
    """`value` (a parsed answer) holds no field the schema does not declare, at any depth."""
    if attrs.has(type(value)):
        extra = getattr(value, "additional_properties", {})
        assert extra == {}, f"{where} ({type(value).__name__}) has undeclared fields: {extra}"
        for field in attrs.fields(type(value)):
            if field.name != "additional_properties":
                strict(getattr(value, field.name), f"{where}.{field.name}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            strict(item, f"{where}[{i}]")
    return value


def test_every_generated_module_imports(generated):
    _, modules = generated

    names = {module.__name__ for module in modules}
    assert f"{PACKAGE}.api.bookings.bookings_cancel" in names
    assert f"{PACKAGE}.api.treatment_notes.treatment_notes_sign" in names
    assert len(modules) > 150


def test_a_whole_clinic_flow_through_the_generated_client_only(live, generated, time_machine):
    _, url = live
    api = importlib.import_module(f"{PACKAGE}.api")
    m = importlib.import_module(f"{PACKAGE}.models")
    client_module = importlib.import_module(f"{PACKAGE}.client")

    def op(tag, name):
        return importlib.import_module(f"{api.__name__}.{tag}.{name}")

    service = factories.make_service()
    tess = factories.make_therapist(
        services=[service], display_name="Tess", hours=((0, 7), datetime.time(9), datetime.time(17))
    )
    tess.user.set_password(PASSWORD)
    tess.user.save()
    admin = factories.make_admin("boss")
    admin.set_password(PASSWORD)
    admin.save()

    anonymous = client_module.Client(base_url=url, raise_on_unexpected_status=True)

    def signed_in(username):
        token = op("auth", "auth_token_create").sync(
            client=anonymous, body=m.AuthTokenRequest(username=username, password=PASSWORD)
        )
        assert isinstance(strict(token), m.AuthToken), token
        return client_module.AuthenticatedClient(
            base_url=url, token=token.token, prefix="Token", raise_on_unexpected_status=True
        )

    # A client registers, signs in and fills in an intake with two trigger points.
    me = op("auth", "auth_register_create").sync(
        client=anonymous,
        body=m.RegisterRequest(
            username="nia",
            password=PASSWORD,
            email="nia@example.com",
            first_name="Nia",
            last_name="Long",
        ),
    )
    assert isinstance(strict(me), m.SignUpDetail), me  # the same answer for any address
    [welcome] = [message for message in mail.outbox if "nia@example.com" in message.to]
    uid, token = re.search(r"uid=(\S+) and token=(\S+) to", welcome.body).groups()
    confirmed = op("auth", "auth_register_confirm_create").sync(
        client=anonymous, body=m.LinkRequest(uid=uid, token=token)
    )
    assert confirmed is not None
    nia = signed_in("nia")
    whoami = op("auth", "auth_me_retrieve").sync(client=nia)
    assert isinstance(strict(whoami), m.Me), whoami
    nia_id = whoami.client
    intake = op("intakes", "clients_intakes_create").sync(
        nia_id,
        client=nia,
        body=m.IntakeRequest(
            consent_given=True,
            consent_version="2026-01",
            conditions="Tension headaches",
            reported_trigger_points=[
                m.ReportedTriggerPointRequest(
                    muscle=m.MuscleEnum.UPPER_TRAPEZIUS,
                    side=m.SideEnum.RIGHT,
                    pain=7,
                    refers_to=m.RefersToEnum.HEADACHE,
                ),
                m.ReportedTriggerPointRequest(
                    muscle=m.MuscleEnum.LEVATOR_SCAPULAE,
                    side=m.SideEnum.LEFT,
                    pain=5,
                    refers_to=m.RefersToEnum.NECK,
                ),
            ],
        ),
    )
    assert isinstance(strict(intake), m.Intake), intake
    assert len(intake.reported_trigger_points) == 2

    # Availability, then book, reschedule, cancel and book again.
    tomorrow = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=1)
    slots = op("availability", "availability_retrieve").sync(
        client=nia,
        service=service.pk,
        start=tomorrow,
        end=tomorrow + datetime.timedelta(days=7),
    )
    assert isinstance(strict(slots), m.Availability), slots
    assert len(slots.results) >= 3
    first, second, third = slots.results[0], slots.results[1], slots.results[-1]

    booking = op("bookings", "bookings_create").sync(
        client=nia,
        body=m.BookingCreateRequest(therapist=tess.pk, service=service.pk, start=first.start),
        idempotency_key=str(uuid.uuid4()),
    )
    assert isinstance(strict(booking), m.Booking), booking
    moved = op("bookings", "bookings_reschedule").sync(
        booking.id, client=nia, body=m.RescheduleRequest(start=third.start, reason="Work")
    )
    assert isinstance(strict(moved), m.Booking), moved
    assert moved.start == third.start
    cancelled = op("bookings", "bookings_cancel").sync(
        booking.id, client=nia, body=m.CancelRequest(reason="Away")
    )
    assert isinstance(strict(cancelled), m.Booking), cancelled
    assert cancelled.status == m.BookingStatusEnum.CANCELLED
    booking = op("bookings", "bookings_create").sync(
        client=nia,
        body=m.BookingCreateRequest(therapist=tess.pk, service=service.pk, start=second.start),
    )
    assert isinstance(strict(booking), m.Booking), booking
    mine = op("bookings", "bookings_list").sync(client=nia)
    assert isinstance(strict(mine), m.PaginatedBookingList), mine
    assert mine.count == 2

    # The therapist confirms, checks in, charts and signs, and reads the progress.
    therapist = signed_in(tess.user.username)
    for action in ("bookings_confirm", "bookings_check_in"):
        if action == "bookings_check_in":  # check-in opens shortly before the visit
            time_machine.move_to(booking.start - datetime.timedelta(minutes=10), tick=True)
            therapist = signed_in(tess.user.username)  # an API token lasts hours, not days
        answer = op("bookings", action).sync(booking.id, client=therapist)
        assert isinstance(strict(answer), m.Booking), (action, answer)
        assert answer.events, "staff see the history"
    note = op("treatment_notes", "treatment_notes_create").sync(
        client=therapist,
        body=m.TreatmentNoteRequest(
            booking=booking.id,
            subjective="Headache since Monday",
            plan="Again in two weeks",
            treated_trigger_points=[
                m.TreatedTriggerPointRequest(
                    muscle=m.MuscleEnum.UPPER_TRAPEZIUS,
                    side=m.SideEnum.RIGHT,
                    technique=m.TechniqueEnum.ISCHEMIC_COMPRESSION,
                    pressure=4,
                    pain_before=7,
                    pain_after=3,
                )
            ],
        ),
    )
    assert isinstance(strict(note), m.TreatmentNote), note
    signed = op("treatment_notes", "treatment_notes_sign").sync(note.id, client=therapist)
    assert isinstance(strict(signed), m.TreatmentNote), signed
    assert signed.signed_at is not None
    found = op("treatment_notes", "treatment_notes_list").sync(client=therapist, search="long")
    assert isinstance(strict(found), m.PaginatedTreatmentNoteList), found
    assert [n.id for n in found.results] == [note.id]
    progress = op("clients", "clients_trigger_point_progress_retrieve").sync(
        nia_id, client=therapist
    )
    assert isinstance(strict(progress), m.TriggerPointProgress), progress
    assert progress.series

    # The admin reads the report (JSON through the models; CSV is text).
    boss = signed_in("boss")
    today = datetime.date.today()
    report = op("reports", "reports_retrieve").sync(
        client=boss, start=today, end=today + datetime.timedelta(days=10)
    )
    assert isinstance(strict(report), m.Report), report
    assert report.totals.bookings >= 1
    csv = boss.get_httpx_client().get("/api/v1/reports/", params={"format": "csv"})
    assert csv.headers["content-type"].startswith("text/csv")
