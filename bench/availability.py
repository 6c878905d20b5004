"""A month of availability for one service across 20 therapists with 2,000 existing bookings.

Measures, on a throwaway database (created and dropped here):
- Kneadly: GET /api/v1/availability/ through Django's full request stack (test client, no
  network), and the selector alone; server-side time p50/p95 and queries per request.
- django-appointment (if installed, see bench/requirements.txt and `make bench`): the same
  schedule through its slot function, called the way its own views do (one staff member,
  one date at a time), and whether it finds the same slots.

    make bench                                    # both, in var/bench-venv
    python -m devtools.embedded exec -- python bench/availability.py  # theirs if installed
"""

import os
import random
import statistics
import sys
import time
from datetime import datetime, timedelta
from datetime import time as wall
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client as HttpClient  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_databases, teardown_databases  # noqa: E402
from django.utils import timezone  # noqa: E402

THERAPISTS = 20
BOOKINGS = 2000
DAYS = 31
OPEN, CLOSE = wall(8), wall(18)  # one stretch a day, Monday to Friday (django-appointment
# allows one interval per weekday)
DURATION, BUFFER, GRID, LEAD = 60, 15, 15, 120
RUNS_OURS = int(os.environ.get("BENCH_RUNS", "30"))
RUNS_THEIRS = int(os.environ.get("BENCH_RUNS_THEIRS", "5"))

User = get_user_model()


def percentile(samples, p):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def plan_schedule(first_day, rng):
    """Which (therapist index, local start) pairs are booked, and each therapist's day off."""
    days = [first_day + timedelta(days=i) for i in range(DAYS)]
    workdays = [d for d in days if d.weekday() < 5]
    day_off = {t: rng.choice(workdays) for t in range(THERAPISTS)}
    grid = [
        wall(h, m)
        for h in range(OPEN.hour, CLOSE.hour)
        for m in range(0, 60, GRID)
        if (h * 60 + m) + DURATION + BUFFER <= CLOSE.hour * 60
    ]
    taken = {t: [] for t in range(THERAPISTS)}
    booked = []
    span = timedelta(minutes=DURATION + BUFFER)
    while len(booked) < BOOKINGS:
        t = rng.randrange(THERAPISTS)
        day = rng.choice(workdays)
        if day == day_off[t]:
            continue
        start = datetime.combine(day, rng.choice(grid))
        if any(s < start + span and start < s + span for s in taken[t]):
            continue
        taken[t].append(start)
        booked.append((t, start))
    return days, day_off, booked


def seed_kneadly(first_day, day_off, booked):
    from bookings.models import Booking
    from clients.models import Client
    from clinic.models import Clinic, Modality, Service
    from therapists.models import Therapist, TimeOff, WorkingHours

    clinic = Clinic.get()
    clinic.timezone = "America/Toronto"
    clinic.slot_interval_minutes = GRID
    clinic.min_lead_time_minutes = LEAD
    clinic.booking_horizon_days = 90
    clinic.save()
    tz = clinic.tz
    service = Service.objects.create(
        name="Trigger point therapy",
        modality=Modality.TRIGGER_POINT,
        duration_minutes=DURATION,
        buffer_minutes=BUFFER,
        price="110.00",
    )
    password = make_password("bench")
    users = User.objects.bulk_create(
        User(username=f"rmt{i}", password=password) for i in range(THERAPISTS)
    )
    therapists = Therapist.objects.bulk_create(
        Therapist(user=u, display_name=f"RMT {i}", modalities=[Modality.TRIGGER_POINT])
        for i, u in enumerate(users)
    )
    for therapist in therapists:
        therapist.services.add(service)
    WorkingHours.objects.bulk_create(
        WorkingHours(therapist=t, weekday=d, start_time=OPEN, end_time=CLOSE)
        for t in therapists
        for d in range(5)
    )
    TimeOff.objects.bulk_create(
        TimeOff(
            therapist=therapists[i],
            start=datetime.combine(day, wall(0), tzinfo=tz),
            end=datetime.combine(day + timedelta(days=1), wall(0), tzinfo=tz),
            reason="Day off",
        )
        for i, day in day_off.items()
    )
    clients = Client.objects.bulk_create(
        Client(first_name=f"Client{i}", last_name="Bench") for i in range(BOOKINGS)
    )
    rows = []
    for (t, start), client in zip(booked, clients, strict=True):
        booking = Booking(
            therapist=therapists[t], client=client, service=service, status="confirmed"
        )
        booking.set_times(start.replace(tzinfo=tz), service)
        rows.append(booking)
    Booking.objects.bulk_create(rows)
    return service, therapists, tz


