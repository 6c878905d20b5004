"""The pure availability functions: intervals in, slots out (no database)."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bookings.availability import (
    IntervalSet,
    Reason,
    Rules,
    Schedule,
    ServiceSpec,
    WeeklyHours,
    free_slots,
    grid_starts,
    on_grid,
    refusal,
)

TORONTO = ZoneInfo("America/Toronto")
MIN = timedelta(minutes=1)
HOUR = timedelta(hours=1)
EVERY_DAY_9_TO_17 = [WeeklyHours(d, time(9), time(17)) for d in range(7)]


def at(y, m, d, hh=0, mm=0, tz=TORONTO, fold=0):
    return datetime(y, m, d, hh, mm, tzinfo=tz, fold=fold)


def rules(now, *, tz=TORONTO, interval=15, lead=timedelta(0), horizon=timedelta(days=90)):
    return Rules(
        tz=tz, slot_interval_minutes=interval, min_lead_time=lead, horizon=horizon, now=now
    )


def schedule(*, hours=EVERY_DAY_9_TO_17, busy=(), time_off=(), days=(None, None), **kw):
    first, last = days
    kw.setdefault("service_ids", {1})
    return Schedule.build(
        therapist_id=kw.pop("therapist_id", 1),
        hours=hours,
        busy=busy,
        time_off=time_off,
        tz=kw.pop("tz", TORONTO),
        first_day=first or date(2026, 1, 1),
        last_day=last or date(2026, 12, 31),
        **kw,
    )


SIXTY = ServiceSpec(id=1, duration=60 * MIN, buffer=15 * MIN)


def local_starts(slots, tz=TORONTO):
    return [s.start.astimezone(tz).strftime("%m-%d %H:%M%z") for s in slots]


class TestIntervalSet:
    def test_it_merges_overlapping_and_touching_intervals(self):
        t = at(2026, 5, 4, 9)
        merged = IntervalSet(
            [(t + 2 * HOUR, t + 3 * HOUR), (t, t + HOUR), (t + HOUR, t + 2 * HOUR)]
        )

        assert list(merged) == [(t.astimezone(UTC), (t + 3 * HOUR).astimezone(UTC))]

    def test_back_to_back_intervals_do_not_overlap(self):
        t = at(2026, 5, 4, 9)
        busy = IntervalSet([(t, t + HOUR)])

        assert not busy.overlaps(t + HOUR, t + 2 * HOUR)
        assert not busy.overlaps(t - HOUR, t)
        assert busy.overlaps(t + 59 * MIN, t + 2 * HOUR)

    def test_minus_cuts_holes(self):
        t = at(2026, 5, 4, 9)
        day = IntervalSet([(t, t + 8 * HOUR)])
        cuts = IntervalSet([(t + HOUR, t + 2 * HOUR), (t + 7 * HOUR, t + 9 * HOUR)])

        assert [(a - t, b - t) for a, b in day.minus(cuts)] == [
            (timedelta(0), HOUR),
            (2 * HOUR, 7 * HOUR),
        ]


class TestRefusal:
    """Each reason of the one rule, at the first check that fails."""

    NOW = at(2026, 5, 4, 8)  # a Monday, 08:00

    def check(self, start, *, sched=None, service=SIXTY, **rule_kw):
        return refusal(sched or schedule(), service, start, rules(self.NOW, **rule_kw))

    def test_a_free_slot_on_the_grid_inside_hours_is_accepted(self):
        assert self.check(at(2026, 5, 5, 10)) is None

    def test_inactive_therapist(self):
        assert self.check(at(2026, 5, 5, 10), sched=schedule(active=False)) == (
            Reason.THERAPIST_INACTIVE
        )

    def test_inactive_service(self):
        service = ServiceSpec(id=1, duration=HOUR, active=False)
        assert self.check(at(2026, 5, 5, 10), service=service) == Reason.SERVICE_INACTIVE

    def test_service_not_offered(self):
        assert self.check(at(2026, 5, 5, 10), sched=schedule(service_ids={2})) == (
            Reason.SERVICE_NOT_OFFERED
        )

    def test_in_the_past(self):
        assert self.check(at(2026, 5, 3, 10)) == Reason.IN_PAST

    def test_inside_the_lead_time(self):
        assert self.check(at(2026, 5, 4, 9, 45), lead=2 * HOUR) == Reason.INSIDE_LEAD_TIME
        assert self.check(at(2026, 5, 4, 10), lead=2 * HOUR) is None

    def test_beyond_the_horizon(self):
        horizon = timedelta(days=10)
        sched = schedule(hours=[WeeklyHours(d, time(0), time(23)) for d in range(7)])
        assert self.check(at(2026, 5, 14, 8), sched=sched, horizon=horizon) is None
        assert self.check(at(2026, 5, 14, 8, 15), sched=sched, horizon=horizon) == (
            Reason.BEYOND_HORIZON
        )

    def test_off_the_grid(self):
        assert self.check(at(2026, 5, 5, 10, 10)) == Reason.OFF_GRID
        assert self.check(at(2026, 5, 5, 10, 0) + timedelta(seconds=1)) == Reason.OFF_GRID

    def test_grid_of_twenty_minutes(self):
        assert self.check(at(2026, 5, 5, 10, 20), interval=20) is None
        assert self.check(at(2026, 5, 5, 10, 15), interval=20) == Reason.OFF_GRID

    def test_expired_license(self):
        sched = schedule(license_expires_on=date(2026, 5, 5))
        assert self.check(at(2026, 5, 5, 16), sched=sched, service=ServiceSpec(1, HOUR)) is None
        assert self.check(at(2026, 5, 6, 9), sched=sched) == Reason.LICENSE_EXPIRED

    def test_license_date_is_the_clinic_date_not_utc(self):
        # 21:00 in Toronto on May 5 is already May 6 in UTC.
        sched = schedule(
            license_expires_on=date(2026, 5, 5), hours=[WeeklyHours(1, time(20), time(23))]
        )
        assert self.check(at(2026, 5, 5, 21), sched=sched) is None

    def test_outside_working_hours(self):
        assert self.check(at(2026, 5, 5, 8, 45)) == Reason.OUTSIDE_HOURS

    def test_the_buffer_must_fit_inside_working_hours(self):
        # 60 min + 15 min buffer: 15:45 ends its buffer at 17:00, 16:00 would run past it.
        assert self.check(at(2026, 5, 5, 15, 45)) is None
        assert self.check(at(2026, 5, 5, 16)) == Reason.OUTSIDE_HOURS

    def test_a_slot_may_not_straddle_a_lunch_break(self):
        split = [WeeklyHours(1, time(9), time(12)), WeeklyHours(1, time(13), time(17))]
        assert self.check(at(2026, 5, 5, 11, 30), sched=schedule(hours=split)) == (
            Reason.OUTSIDE_HOURS
        )

    def test_adjacent_working_intervals_join(self):
        joined = [WeeklyHours(1, time(9), time(12)), WeeklyHours(1, time(12), time(17))]
        assert self.check(at(2026, 5, 5, 11, 30), sched=schedule(hours=joined)) is None

    def test_during_time_off(self):
        off = [(at(2026, 5, 5, 12), at(2026, 5, 5, 13))]
        assert self.check(at(2026, 5, 5, 11), sched=schedule(time_off=off)) == Reason.TIME_OFF
        # 10:45 + 75 min ends exactly at 12:00: free.
        assert self.check(at(2026, 5, 5, 10, 45), sched=schedule(time_off=off)) is None

    def test_overlapping_another_booking_counting_buffers(self):
        other = [(at(2026, 5, 5, 11), at(2026, 5, 5, 12, 15))]  # 11:00-12:00 + 15 min buffer
        sched = schedule(busy=other)
        assert self.check(at(2026, 5, 5, 9, 45), sched=sched) is None  # buffer ends at 11:00
        assert self.check(at(2026, 5, 5, 10), sched=sched) == Reason.BUSY  # buffer overlaps
        assert self.check(at(2026, 5, 5, 12), sched=sched) == Reason.BUSY  # in their buffer
        assert self.check(at(2026, 5, 5, 12, 15), sched=sched) is None

    def test_reason_names_the_field_and_explains(self):
        r = rules(self.NOW, lead=2 * HOUR)
        assert Reason.SERVICE_NOT_OFFERED.field == "therapist"
        assert Reason.SERVICE_INACTIVE.field == "service"
        assert Reason.OFF_GRID.field == "start"
        assert "120 minutes" in r.explain(Reason.INSIDE_LEAD_TIME)
        assert Reason.BUSY.is_collision


class TestDaylightSaving:
    """America/Toronto: spring forward 2026-03-08 02:00 -> 03:00, fall back 2026-11-01
    02:00 -> 01:00."""

    def slots(self, hours, first, last, service=SIXTY, interval=15):
        sched = schedule(hours=hours, days=(first - timedelta(days=1), last + timedelta(days=1)))
        r = rules(at(2026, 1, 1), interval=interval, horizon=timedelta(days=365))
        return free_slots(
            [sched],
            service,
            r,
            at(first.year, first.month, first.day),
            at(last.year, last.month, last.day) + timedelta(days=1),
        )

    def test_nine_oclock_stays_nine_oclock_across_spring_forward(self):
        hours = [WeeklyHours(d, time(9), time(10, 15)) for d in range(7)]

        slots = self.slots(hours, date(2026, 3, 7), date(2026, 3, 9))

        assert local_starts(slots) == ["03-07 09:00-0500", "03-08 09:00-0400", "03-09 09:00-0400"]
        assert [s.start.astimezone(UTC).hour for s in slots] == [14, 13, 13]

    def test_nine_oclock_stays_nine_oclock_across_fall_back(self):
        hours = [WeeklyHours(d, time(9), time(10, 15)) for d in range(7)]

        slots = self.slots(hours, date(2026, 10, 31), date(2026, 11, 2))

        assert local_starts(slots) == ["10-31 09:00-0400", "11-01 09:00-0500", "11-02 09:00-0500"]

    def test_wall_times_skipped_by_spring_forward_are_not_offered(self):
        night = [WeeklyHours(6, time(1), time(4))]  # Sunday 01:00-04:00 local
        thirty = ServiceSpec(id=1, duration=30 * MIN)

        slots = self.slots(night, date(2026, 3, 8), date(2026, 3, 8), service=thirty)

        assert local_starts(slots) == [
            "03-08 01:00-0500",
            "03-08 01:15-0500",
            "03-08 01:30-0500",
            # 01:45 EST + 30 min = 03:15 EDT: real elapsed time, across the gap.
            "03-08 01:45-0500",
            "03-08 03:00-0400",
            "03-08 03:15-0400",
            "03-08 03:30-0400",
        ]
        assert all(s.end - s.start == 30 * MIN for s in slots)

    def test_repeated_wall_times_of_fall_back_are_offered_once(self):
        night = [WeeklyHours(6, time(0), time(3))]  # Sunday 00:00-03:00 local: 4 real hours
        sixty = ServiceSpec(id=1, duration=60 * MIN)

        slots = self.slots(night, date(2026, 11, 1), date(2026, 11, 1), service=sixty, interval=30)

        assert local_starts(slots) == [
            "11-01 00:00-0400",
            "11-01 00:30-0400",
            "11-01 01:00-0400",
            "11-01 01:30-0400",  # ends 01:30 EST: a real hour
            "11-01 02:00-0500",
        ]
        assert all(s.end - s.start == HOUR for s in slots)
        assert slots[3].end.astimezone(TORONTO).strftime("%H:%M%z") == "01:30-0500"

    def test_the_second_occurrence_of_a_repeated_time_is_off_the_grid(self):
        r = rules(at(2026, 1, 1), horizon=timedelta(days=365))
        first = at(2026, 11, 1, 1, 30, fold=0).astimezone(UTC)
        second = at(2026, 11, 1, 1, 30, fold=1).astimezone(UTC)

        assert second - first == HOUR
        assert on_grid(first, r)
        assert not on_grid(second, r)

    def test_working_hours_length_follows_the_clock_change(self):
        hours = [WeeklyHours(6, time(0), time(6))]
        sched_spring = schedule(hours=hours, days=(date(2026, 3, 8), date(2026, 3, 8)))
        sched_fall = schedule(hours=hours, days=(date(2026, 11, 1), date(2026, 11, 1)))

        [(a, b)] = list(sched_spring.working)
        [(c, d)] = list(sched_fall.working)

        assert b - a == 5 * HOUR
        assert d - c == 7 * HOUR

    def test_grid_has_no_duplicates_and_only_real_wall_times(self):
        for day in (date(2026, 3, 8), date(2026, 11, 1)):
            grid = grid_starts(TORONTO, 15, day, day)
            assert grid == sorted(set(grid))
            walls = [g.astimezone(TORONTO).strftime("%H:%M") for g in grid]
            assert len(walls) == len(set(walls))
        assert len(grid_starts(TORONTO, 15, date(2026, 3, 8), date(2026, 3, 8))) == 92
        assert len(grid_starts(TORONTO, 15, date(2026, 11, 1), date(2026, 11, 1))) == 96


# --- properties ------------------------------------------------------------------------------

ZONES = [
    ZoneInfo(name) for name in ("America/Toronto", "Europe/London", "Australia/Lord_Howe", "UTC")
]
BASE = datetime(2026, 3, 5, tzinfo=UTC)  # near both the North American and UK spring changes


@st.composite
def scenarios(draw):
    tz = draw(st.sampled_from(ZONES))
    interval = draw(st.sampled_from([5, 10, 15, 20, 25, 30, 60]))
    hours = []
    for _ in range(draw(st.integers(1, 10))):
        start = draw(st.integers(0, 23 * 12 - 1)) * 5
        length = draw(st.integers(1, 14 * 12)) * 5
        end = min(start + length, 23 * 60 + 55)
        if end > start:
            hours.append(
                WeeklyHours(
                    draw(st.integers(0, 6)),
                    time(start // 60, start % 60),
                    time(end // 60, end % 60),
                )
            )

    def intervals(max_count, max_minutes):
        result = []
        for _ in range(draw(st.integers(0, max_count))):
            a = BASE + timedelta(minutes=draw(st.integers(0, 5 * 24 * 60)))
            result.append((a, a + timedelta(minutes=draw(st.integers(1, max_minutes)))))
        return result

    service = ServiceSpec(
        id=1,
        duration=timedelta(minutes=draw(st.sampled_from([15, 30, 45, 60, 90]))),
        buffer=timedelta(minutes=draw(st.sampled_from([0, 5, 10, 15]))),
    )
    now = BASE + timedelta(minutes=draw(st.integers(-24 * 60, 24 * 60)))
    r = Rules(
        tz=tz,
        slot_interval_minutes=interval,
        min_lead_time=timedelta(minutes=draw(st.sampled_from([0, 60, 120]))),
        horizon=timedelta(days=draw(st.integers(1, 8))),
        now=now,
    )
    window_start = BASE + timedelta(minutes=draw(st.integers(0, 2 * 24 * 60)))
    window_end = window_start + timedelta(minutes=draw(st.integers(1, 4 * 24 * 60)))
    sched = Schedule.build(
        therapist_id=7,
        service_ids={1},
        license_expires_on=draw(st.none() | st.just(date(2026, 3, 6))),
        hours=hours,
        time_off=intervals(2, 600),
        busy=intervals(8, 200),
        tz=tz,
        first_day=(window_start - timedelta(days=2)).date(),
        last_day=(window_end + timedelta(days=2)).date(),
    )
    return sched, service, r, window_start, window_end, hours


def naive_inside_hours(start, end, hours, tz):
    """Independent check: both ends fall in one weekly interval of the start's local day."""
    local_start, local_end = start.astimezone(tz), end.astimezone(tz)
    for h in hours:
        if h.weekday != local_start.weekday() or local_end.date() != local_start.date():
            continue
        opens = datetime.combine(local_start.date(), h.start, tzinfo=tz)
        closes = datetime.combine(local_start.date(), h.end, tzinfo=tz)
        if opens.astimezone(UTC) <= start and end <= closes.astimezone(UTC):
            return True
    return False


