"""The Django admin: bookings by day and therapist, in clinic time; adding a booking and every
action go through the services (same rules, history and notices as the API)."""

from datetime import UTC, datetime

from bookings.models import Booking
from notifications.models import Notice, NoticeKind
from tests.bookings.conftest import TUESDAY_10, book, local

ADMIN = "/admin/bookings/booking/"


def test_changelist_with_filters_and_day_drilldown(world, client):
    book(world)
    client.force_login(world.admin)

    response = client.get(
        ADMIN,
        {
            "start__day": 5,
            "start__month": 5,
            "start__year": 2026,
            "therapist__id__exact": world.therapist.pk,
        },
    )

    assert response.status_code == 200
    assert response.context["cl"].result_count == 1
    page = response.content.decode()
    assert "May 5, 2026" in page or "2026-05-05" in page or "5 May 2026" in page


def test_times_are_the_clinics_with_the_zones_abbreviation(world, client):
    booking = book(world)  # 10:00 in Toronto is 14:00 UTC
    winter = book(world, start=local(2026, 12, 1, 10))
    client.force_login(world.admin)

    listing = client.get(ADMIN).content.decode()
    change = client.get(f"{ADMIN}{booking.pk}/change/").content.decode()

    assert "10:00 EDT" in listing and "10:00 EST" in listing
    assert "14:00" not in listing
    assert "Tue 5 May 2026, 10:00 EDT" in change
    assert "at 2026-05-05 10:00 EDT" in str(booking)  # the title, as reminders show it
    assert "2026-12-01 10:00 EST" in str(winter)


def test_change_page_shows_history_inline(world, client):
    booking = book(world)
    booking.events.create(actor=world.admin, from_status="requested", to_status="confirmed")
    client.force_login(world.admin)

    response = client.get(f"{ADMIN}{booking.pk}/change/")

    assert response.status_code == 200
    assert "requested" in response.content.decode()


def add_form(world, day="2026-05-05", at="10:00", **extra):
    data = {
        "client": world.client_a.pk,
        "therapist": world.therapist.pk,
        "service": world.service.pk,
        "room": "",
        "start_0": day,
        "start_1": at,
        "notes": "Phoned in",
    }
    data.update(extra)
    return data


def test_the_admin_adds_a_booking_through_the_service(world, client):
    client.force_login(world.admin)

    assert client.get(f"{ADMIN}add/").status_code == 200
    response = client.post(f"{ADMIN}add/", add_form(world))

    assert response.status_code == 302, response.content.decode()[:3000]
    booking = Booking.objects.get()
    assert booking.start == TUESDAY_10  # typed in clinic time
    assert booking.start.astimezone(UTC) == datetime(2026, 5, 5, 14, tzinfo=UTC)
    assert booking.status == "requested"
    assert booking.price == world.service.price
    assert booking.created_by == world.admin
    assert booking.events.get().reason == "Booked"
    assert Notice.objects.filter(booking=booking, kind=NoticeKind.REQUEST_RECEIVED).exists()


def test_the_admin_books_a_walk_in_inside_the_lead_time(world, client):
    # 08:00 now, lead time two hours: a client could not book 09:00; the front desk can.
    client.force_login(world.admin)

    response = client.post(f"{ADMIN}add/", add_form(world, day="2026-05-04", at="09:00"))

    assert response.status_code == 302
    assert Booking.objects.get().start == local(2026, 5, 4, 9)


def test_a_refused_booking_is_a_form_error(world, client):
    client.force_login(world.admin)

    outside = client.post(f"{ADMIN}add/", add_form(world, at="20:00"))
    book(world, client=world.client_b)
    taken = client.post(f"{ADMIN}add/", add_form(world))

    assert outside.status_code == 200
    assert outside.context["adminform"].form.errors
    assert "working hours" in outside.content.decode()
    assert taken.status_code == 200
    assert "already booked" in taken.content.decode()
    assert Booking.objects.count() == 1


def test_a_time_that_does_not_exist_in_the_clinic_is_refused(world, client):
    client.force_login(world.admin)
    world.therapist.working_hours.create(weekday=6, start_time="01:00", end_time="05:00")

    response = client.post(f"{ADMIN}add/", add_form(world, day="2027-03-14", at="02:30"))

    assert response.status_code == 200
    assert "interpreted in time zone America/Toronto" in response.content.decode()
    assert not Booking.objects.exists()