def measure_kneadly(service, therapists, first_day, tz):
    from bookings.selectors import available_slots

    http = HttpClient()
    last_day = first_day + timedelta(days=DAYS - 1)
    url = f"/api/v1/availability/?service={service.pk}&start={first_day}&end={last_day}"
    for _ in range(2):
        assert http.get(url).status_code == 200
    http_times, queries = [], []
    for _ in range(RUNS_OURS):
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = http.get(url)
            http_times.append(time.perf_counter() - started)
        queries.append(len(captured.captured_queries))
    body = response.json()["results"]
    window_start = datetime.combine(first_day, wall(0), tzinfo=tz)
    window_end = window_start + timedelta(days=DAYS)
    selector_times = []
    for _ in range(RUNS_OURS):
        started = time.perf_counter()
        slots = available_slots(service=service, start=window_start, end=window_end)
        selector_times.append(time.perf_counter() - started)
    index = {t.pk: i for i, t in enumerate(therapists)}
    found = {(index[s.therapist_id], s.start.astimezone(tz).replace(tzinfo=None)) for s in slots}
    assert len(body) == len(slots)
    return http_times, selector_times, queries, found


def seed_django_appointment(day_off, booked):
    from appointment.models import (
        Appointment,
        AppointmentRequest,
        Config,
        DayOff,
        Service,
        StaffMember,
        WorkingHours,
    )
    from appointment.utils.db_helpers import get_weekday_num_from_date

    Config.objects.create(
        slot_duration=GRID,
        lead_time=OPEN,
        finish_time=CLOSE,
        appointment_buffer_time=LEAD,
        slot_gap_time=BUFFER,
        default_to_service_duration=True,
    )
    service = Service.objects.create(
        name="Trigger point therapy", duration=timedelta(minutes=DURATION), price=110
    )
    password = make_password("bench")
    users = User.objects.bulk_create(
        User(username=f"staff{i}", password=password) for i in range(THERAPISTS)
    )
    staff = StaffMember.objects.bulk_create(
        StaffMember(user=u, slot_duration=GRID, appointment_buffer_time=LEAD, slot_gap_time=BUFFER)
        for u in users
    )
    for member in staff:
        member.services_offered.add(service)
    monday = datetime(2026, 1, 5).date()  # weekday numbers in django-appointment's own scheme
    WorkingHours.objects.bulk_create(
        WorkingHours(
            staff_member=m,
            day_of_week=get_weekday_num_from_date(monday + timedelta(days=d)),
            start_time=OPEN,
            end_time=CLOSE,
        )
        for m in staff
        for d in range(5)
    )
    DayOff.objects.bulk_create(
        DayOff(staff_member=staff[i], start_date=day, end_date=day) for i, day in day_off.items()
    )
    client = User.objects.create(username="client", password=password)
    requests = AppointmentRequest.objects.bulk_create(
        AppointmentRequest(
            date=start.date(),
            start_time=start.time(),
            end_time=(start + timedelta(minutes=DURATION)).time(),
            service=service,
            staff_member=staff[t],
            id_request=f"r{n}",
        )
        for n, (t, start) in enumerate(booked)
    )
    Appointment.objects.bulk_create(
        Appointment(client=client, appointment_request=r, id_request=f"a{r.pk}", amount_to_pay=0)
        for r in requests
    )
    return service, staff