@settings(max_examples=300, deadline=None)
@given(scenarios())
def test_no_slot_breaks_a_rule(scenario):
    sched, service, r, window_start, window_end, _ = scenario

    slots = free_slots([sched], service, r, window_start, window_end)

    for slot in slots:
        blocked_until = slot.start + service.span
        local = slot.start.astimezone(r.tz)
        assert window_start <= slot.start < window_end
        assert slot.end - slot.start == service.duration
        assert (local.hour * 60 + local.minute) % r.slot_interval_minutes == 0
        assert local.second == 0 and local.microsecond == 0
        assert r.now + r.min_lead_time <= slot.start <= r.now + r.horizon
        assert all(not (b0 < blocked_until and slot.start < b1) for b0, b1 in sched.busy)
        assert all(not (o0 < blocked_until and slot.start < o1) for o0, o1 in sched.time_off)
        assert sched.working.covers(slot.start, blocked_until)
    assert slots == sorted(slots, key=lambda s: (s.start, s.therapist_id))
    assert len({s.start for s in slots}) == len(slots)


@settings(max_examples=300, deadline=None)
@given(scenarios())
def test_availability_offers_exactly_the_grid_times_the_rule_accepts(scenario):
    sched, service, r, window_start, window_end, _ = scenario
    first = (window_start.astimezone(r.tz) - timedelta(days=1)).date()
    last = (window_end.astimezone(r.tz) + timedelta(days=1)).date()
    every_grid_time = [
        g
        for g in grid_starts(r.tz, r.slot_interval_minutes, first, last)
        if window_start <= g < window_end
    ]

    offered = {s.start for s in free_slots([sched], service, r, window_start, window_end)}

    assert offered == {g for g in every_grid_time if refusal(sched, service, g, r) is None}


