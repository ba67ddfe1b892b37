"""Shift arithmetic: who is on call when, at handoffs and across daylight-saving changes."""

from datetime import UTC, date, datetime, time, timedelta

from vigil.oncall.shifts import ShiftRule, next_handoff, slot_at, slots

ADA, BOB, CY = 1, 2, 3


def rule(
    kind: str = "24/7",
    zone: str = "UTC",
    start: date = date(2026, 3, 2),
    handoff: time = time(9, 0),
    period_days: int = 7,
    duration_minutes: int | None = None,
    weekdays: int = 0b1111111,
    members: tuple[int, ...] = (ADA, BOB, CY),
) -> ShiftRule:
    return ShiftRule(
        shift_id=1,
        name="primary",
        kind=kind,
        time_zone=zone,
        start_date=start,
        handoff_time=handoff,
        period_days=period_days,
        duration_minutes=duration_minutes or period_days * 24 * 60,
        weekdays=weekdays,
        members=members,
    )


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def on_call(shift: ShiftRule, at: datetime) -> int | None:
    slot = slot_at(shift, at)
    return slot.user_id if slot else None


def test_the_first_member_is_on_call_from_the_start_date_at_the_handoff_time() -> None:
    assert on_call(rule(), utc(2026, 3, 2, 9, 0)) == ADA


def test_nobody_is_on_call_before_the_rotation_starts() -> None:
    assert on_call(rule(), utc(2026, 3, 2, 8, 59, 59)) is None


def test_at_the_handoff_moment_the_next_member_is_on_call() -> None:
    weekly = rule()
    assert on_call(weekly, utc(2026, 3, 9, 8, 59, 59)) == ADA
    assert on_call(weekly, utc(2026, 3, 9, 9, 0)) == BOB


def test_members_take_turns_in_order_and_start_over() -> None:
    weekly = rule()
    turns = [on_call(weekly, utc(2026, 3, 2, 12) + timedelta(weeks=n)) for n in range(5)]
    assert turns == [ADA, BOB, CY, ADA, BOB]


def test_a_weekly_handoff_stays_at_local_time_across_spring_forward_in_new_york() -> None:
    weekly = rule(zone="America/New_York")  # DST starts Sunday 2026-03-08
    assert on_call(weekly, utc(2026, 3, 2, 14, 0)) == ADA  # Monday 09:00 EST
    assert on_call(weekly, utc(2026, 3, 9, 12, 59)) == ADA
    assert on_call(weekly, utc(2026, 3, 9, 13, 0)) == BOB  # Monday 09:00 EDT
    first = slots(weekly, utc(2026, 3, 3), utc(2026, 3, 4))[0]
    assert first.end - first.start == timedelta(days=7, hours=-1)


def test_a_handoff_in_the_skipped_hour_happens_an_hour_later_on_the_clock() -> None:
    daily = rule(zone="America/New_York", handoff=time(2, 30), period_days=1)
    # 2026-03-08 02:30 does not exist in New York: the handoff is at 03:30 EDT (07:30 UTC).
    assert on_call(daily, utc(2026, 3, 8, 7, 29)) == on_call(daily, utc(2026, 3, 7, 12))
    assert on_call(daily, utc(2026, 3, 8, 7, 30)) != on_call(daily, utc(2026, 3, 8, 7, 29))


def test_a_handoff_in_the_repeated_hour_happens_at_its_first_occurrence_in_berlin() -> None:
    daily = rule(zone="Europe/Berlin", start=date(2026, 10, 20), handoff=time(2, 30), period_days=1)
    # 2026-10-25 02:30 happens twice in Berlin; the first time is 00:30 UTC (CEST).
    before, after = utc(2026, 10, 25, 0, 29), utc(2026, 10, 25, 0, 30)
    assert on_call(daily, before) != on_call(daily, after)
    assert on_call(daily, after) == on_call(daily, utc(2026, 10, 25, 23, 0))
    day = slot_at(daily, after)
    assert day is not None and day.end - day.start == timedelta(hours=25)


def test_an_overnight_partial_day_shift_spans_the_end_of_dst_in_sydney() -> None:
    nights = rule(
        kind="partial_day",
        zone="Australia/Sydney",
        start=date(2026, 3, 30),
        handoff=time(22, 0),
        duration_minutes=8 * 60,
    )
    # Saturday 22:00 AEDT (11:00 UTC) to Sunday 06:00 AEST (20:00 UTC): nine hours that night.
    assert on_call(nights, utc(2026, 4, 4, 10, 59)) is None
    assert on_call(nights, utc(2026, 4, 4, 11, 0)) == ADA
    assert on_call(nights, utc(2026, 4, 5, 19, 59)) == ADA
    assert on_call(nights, utc(2026, 4, 5, 20, 0)) is None


def test_a_partial_day_shift_is_off_outside_its_hours_and_weekdays() -> None:
    office = rule(
        kind="partial_day",
        zone="Europe/London",
        handoff=time(9, 0),
        duration_minutes=8 * 60,
        weekdays=0b0011111,  # Monday to Friday
    )
    assert on_call(office, utc(2026, 3, 3, 8, 59)) is None
    assert on_call(office, utc(2026, 3, 3, 9, 0)) == ADA
    assert on_call(office, utc(2026, 3, 3, 17, 0)) is None
    assert on_call(office, utc(2026, 3, 7, 12, 0)) is None  # Saturday
    assert on_call(office, utc(2026, 3, 9, 12, 0)) == BOB  # the next week's turn


def test_a_partial_day_shift_follows_british_summer_time() -> None:
    office = rule(kind="partial_day", zone="Europe/London", duration_minutes=8 * 60)
    # Clocks go forward on 2026-03-29: 09:00 BST is 08:00 UTC.
    assert on_call(office, utc(2026, 3, 30, 8, 0)) is not None
    assert on_call(office, utc(2026, 3, 30, 16, 0)) is None


def test_a_multi_day_weekend_shift_runs_from_friday_evening_to_monday_morning_in_kolkata() -> None:
    weekends = rule(
        kind="multi_day",
        zone="Asia/Kolkata",
        start=date(2026, 3, 6),  # a Friday
        handoff=time(18, 0),
        duration_minutes=(2 * 24 + 14) * 60,
    )
    assert on_call(weekends, utc(2026, 3, 6, 12, 29)) is None  # Friday 17:59 IST
    assert on_call(weekends, utc(2026, 3, 6, 12, 30)) == ADA
    assert on_call(weekends, utc(2026, 3, 9, 2, 29)) == ADA  # Monday 07:59 IST
    assert on_call(weekends, utc(2026, 3, 9, 2, 30)) is None
    assert on_call(weekends, utc(2026, 3, 14, 0, 0)) == BOB


def test_slots_list_each_stretch_overlapping_the_window_in_order() -> None:
    daily = rule(zone="Asia/Tokyo", start=date(2026, 1, 1), period_days=1)
    found = slots(daily, utc(2026, 1, 1, 0, 0), utc(2026, 1, 3, 0, 0))
    assert [(s.start, s.user_id) for s in found] == [
        (utc(2026, 1, 1, 0, 0), ADA),  # 09:00 JST
        (utc(2026, 1, 2, 0, 0), BOB),
    ]


def test_the_next_handoff_is_the_start_of_the_following_stretch() -> None:
    weekly = rule(zone="America/New_York")
    assert next_handoff(weekly, utc(2026, 3, 4)) == utc(2026, 3, 9, 13, 0)


def test_a_shift_without_members_has_nobody_on_call() -> None:
    assert on_call(rule(members=()), utc(2026, 3, 4)) is None