def test_confirm_action_uses_the_service(world, client):
    requested = book(world, status="requested")
    done = book(world, status="completed", start=local(2026, 5, 7, 10))
    client.force_login(world.admin)

    confirmed = client.post(
        ADMIN, {"action": "confirm", "_selected_action": [requested.pk, done.pk]}, follow=True
    )

    requested.refresh_from_db()
    done.refresh_from_db()
    assert requested.status == "confirmed"
    assert requested.events.get().actor == world.admin
    assert done.status == "completed"
    assert "Cannot confirm a booking that is completed." in confirmed.content.decode()
    assert "1 booking(s) confirmed." in confirmed.content.decode()


def test_cancel_asks_who_cancelled_and_why_first(world, client):
    booking = book(world)
    client.force_login(world.admin)

    asked = client.post(ADMIN, {"action": "cancel", "_selected_action": [booking.pk]})
    booking.refresh_from_db()
    assert asked.status_code == 200
    assert booking.status == "confirmed"
    page = asked.content.decode()
    assert "Who cancelled" in page and 'name="reason"' in page

    unsaid = client.post(
        ADMIN, {"action": "cancel", "_selected_action": [booking.pk], "apply": "1"}
    )
    booking.refresh_from_db()
    assert unsaid.status_code == 200 and booking.status == "confirmed"

    done = client.post(
        ADMIN,
        {
            "action": "cancel",
            "_selected_action": [booking.pk],
            "apply": "1",
            "initiated_by": "clinic",
            "reason": "Therapist is ill",
        },
        follow=True,
    )
    booking.refresh_from_db()
    assert "1 booking(s) cancelled." in done.content.decode()
    assert booking.status == "cancelled"
    assert booking.cancelled_by == "clinic" and booking.cancel_reason == "Therapist is ill"
    assert not booking.late_cancellation
    assert Notice.objects.filter(booking=booking, kind=NoticeKind.CANCELLATION).exists()


def test_a_clients_phone_call_inside_the_window_is_a_late_cancellation(world, client):
    booking = book(world, start=local(2026, 5, 4, 15))  # today: inside the 24-hour window
    client.force_login(world.admin)

    client.post(
        ADMIN,
        {
            "action": "cancel",
            "_selected_action": [booking.pk],
            "apply": "1",
            "initiated_by": "client",
            "reason": "Called: sick",
        },
    )

    booking.refresh_from_db()
    assert booking.cancelled_by == "client" and booking.late_cancellation


def test_check_in_complete_and_no_show_actions_follow_the_rules(world, client, frozen):
    arriving = book(world, start=local(2026, 5, 4, 8, 15), client=world.client_a)
    early = book(world, start=local(2026, 5, 4, 11), client=world.client_b)
    client.force_login(world.admin)

    checked = client.post(
        ADMIN, {"action": "check_in", "_selected_action": [arriving.pk, early.pk]}, follow=True
    )
    arriving.refresh_from_db()
    early.refresh_from_db()
    assert arriving.status == "checked_in" and early.status == "confirmed"
    assert "Check-in opens 30 minutes before the start" in checked.content.decode()

    too_soon = client.post(ADMIN, {"action": "complete", "_selected_action": [arriving.pk]})
    arriving.refresh_from_db()
    assert too_soon.status_code == 302 and arriving.status == "checked_in"

    frozen.move_to(local(2026, 5, 4, 11, 30))
    client.post(ADMIN, {"action": "complete", "_selected_action": [arriving.pk]})
    client.post(ADMIN, {"action": "no_show", "_selected_action": [early.pk]})
    arriving.refresh_from_db()
    early.refresh_from_db()
    assert arriving.status == "completed"
    assert early.status == "no_show"


