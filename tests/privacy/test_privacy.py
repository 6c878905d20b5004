"""A client's privacy rights: exporting all their data, and being forgotten (anonymised)."""

import logging
from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from bookings import services as booking_services
from bookings.models import Booking, BookingEvent
from clients.models import Intake
from clients.services import resolve_flag
from clinic.models import AuditAction, AuditEntry
from notifications.models import DeliveryStatus, Notice, Reminder, TherapistNotice
from tests import factories
from tests.treatments.conftest import point, write_note
from treatments import services as chart_services
from treatments.models import TreatmentNote
from waitlist.models import WaitlistEntry, WaitlistOffer


def _weekday_at(days_ahead: int, hour: int, tz) -> datetime:
    day = timezone.localdate(timezone=tz) + timedelta(days=days_ahead)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime.combine(day, time(hour), tzinfo=tz)


@pytest.fixture
def history(chart):
    """Carl's life at the clinic: an intake, a charted visit with a signed note and an
    amendment, and an upcoming booking made through the service (history, reminders)."""
    carl = chart.carl
    carl.phone = "+1 416 555 0101"
    carl.staff_notes = "Prefers afternoon slots."
    carl.emergency_contact_name = "Cora Bishop"
    carl.save()
    factories.make_intake(
        carl,
        conditions="Migraines since 2019",
        skin_condition=True,
        reported_trigger_points=[
            {"muscle": "upper_trapezius", "side": "right", "pain": 7, "refers_to": "head"}
        ],
    )
    resolve_flag(
        carl, code="skin_condition", reason="Rash has cleared.", resolved_by=chart.tess.user
    )
    note = write_note(chart.visit, sign=True, subjective="Headaches most afternoons.")
    chart_services.add_amendment(user=chart.tess.user, note=note, text="Also left side.")
    upcoming = booking_services.create_booking(
        client=carl,
        therapist=chart.tess,
        service=chart.service,
        start=_weekday_at(10, 10, factories.make_clinic().tz),
        actor=carl.user,
    )
    booking_services.confirm_booking(upcoming, actor=chart.tess.user)
    return {"note": note, "upcoming": upcoming}


def test_client_exports_everything_the_clinic_holds_about_them(chart, history):
    response = factories.api_as(chart.carl.user).get(f"/api/v1/clients/{chart.carl.pk}/export/")

    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="client-{chart.carl.pk}.json"'
    data = response.json()
    assert data["client"]["last_name"] == "Bishop"
    assert data["client"]["emergency_contact_name"] == "Cora Bishop"
    assert data["client"]["staff_notes"] == "Prefers afternoon slots."
    assert data["login"]["username"] == chart.carl.user.username
    [intake] = data["intakes"]
    assert intake["conditions"] == "Migraines since 2019"
    assert intake["reported_trigger_points"][0]["muscle"] == "upper_trapezius"
    assert intake["consent_version"] == "2026-01"
    [resolution] = data["flag_resolutions"]
    assert (resolution["code"], resolution["reason"]) == ("skin_condition", "Rash has cleared.")
    assert resolution["resolved_by"] == chart.tess.user.get_username()
    by_id = {b["id"]: b for b in data["bookings"]}
    upcoming = by_id[history["upcoming"].pk]
    assert [e["to_status"] for e in upcoming["history"]] == ["requested", "confirmed"]
    assert upcoming["reminders"] and all(r["status"] == "pending" for r in upcoming["reminders"])
    assert [n["kind"] for n in upcoming["notices"]] == ["request_received", "confirmation"]
    assert upcoming["start"].endswith("-05:00") or upcoming["start"].endswith("-04:00")
    [note] = data["treatment_notes"]
    assert note["subjective"] == "Headaches most afternoons."
    assert note["treated_trigger_points"][0]["muscle"] == point()["muscle"]
    assert [a["text"] for a in note["amendments"]] == ["Also left side."]
    assert note["signed_at"] is not None


def test_an_export_is_in_the_audit_log(chart, history):
    factories.api_as(chart.admin).get(f"/api/v1/clients/{chart.carl.pk}/export/")

    entry = AuditEntry.objects.get(object_type="clients.client.export")
    assert (entry.user_id, entry.action, entry.object_id) == (
        chart.admin.pk,
        AuditAction.READ,
        chart.carl.pk,
    )