@settings(max_examples=200, deadline=None)
@given(scenarios())
def test_every_slot_lies_inside_one_weekly_interval(scenario):
    sched, service, r, window_start, window_end, hours = scenario
    # Merge-free hours: keep only one interval per weekday so the independent check applies.
    by_day = {}
    for h in hours:
        by_day.setdefault(h.weekday, h)
    single = list(by_day.values())
    sched = Schedule.build(
        therapist_id=7,
        service_ids={1},
        hours=single,
        time_off=list(sched.time_off),
        busy=list(sched.busy),
        tz=r.tz,
        first_day=(window_start - timedelta(days=2)).date(),
        last_day=(window_end + timedelta(days=2)).date(),
    )

    for slot in free_slots([sched], service, r, window_start, window_end):
        assert naive_inside_hours(slot.start, slot.start + service.span, single, r.tz)


def test_free_slots_orders_several_therapists_by_start_then_therapist():
    r = rules(at(2026, 5, 4, 8))
    one = schedule(therapist_id=2)
    two = schedule(therapist_id=1, busy=[(at(2026, 5, 5, 9), at(2026, 5, 5, 10))])

    slots = free_slots([one, two], SIXTY, r, at(2026, 5, 5, 9), at(2026, 5, 5, 10, 1))

    assert [(s.therapist_id, s.start.astimezone(TORONTO).strftime("%H:%M")) for s in slots] == [
        (2, "09:00"),
        (2, "09:15"),
        (2, "09:30"),
        (2, "09:45"),
        (1, "10:00"),
        (2, "10:00"),
    ]


def test_therapists_who_do_not_offer_the_service_have_no_slots():
    r = rules(at(2026, 5, 4, 8))
    assert free_slots([schedule(service_ids={9})], SIXTY, r, at(2026, 5, 5), at(2026, 5, 6)) == []


@pytest.mark.parametrize("tz_name", ["America/Toronto", "Europe/London"])
def test_a_week_of_slots_counts_as_expected(tz_name):
    tz = ZoneInfo(tz_name)
    r = rules(datetime(2026, 6, 1, tzinfo=tz), tz=tz)
    sched = schedule(tz=tz, hours=[WeeklyHours(d, time(9), time(17)) for d in range(5)])

    slots = free_slots(
        [sched], SIXTY, r, datetime(2026, 6, 1, tzinfo=tz), datetime(2026, 6, 8, tzinfo=tz)
    )

    # 09:00 to 15:45 every 15 minutes = 28 a day, five days.
    assert len(slots) == 5 * 28