def test_the_admin_never_deletes_bookings(world, client):
    booking = book(world)
    client.force_login(world.admin)

    assert client.post(f"{ADMIN}{booking.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Booking.objects.filter(pk=booking.pk).exists()


def test_a_therapist_without_admin_rights_cannot_open_the_admin(world, client):
    client.force_login(world.therapist.user)

    assert client.get(f"{ADMIN}add/").status_code == 302


def time_off_form(world, day="2026-05-05", start="09:00", end="12:00", **extra):
    return {
        "therapist": world.therapist.pk,
        "start_0": day,
        "start_1": start,
        "end_0": day,
        "end_1": end,
        "reason": "Dentist",
        "affected_bookings": "",
        "cancel_reason": "",
        **extra,
    }


TIME_OFF = "/admin/therapists/timeoff/"
HOURS = "/admin/therapists/workinghours/"


def test_time_off_over_a_booking_in_the_admin_is_refused_listing_it(world, client):
    from therapists.models import TimeOff

    booking = book(world)  # Tuesday 10:00
    client.force_login(world.admin)

    refused = client.post(f"{TIME_OFF}add/", time_off_form(world))

    page = refused.content.decode()
    assert refused.status_code == 200
    assert f"#{booking.pk} " in page and world.client_a.full_name in page
    assert "The therapist is away then." in page
    assert not TimeOff.objects.exists()
    booking.refresh_from_db()
    assert booking.status == "confirmed"


def test_time_off_with_cancel_cancels_the_booking_for_the_clinic(world, client):
    booking = book(world)
    client.force_login(world.admin)

    response = client.post(
        f"{TIME_OFF}add/",
        time_off_form(world, affected_bookings="cancel", cancel_reason="Tess is ill"),
        follow=True,
    )

    booking.refresh_from_db()
    assert response.status_code == 200
    assert booking.status == "cancelled"
    assert booking.cancelled_by == "clinic"
    assert booking.cancel_reason == "Tess is ill"
    assert f"#{booking.pk} " in response.content.decode()  # the message lists what happened
    assert Notice.objects.filter(booking=booking, kind=NoticeKind.CANCELLATION).exists()


def test_cancel_over_a_checked_in_client_in_the_admin_is_refused_listing_them_again(world, client):
    from therapists.models import TimeOff

    booking = book(world)
    Booking.objects.filter(pk=booking.pk).update(status="checked_in")
    client.force_login(world.admin)

    refused = client.post(f"{TIME_OFF}add/", time_off_form(world, affected_bookings="cancel"))

    page = refused.content.decode()
    assert refused.status_code == 200
    assert "is checked in" in page
    assert f"#{booking.pk} " in page and world.client_a.full_name in page
    assert not TimeOff.objects.exists()
    booking.refresh_from_db()
    assert booking.status == "checked_in"


def test_time_off_with_keep_keeps_the_booking(world, client):
    from therapists.models import TimeOff

    booking = book(world)
    client.force_login(world.admin)

    response = client.post(f"{TIME_OFF}add/", time_off_form(world, affected_bookings="keep"))

    booking.refresh_from_db()
    assert response.status_code == 302
    assert booking.status == "confirmed"
    assert TimeOff.objects.filter(therapist=world.therapist).count() == 1


def test_moving_time_off_onto_a_booking_is_guarded_too(world, client):
    from therapists.models import TimeOff

    booking = book(world)
    client.force_login(world.admin)
    added = client.post(f"{TIME_OFF}add/", time_off_form(world, start="13:00", end="15:00"))
    assert added.status_code == 302
    time_off = TimeOff.objects.get()

    moved = client.post(f"{TIME_OFF}{time_off.pk}/change/", time_off_form(world, end="15:00"))

    assert moved.status_code == 200 and f"#{booking.pk} " in moved.content.decode()
    time_off.refresh_from_db()
    assert time_off.start == local(2026, 5, 5, 13)
    assert client.post(f"{TIME_OFF}{time_off.pk}/delete/", {"post": "yes"}).status_code == 302
    assert not TimeOff.objects.exists()


def hours_form(hours, start="09:00", end="17:00", **extra):
    return {
        "weekday": hours.weekday,
        "start_time": start,
        "end_time": end,
        "affected_bookings": "",
        "cancel_reason": "",
        **extra,
    }


def test_shortening_or_removing_hours_in_the_admin_is_guarded(world, client):
    booking = book(world)  # Tuesday 10:00-11:00
    hours = world.therapist.working_hours.get(weekday=1)
    client.force_login(world.admin)
    url = f"{HOURS}{hours.pk}/change/"

    shortened = client.post(url, hours_form(hours, start="12:00"))
    removed = client.post(url, hours_form(hours, remove="on"))
    deleted = client.post(f"{HOURS}{hours.pk}/delete/", {"post": "yes"})

    for refused in (shortened, removed):
        assert refused.status_code == 200 and f"#{booking.pk} " in refused.content.decode()
    assert deleted.status_code == 403
    hours.refresh_from_db()
    assert hours.start_time.hour == 9

    kept = client.post(url, hours_form(hours, remove="on", affected_bookings="keep"))

    assert kept.status_code == 302
    assert not world.therapist.working_hours.filter(pk=hours.pk).exists()
    booking.refresh_from_db()
    assert booking.status == "confirmed"


def test_hours_are_added_on_their_own_page(world, client):
    client.force_login(world.admin)

    response = client.post(
        f"{HOURS}add/",
        {"therapist": world.therapist.pk, "weekday": 6, "start_time": "10:00", "end_time": "14:00"},
    )
    overlap = client.post(
        f"{HOURS}add/",
        {"therapist": world.therapist.pk, "weekday": 6, "start_time": "13:00", "end_time": "15:00"},
    )

    assert response.status_code == 302
    assert world.therapist.working_hours.filter(weekday=6).count() == 1
    assert overlap.status_code == 200 and "overlap" in overlap.content.decode()


def therapist_form(therapist, **extra):
    data = {
        "display_name": therapist.display_name,
        "bio": "",
        "photo_url": "",
        "license_number": "",
        "license_expires_on": "",
        "modalities": list(therapist.modalities),
        "services": [s.pk for s in therapist.services.all()],
        "active": "on",
        "email_booking_notices": "on",
        "affected_bookings": "",
        "cancel_reason": "",
    }
    for prefix in ("working_hours", "time_off"):
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
    data.update(extra)
    return data


def test_deactivating_a_booked_therapist_in_the_admin_is_guarded(world, client):
    booking = book(world)
    client.force_login(world.admin)
    url = f"/admin/therapists/therapist/{world.therapist.pk}/change/"

    refused = client.post(url, therapist_form(world.therapist, active=""))
    world.therapist.refresh_from_db()
    assert refused.status_code == 200 and f"#{booking.pk} " in refused.content.decode()
    assert world.therapist.active

    cancelled = client.post(
        url, therapist_form(world.therapist, active="", affected_bookings="cancel")
    )

    assert cancelled.status_code == 302
    world.therapist.refresh_from_db()
    booking.refresh_from_db()
    assert not world.therapist.active
    assert booking.status == "cancelled" and booking.cancelled_by == "clinic"


def test_a_therapists_profile_still_saves_when_it_strands_nobody(world, client):
    client.force_login(world.admin)
    url = f"/admin/therapists/therapist/{world.therapist.pk}/change/"

    response = client.post(url, therapist_form(world.therapist, bio="Deep tissue for runners."))

    assert response.status_code == 302
    world.therapist.refresh_from_db()
    assert world.therapist.bio == "Deep tissue for runners."
    assert world.therapist.services.count() == 1


def service_form(service, **extra):
    return {
        "name": service.name,
        "modality": service.modality,
        "duration_minutes": service.duration_minutes,
        "buffer_minutes": service.buffer_minutes,
        "price": service.price,
        "description": "",
        "active": "on",
        "affected_bookings": "",
        "cancel_reason": "",
        **extra,
    }


def test_deactivating_a_booked_service_in_the_admin_is_guarded(world, client):
    booking = book(world)
    client.force_login(world.admin)
    url = f"/admin/clinic/service/{world.service.pk}/change/"

    refused = client.post(url, service_form(world.service, active=""))
    action = client.post(
        "/admin/clinic/service/",
        {"action": "deactivate", "_selected_action": [world.service.pk]},
        follow=True,
    )
    world.service.refresh_from_db()
    assert refused.status_code == 200 and f"#{booking.pk} " in refused.content.decode()
    assert "not deactivated" in action.content.decode()
    assert world.service.active

    kept = client.post(url, service_form(world.service, active="", affected_bookings="keep"))

    world.service.refresh_from_db()
    booking.refresh_from_db()
    assert kept.status_code == 302
    assert not world.service.active and booking.status == "confirmed"


def test_rooms_in_the_admin_go_through_the_schedule(world, client):
    from bookings.models import Room

    booking = book(world)
    client.force_login(world.admin)
    form = {"name": "Room 1", "active": "on", "services": [world.service.pk]}

    added = client.post("/admin/bookings/room/add/", {**form, "affected_bookings": ""})
    room = Room.objects.get()
    Room.objects.create(name="Room 2")  # in use, suiting no service
    booking.refresh_from_db()
    closed = client.post(f"/admin/bookings/room/{room.pk}/change/", {**form, "active": ""})

    assert added.status_code == 302
    assert booking.room_id == room.pk  # the booking made before took the new room
    assert closed.status_code == 200  # no active service may be left without a room
    assert "every active service needs an active room" in closed.content.decode()
    room.refresh_from_db()
    assert room.active


def test_a_room_is_taken_out_of_use_in_the_admin_never_deleted(world, client):
    """Deleting the only room suiting a service would leave it unbookable while rooms are in
    use: as in the API, rooms are deactivated (through the guard), not deleted."""
    from bookings.models import Room

    room = Room.objects.create(name="Room 1")
    room.services.add(world.service)
    client.force_login(world.admin)

    assert client.get(f"/admin/bookings/room/{room.pk}/delete/").status_code == 403
    assert (
        client.post(f"/admin/bookings/room/{room.pk}/delete/", {"post": "yes"}).status_code == 403
    )
    listing = client.get("/admin/bookings/room/").content.decode()
    assert "delete_selected" not in listing
    assert Room.objects.filter(pk=room.pk).exists()


def clinic_form(clinic, **extra):
    data = {
        name: getattr(clinic, name)
        for name in (
            "name",
            "address",
            "phone",
            "email",
            "timezone",
            "cancellation_window_hours",
            "slot_interval_minutes",
            "min_lead_time_minutes",
            "booking_horizon_days",
            "note_overdue_hours",
            "waitlist_hold_minutes",
            "check_in_opens_minutes",
            "brand_colour",
        )
    }
    data["reminder_offsets_hours"] = ",".join(str(h) for h in clinic.reminder_offsets_hours)
    data.update({"affected_bookings": "", "cancel_reason": "", **extra})
    return data


def test_a_new_time_zone_in_the_admin_is_guarded(world, client):
    from clinic.models import Clinic

    booking = book(world)  # 10:00 in Toronto is 23:00 in Tokyo: outside the hours
    client.force_login(world.admin)
    url = "/admin/clinic/clinic/1/change/"

    refused = client.post(url, clinic_form(world.clinic, timezone="Asia/Tokyo"))
    assert refused.status_code == 200 and f"#{booking.pk} " in refused.content.decode()
    assert Clinic.get().timezone == "America/Toronto"

    kept = client.post(
        url,
        clinic_form(
            world.clinic, timezone="Asia/Tokyo", affected_bookings="keep", brand_colour="#123456"
        ),
    )

    assert kept.status_code == 302
    clinic = Clinic.get()
    assert clinic.timezone == "Asia/Tokyo" and clinic.brand_colour == "#123456"


def test_an_admin_signed_in_with_two_factor_cancels_for_the_clinic(world, client, frozen):
    from tests import factories
    from tests.clinic.test_two_factor import admin_login, code, enrol

    booking = book(world)
    secret, _ = enrol(factories.api_as(world.admin), frozen)
    signed_in = admin_login(client, world.admin.username, otp_token=code(secret))
    assert signed_in.status_code == 302 and client.get(ADMIN).status_code == 200

    refused = client.post(f"{TIME_OFF}add/", time_off_form(world))
    cancelled = client.post(f"{TIME_OFF}add/", time_off_form(world, affected_bookings="cancel"))

    assert refused.status_code == 200 and f"#{booking.pk} " in refused.content.decode()
    assert cancelled.status_code == 302
    booking.refresh_from_db()
    assert booking.status == "cancelled" and booking.cancelled_by == "clinic"
    assert booking.cancel_reason == "The therapist is away then."