def test_an_export_takes_the_same_queries_however_long_the_history(
    chart, history, django_assert_max_num_queries
):
    for day in (6, 7, 8, 9):
        visit = chart.book(day=day, status="completed")
        write_note(visit, sign=day % 2 == 0)
        factories.make_intake(chart.carl)
    api = factories.api_as(chart.carl.user)
    with django_assert_max_num_queries(20):
        response = api.get(f"/api/v1/clients/{chart.carl.pk}/export/")
    assert len(response.json()["treatment_notes"]) == 5


def test_another_client_cannot_export_and_learns_nothing(chart, history):
    response = factories.api_as(chart.dana.user).get(f"/api/v1/clients/{chart.carl.pk}/export/")
    assert response.status_code == 404
    assert "Bishop" not in response.content.decode()
    assert not AuditEntry.objects.filter(object_type="clients.client.export").exists()


def anonymise(chart, client):
    return factories.api_as(chart.admin).post(f"/api/v1/clients/{client.pk}/anonymise/")


def test_anonymising_removes_identity_and_keeps_the_clinical_record(chart, history):
    carl, user = chart.carl, chart.carl.user
    carls_api = factories.api_as(user)
    intakes_before = list(Intake.objects.filter(client=carl).values("conditions"))

    response = anonymise(chart, carl)

    assert response.status_code == 200
    assert response.json()["first_name"] == response.json()["last_name"] == "Anonymised"
    carl.refresh_from_db()
    assert (carl.email, carl.phone, carl.date_of_birth, carl.staff_notes) == ("", "", None, "")
    assert (carl.emergency_contact_name, carl.emergency_contact_phone, carl.pronouns) == (
        "",
        "",
        "",
    )
    user.refresh_from_db()
    assert user.username == f"anonymised-{user.pk}"
    assert (user.email, user.first_name, user.last_name, user.is_active) == ("", "", "", False)
    assert not user.has_usable_password()
    assert not user.api_tokens.exists()
    assert carls_api.get("/api/v1/auth/me/").status_code == 401
    # Kept: intakes' clinical fields, the signed note and its amendment, past bookings.
    assert list(Intake.objects.filter(client=carl).values("conditions")) == intakes_before
    note = TreatmentNote.objects.get(pk=history["note"].pk)
    assert note.subjective == "Headaches most afternoons."
    assert note.amendments.count() == 1
    assert Booking.objects.get(pk=chart.visit.pk).status == "checked_in"
    entry = AuditEntry.objects.get(object_type="clients.client.anonymise")
    assert (entry.user_id, entry.action, entry.object_id) == (
        chart.admin.pk,
        AuditAction.UPDATE,
        carl.pk,
    )


def test_anonymising_cancels_future_bookings_and_stops_all_messages(chart, history):
    upcoming = history["upcoming"]

    anonymise(chart, chart.carl)

    upcoming.refresh_from_db()
    assert upcoming.status == "cancelled"
    assert "forgotten" in upcoming.cancel_reason
    last = BookingEvent.objects.filter(booking=upcoming).latest("at", "id")
    assert (last.to_status, last.actor_id) == ("cancelled", chart.admin.pk)
    assert not Reminder.objects.filter(booking__client=chart.carl, status="pending").exists()
    assert not Notice.objects.filter(
        booking__client=chart.carl, status=DeliveryStatus.PENDING
    ).exists()
    # Nor do the therapists' emails about him (his name would be in them): they are skipped.
    assert TherapistNotice.objects.filter(booking__client=chart.carl).exists()
    assert not TherapistNotice.objects.filter(
        booking__client=chart.carl, status=DeliveryStatus.PENDING
    ).exists()
    # Omar's upcoming booking with Carl is cancelled too; the past visit is left as it was.
    assert Booking.objects.get(pk=chart.omars_booking.pk).status == "cancelled"
    assert Booking.objects.get(pk=chart.visit.pk).status == "checked_in"


def test_anonymising_cancels_as_the_clinic_and_scrubs_booking_free_text(chart, history):
    upcoming = history["upcoming"]
    Booking.objects.filter(pk=upcoming.pk).update(notes="Carl's knee, call his wife Cora")
    past = chart.visit
    Booking.objects.filter(pk=past.pk).update(notes="Mentioned his divorce")

    anonymise(chart, chart.carl)

    upcoming.refresh_from_db()
    past.refresh_from_db()
    assert (upcoming.cancelled_by, upcoming.late_cancellation) == ("clinic", False)
    assert upcoming.notes == past.notes == ""
    assert "forgotten" in upcoming.cancel_reason  # our own words, no personal data


