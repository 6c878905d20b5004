import pytest

from clinic.models import Clinic

ROLES = ["anonymous", "client", "therapist", "other_therapist", "admin"]


@pytest.mark.parametrize("role", ROLES)
def test_anyone_reads_the_clinic(cast, role):
    response = cast.api[role].get("/api/v1/clinic/")

    assert response.status_code == 200
    body = response.json()
    assert body["timezone"] == "America/Toronto"
    assert body["reminder_offsets_hours"] == [24, 2]
    assert {
        "name",
        "address",
        "phone",
        "cancellation_window_hours",
        "slot_interval_minutes",
        "min_lead_time_minutes",
        "booking_horizon_days",
    } <= set(body)


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("anonymous", 401),
        ("client", 403),
        ("therapist", 403),
        ("other_therapist", 403),
        ("admin", 200),
    ],
)
def test_only_admins_edit_the_clinic(cast, role, expected):
    response = cast.api[role].patch("/api/v1/clinic/", {"name": "Knots Undone"})

    assert response.status_code == expected
    assert (Clinic.get().name == "Knots Undone") is (expected == 200)


def test_admin_changes_the_booking_rules(cast):
    response = cast.api["admin"].patch(
        "/api/v1/clinic/",
        {
            "timezone": "Europe/Paris",
            "cancellation_window_hours": 48,
            "slot_interval_minutes": 30,
            "min_lead_time_minutes": 60,
            "booking_horizon_days": 30,
            "address": "1 Rue de Rivoli",
            "phone": "+33 1 23 45 67 89",
        },
    )

    assert response.status_code == 200
    clinic = Clinic.get()
    assert str(clinic.tz) == "Europe/Paris"
    assert clinic.cancellation_window_hours == 48
    assert clinic.slot_interval_minutes == 30
    assert clinic.booking_horizon_days == 30
    assert response.json()["address"] == "1 Rue de Rivoli"


def test_reminder_offsets_are_kept_distinct_latest_first(cast):
    response = cast.api["admin"].patch(
        "/api/v1/clinic/", {"reminder_offsets_hours": [2, 48, 2, 24]}
    )

    assert response.status_code == 200
    assert response.json()["reminder_offsets_hours"] == [48, 24, 2]
    assert Clinic.get().reminder_offsets_hours == [48, 24, 2]


def test_put_is_not_offered(cast):
    response = cast.api["admin"].put("/api/v1/clinic/", {"name": "X"})

    assert response.status_code == 405


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"timezone": "Mars/Olympus_Mons"}, "timezone", "not a known IANA time zone"),
        ({"timezone": ""}, "timezone", "may not be blank"),
        ({"slot_interval_minutes": 1}, "slot_interval_minutes", "at least 5 minutes"),
        ({"slot_interval_minutes": "often"}, "slot_interval_minutes", "whole number"),
        ({"booking_horizon_days": 0}, "booking_horizon_days", "at least 1 day."),
        ({"cancellation_window_hours": -1}, "cancellation_window_hours", "at least 0"),
        ({"min_lead_time_minutes": -5}, "min_lead_time_minutes", "at least 0"),
        ({"reminder_offsets_hours": [24, 0]}, "reminder_offsets_hours", "at least 1 hour."),
        ({"reminder_offsets_hours": ["soon"]}, "reminder_offsets_hours", "whole number"),
        ({"reminder_offsets_hours": [1, 2, 3, 4, 5, 6]}, "reminder_offsets_hours", "At most 5"),
        (
            {"min_lead_time_minutes": 3 * 24 * 60, "booking_horizon_days": 2},
            "min_lead_time_minutes",
            "shorter than the booking horizon",
        ),
    ],
)
def test_bad_settings_are_a_400_on_the_field_and_change_nothing(cast, change, field, message):
    response = cast.api["admin"].patch("/api/v1/clinic/", change)

    assert response.status_code == 400
    assert message in str(response.json()[field])
    clinic = Clinic.get()
    assert str(clinic.tz) == "America/Toronto"
    assert clinic.slot_interval_minutes == 15
    assert clinic.reminder_offsets_hours == [24, 2]


def test_the_database_refuses_a_zero_booking_horizon(db):
    from django.db import IntegrityError

    clinic = Clinic.get()
    clinic.booking_horizon_days = 0

    with pytest.raises(IntegrityError, match="clinic_booking_horizon_min"):
        clinic.save()