def measure_django_appointment(service, staff, days, tz):
    from appointment.services import get_available_slots_for_staff
    from appointment.utils.db_helpers import get_weekday_num_from_date

    def month():
        found = set()
        for i, member in enumerate(staff):
            for day in days:
                slots = get_available_slots_for_staff(
                    day, member, get_weekday_num_from_date(day), service
                )
                found.update((i, slot) for slot in slots)
        return found

    with timezone.override(tz):  # its working hours are naive wall times in the current zone
        month()
        times, queries = [], []
        for _ in range(RUNS_THEIRS):
            connection.queries_log.clear()  # it keeps 9,000 at most
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                found = month()
                times.append(time.perf_counter() - started)
            queries.append(len(captured.captured_queries))
    return times, queries, found


def crosses_dst(first_day, tz):
    start = datetime.combine(first_day, wall(12), tzinfo=tz)
    end = start + timedelta(days=DAYS)
    return start.utcoffset() != end.utcoffset()


def main():
    rng = random.Random(5)
    first_day = timezone.localdate() + timedelta(days=3)
    days, day_off, booked = plan_schedule(first_day, rng)
    if settings.HAS_DJANGO_APPOINTMENT:
        from django.core.management import call_command

        call_command("makemigrations", "appointment", verbosity=0)
    old = setup_databases(verbosity=0, interactive=False, aliases={"default"})
    try:
        service, therapists, tz = seed_kneadly(first_day, day_off, booked)
        http_times, selector_times, queries, ours = measure_kneadly(
            service, therapists, first_day, tz
        )
        theirs = None
        if settings.HAS_DJANGO_APPOINTMENT:
            their_service, staff = seed_django_appointment(day_off, booked)
            theirs = measure_django_appointment(their_service, staff, days, tz)
    finally:
        teardown_databases(old, verbosity=0)

    print(
        f"Availability: {DAYS} days from {first_day}, {THERAPISTS} therapists, "
        f"{len(booked)} bookings, {DURATION}+{BUFFER} min service on a {GRID}-minute grid, "
        f"Mon-Fri {OPEN:%H:%M}-{CLOSE:%H:%M}; DST change in window: {crosses_dst(first_day, tz)}"
    )
    print(f"{'':38}{'p50 ms':>10}{'p95 ms':>10}{'queries':>10}{'slots':>8}{'runs':>6}")

    def row(label, samples, q, slots):
        print(
            f"{label:38}{statistics.median(samples) * 1000:10.1f}"
            f"{percentile(samples, 95) * 1000:10.1f}{q:>10}{slots:>8}{len(samples):>6}"
        )

    row("kneadly GET /api/v1/availability/", http_times, max(queries), len(ours))
    row("kneadly selector only", selector_times, "", len(ours))
    if theirs is None:
        print(
            "django-appointment is not installed here: `make bench` installs bench/requirements.txt"
            " into var/bench-venv and runs both."
        )
        return
    their_times, their_queries, their_slots = theirs
    row("django-appointment (per staff and day)", their_times, max(their_queries), len(their_slots))
    ratio = statistics.median(their_times) / statistics.median(http_times)
    print(f"ratio (django-appointment p50 / kneadly HTTP p50): {ratio:.1f}x")
    only_theirs, only_ours = their_slots - ours, ours - their_slots
    overhang = {
        (t, s)
        for t, s in only_theirs
        if s + timedelta(minutes=DURATION)
        <= datetime.combine(s.date(), CLOSE)
        < s + timedelta(minutes=DURATION + BUFFER)
    }
    print(
        f"same slots: {len(ours & their_slots)}; only django-appointment: {len(only_theirs)} "
        f"(of which {len(overhang)} let the buffer run past closing, which Kneadly refuses); "
        f"only Kneadly: {len(only_ours)}"
    )


if __name__ == "__main__":
    main()