def test_an_anonymised_client_cannot_log_in_any_more(chart, history):
    username = chart.carl.user.username
    anonymise(chart, chart.carl)

    response = factories.api_as(None).post(
        "/api/v1/auth/token/", {"username": username, "password": factories.PASSWORD}
    )
    assert response.status_code == 400


def test_anonymising_twice_changes_nothing_more(chart, history):
    first = anonymise(chart, chart.carl)
    events = BookingEvent.objects.count()

    second = anonymise(chart, chart.carl)

    assert second.status_code == 200
    assert second.json() == first.json()
    assert BookingEvent.objects.count() == events
    assert AuditEntry.objects.filter(object_type="clients.client.anonymise").count() == 2


def test_anonymising_a_client_without_a_login(chart):
    walk_in = factories.make_client(with_login=False, email="walk.in@example.com")
    response = anonymise(chart, walk_in)
    assert response.status_code == 200
    walk_in.refresh_from_db()
    assert (walk_in.first_name, walk_in.email) == ("Anonymised", "")


HEALTH = "TAKES-WARFARIN-AFTER-DVT"


def test_health_data_in_request_bodies_is_not_logged(chart, caplog):
    """Refused requests are logged (django.request, WARNING) by path only, never with the body
    that carried the health data; a failed login does not log the username either."""
    carl = chart.carl
    caplog.set_level(logging.WARNING)
    as_carl = factories.api_as(carl.user)
    intakes = f"/api/v1/clients/{carl.pk}/intakes/"
    invalid = {"conditions": HEALTH, "medications": HEALTH}  # no consent: 400
    assert as_carl.post(intakes, invalid, format="json").status_code == 400
    elsewhere = f"/api/v1/clients/{chart.dana.pk}/intakes/"
    assert as_carl.post(elsewhere, invalid, format="json").status_code == 404
    as_tess = factories.api_as(chart.tess.user)
    assert as_tess.post(intakes, invalid, format="json").status_code == 403
    note = {"booking": 999_999, "subjective": HEALTH}
    assert as_tess.post("/api/v1/treatment-notes/", note, format="json").status_code == 400
    login = {"username": HEALTH, "password": HEALTH}
    assert factories.api_as(None).post("/api/v1/auth/token/", login).status_code == 400

    assert caplog.records, "the refusals are logged (by path)"
    for record in caplog.records:
        assert HEALTH not in record.getMessage()
        assert HEALTH not in str(record.__dict__)


def test_server_errors_are_not_mailed_with_their_request_bodies(settings):
    """Django's default logging mails ADMINS an error report that includes the request's POST
    data, health data included. The service sets no ADMINS: errors go to the console log
    (path and traceback only). Setting ADMINS needs a reporter filter that drops bodies."""
    assert not settings.ADMINS


def test_an_export_holds_the_waitlist_entries_and_their_offers(chart, history):
    day = timezone.localdate() + timedelta(days=5)
    response = factories.api_as(chart.carl.user).post(
        "/api/v1/waitlist/",
        {
            "service": chart.service.pk,
            "earliest_date": day.isoformat(),
            "latest_date": (day + timedelta(days=7)).isoformat(),
            "time_from": "09:00",
            "time_to": "17:00",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    entry = WaitlistEntry.objects.get(pk=response.json()["id"])
    start = _weekday_at(6, 12, factories.make_clinic().tz)
    WaitlistOffer.objects.create(
        entry=entry,
        therapist=chart.tess,
        start=start,
        blocks_until=start + timedelta(minutes=75),
        hold_until=timezone.now() + timedelta(minutes=30),
        status="offered",
    )

    data = factories.api_as(chart.carl.user).get(f"/api/v1/clients/{chart.carl.pk}/export/").json()

    [exported] = data["waitlist"]
    assert exported["service"] == chart.service.name
    assert (exported["earliest_date"], exported["time_from"]) == (day.isoformat(), "09:00:00")
    [offer] = exported["offers"]
    assert (offer["status"], offer["therapist"]) == ("offered", chart.tess.display_name)
