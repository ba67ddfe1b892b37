"""When maintenance windows happen: recurrence, time zones and DST (vigil.maintenance.recurrence)."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
import time_machine

from vigil import clock
from vigil.errors import Invalid
from vigil.maintenance.recurrence import (
    Occurrence,
    Schedule,
    next_after,
    next_occurrence,
    occurrences,
    parse_rrule,
)

HOUR = timedelta(hours=1)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def starts(found: list[Occurrence]) -> list[datetime]:
    return [occurrence.start for occurrence in found]


def daily_0230_berlin() -> Schedule:
    return Schedule(
        start=datetime(2026, 3, 1, 2, 30), zone="Europe/Berlin", duration=HOUR, rrule="FREQ=DAILY"
    )


# One-off windows


def test_a_one_off_window_is_one_occurrence_in_utc() -> None:
    schedule = Schedule(start=datetime(2026, 7, 1, 22, 0), zone="Europe/Berlin", duration=2 * HOUR)

    assert occurrences(schedule, utc(2026, 1, 1), utc(2027, 1, 1)) == [
        Occurrence(index=0, start=utc(2026, 7, 1, 20), end=utc(2026, 7, 1, 22))
    ]


def test_a_schedule_between_a_start_and_an_end_lasts_the_time_between_them() -> None:
    schedule = Schedule.between(
        datetime(2026, 7, 1, 22, 0), datetime(2026, 7, 2, 1, 30), "Europe/Berlin"
    )

    assert schedule.duration == timedelta(hours=3, minutes=30)


def test_a_schedule_between_two_instants_is_in_utc() -> None:
    paris = timezone(timedelta(hours=2))
    schedule = Schedule.between_instants(
        datetime(2026, 7, 1, 22, 0, tzinfo=paris), datetime(2026, 7, 1, 21, 30, tzinfo=UTC)
    )

    assert (schedule.start, schedule.zone, schedule.duration) == (
        datetime(2026, 7, 1, 20, 0),
        "UTC",
        timedelta(hours=1, minutes=30),
    )


def test_an_end_not_after_the_start_is_refused() -> None:
    with pytest.raises(Invalid, match="end must be after start"):
        Schedule.between(datetime(2026, 7, 1, 22, 0), datetime(2026, 7, 1, 22, 0), "Europe/Berlin")


def test_a_zero_duration_is_refused() -> None:
    with pytest.raises(Invalid, match="duration must be positive"):
        Schedule(start=datetime(2026, 7, 1, 22, 0), zone="UTC", duration=timedelta(0))


def test_an_unknown_time_zone_is_refused_with_its_name() -> None:
    with pytest.raises(Invalid, match="unknown time zone 'Europe/Atlantis'"):
        Schedule(start=datetime(2026, 7, 1, 22, 0), zone="Europe/Atlantis", duration=HOUR)


def test_a_start_with_an_offset_is_refused_because_the_zone_says_where() -> None:
    with pytest.raises(Invalid, match="without an offset"):
        Schedule(start=utc(2026, 7, 1, 22), zone="Europe/Berlin", duration=HOUR)


# Europe/Berlin: 02:00 CET -> 03:00 CEST on 2026-03-29, 03:00 CEST -> 02:00 CET on 2026-10-25


def test_a_daily_0230_berlin_window_keeps_its_wall_clock_time_across_spring_forward() -> None:
    found = occurrences(daily_0230_berlin(), utc(2026, 3, 27), utc(2026, 4, 1))

    assert starts(found) == [
        utc(2026, 3, 27, 1, 30),  # 02:30 CET
        utc(2026, 3, 28, 1, 30),  # 02:30 CET
        utc(2026, 3, 29, 1, 30),  # 02:30 does not exist: 03:30 CEST
        utc(2026, 3, 30, 0, 30),  # 02:30 CEST
        utc(2026, 3, 31, 0, 30),
    ]


def test_a_start_in_the_spring_gap_moves_forward_by_the_jump() -> None:
    schedule = Schedule(start=datetime(2026, 3, 29, 2, 30), zone="Europe/Berlin", duration=HOUR)

    (occurrence,) = occurrences(schedule, utc(2026, 3, 28), utc(2026, 3, 30))

    assert occurrence.start.astimezone(schedule.tz).replace(tzinfo=None) == datetime(
        2026, 3, 29, 3, 30
    )


def test_a_daily_0230_berlin_window_on_the_autumn_change_day_takes_the_summer_time_0230() -> None:
    found = occurrences(daily_0230_berlin(), utc(2026, 10, 24), utc(2026, 10, 27))

    assert starts(found) == [
        utc(2026, 10, 24, 0, 30),  # 02:30 CEST
        utc(2026, 10, 25, 0, 30),  # 02:30 happens twice: the first, CEST
        utc(2026, 10, 26, 1, 30),  # 02:30 CET
    ]


def test_the_duration_is_elapsed_time_across_the_autumn_change() -> None:
    schedule = Schedule(
        start=datetime(2026, 10, 25, 1, 30), zone="Europe/Berlin", duration=2 * HOUR
    )

    (occurrence,) = occurrences(schedule, utc(2026, 10, 24), utc(2026, 10, 26))

    assert occurrence.end - occurrence.start == 2 * HOUR
    assert occurrence.end.astimezone(schedule.tz).strftime("%H:%M %Z") == "02:30 CET"


def test_the_duration_is_elapsed_time_across_the_spring_change() -> None:
    schedule = Schedule(start=datetime(2026, 3, 29, 1, 30), zone="Europe/Berlin", duration=2 * HOUR)

    (occurrence,) = occurrences(schedule, utc(2026, 3, 28), utc(2026, 3, 30))

    assert occurrence.end.astimezone(schedule.tz).strftime("%H:%M %Z") == "04:30 CEST"


def test_a_window_ending_at_the_local_time_given_spans_the_real_time_between() -> None:
    # 01:00 CEST to 03:00 CET on the autumn day is three real hours.
    schedule = Schedule.between(
        datetime(2026, 10, 25, 1, 0), datetime(2026, 10, 25, 3, 0), "Europe/Berlin"
    )

    assert schedule.duration == 3 * HOUR


def test_hourly_windows_never_repeat_an_instant_in_the_spring_gap() -> None:
    schedule = Schedule(
        start=datetime(2026, 3, 29, 0, 0),
        zone="Europe/Berlin",
        duration=timedelta(minutes=10),
        rrule="FREQ=HOURLY",
    )

    found = occurrences(schedule, utc(2026, 3, 28, 23), utc(2026, 3, 29, 3))

    assert starts(found) == [
        utc(2026, 3, 28, 23),
        utc(2026, 3, 29, 0),
        utc(2026, 3, 29, 1),
        utc(2026, 3, 29, 2),
    ]
    assert [o.index for o in found] == [
        0,
        1,
        2,
        4,
    ]  # 02:00 and 03:00 are the same instant: one is dropped


# America/New_York: 02:00 EST -> 03:00 EDT on 2026-03-08, 02:00 EDT -> 01:00 EST on 2026-11-01


def test_a_new_york_window_at_0130_takes_the_daylight_time_one_on_the_autumn_change() -> None:
    schedule = Schedule(
        start=datetime(2026, 10, 30, 1, 30),
        zone="America/New_York",
        duration=HOUR,
        rrule="FREQ=DAILY",
    )

    found = occurrences(schedule, utc(2026, 10, 31), utc(2026, 11, 3))

    assert starts(found) == [
        utc(2026, 10, 31, 5, 30),
        utc(2026, 11, 1, 5, 30),
        utc(2026, 11, 2, 6, 30),
    ]


def test_a_new_york_window_at_0230_on_the_spring_change_starts_at_0330_daylight_time() -> None:
    schedule = Schedule(
        start=datetime(2026, 3, 6, 2, 30),
        zone="America/New_York",
        duration=HOUR,
        rrule="FREQ=DAILY",
    )

    found = occurrences(schedule, utc(2026, 3, 7), utc(2026, 3, 10))

    assert starts(found) == [utc(2026, 3, 7, 7, 30), utc(2026, 3, 8, 7, 30), utc(2026, 3, 9, 6, 30)]
    assert found[1].start.astimezone(schedule.tz).strftime("%H:%M %Z") == "03:30 EDT"


# Australia/Sydney: 03:00 AEDT -> 02:00 AEST on 2026-04-05, 02:00 AEST -> 03:00 AEDT on 2026-10-04


def test_a_weekly_sydney_sunday_window_follows_the_southern_hemisphere_changes() -> None:
    schedule = Schedule(
        start=datetime(2026, 3, 29, 2, 30),
        zone="Australia/Sydney",
        duration=HOUR,
        rrule="FREQ=WEEKLY;BYDAY=SU",
    )

    april = occurrences(schedule, utc(2026, 3, 28), utc(2026, 4, 13))
    october = occurrences(schedule, utc(2026, 9, 26), utc(2026, 10, 12))

    assert starts(april) == [
        utc(2026, 3, 28, 15, 30),  # 02:30 AEDT (+11)
        utc(2026, 4, 4, 15, 30),  # 02:30 happens twice: the first, AEDT
        utc(2026, 4, 11, 16, 30),  # 02:30 AEST (+10)
    ]
    assert starts(october) == [
        utc(2026, 9, 26, 16, 30),  # 02:30 AEST
        utc(2026, 10, 3, 16, 30),  # 02:30 does not exist: 03:30 AEDT
        utc(2026, 10, 10, 15, 30),  # 02:30 AEDT
    ]


# Rules


def test_a_first_tuesday_of_the_month_window_lands_on_first_tuesdays_in_local_time() -> None:
    schedule = Schedule(
        start=datetime(2026, 1, 6, 22, 0),
        zone="Europe/Berlin",
        duration=2 * HOUR,
        rrule="FREQ=MONTHLY;BYDAY=1TU",
    )

    found = occurrences(schedule, utc(2026, 1, 1), utc(2026, 6, 1))

    local = [o.start.astimezone(schedule.tz).strftime("%a %d %b %H:%M") for o in found]
    assert local == [
        "Tue 06 Jan 22:00",
        "Tue 03 Feb 22:00",
        "Tue 03 Mar 22:00",
        "Tue 07 Apr 22:00",
        "Tue 05 May 22:00",
    ]
    assert starts(found)[2:4] == [utc(2026, 3, 3, 21), utc(2026, 4, 7, 20)]


def test_count_ends_the_series() -> None:
    schedule = Schedule(
        start=datetime(2026, 1, 6, 22, 0), zone="UTC", duration=HOUR, rrule="FREQ=WEEKLY;COUNT=3"
    )

    found = occurrences(schedule, utc(2026, 1, 1), utc(2027, 1, 1))

    assert [o.index for o in found] == [0, 1, 2]
    assert next_occurrence(schedule, utc(2026, 1, 20, 23)) is None


def test_until_in_utc_is_inclusive() -> None:
    schedule = Schedule(
        start=datetime(2026, 7, 1, 2, 30),
        zone="Europe/Berlin",
        duration=HOUR,
        rrule="FREQ=DAILY;UNTIL=20260703T003000Z",
    )

    assert starts(occurrences(schedule, utc(2026, 1, 1), utc(2027, 1, 1)))[-1] == utc(
        2026, 7, 3, 0, 30
    )


def test_until_as_a_date_includes_that_whole_local_day() -> None:
    schedule = Schedule(
        start=datetime(2026, 7, 1, 23, 30),
        zone="Europe/Berlin",
        duration=HOUR,
        rrule="FREQ=DAILY;UNTIL=20260703",
    )

    found = occurrences(schedule, utc(2026, 1, 1), utc(2027, 1, 1))

    assert [o.start.astimezone(schedule.tz).day for o in found] == [1, 2, 3]


def test_until_as_local_time_is_read_in_the_schedule_zone() -> None:
    schedule = Schedule(
        start=datetime(2026, 7, 1, 2, 30),
        zone="Europe/Berlin",
        duration=HOUR,
        rrule="FREQ=DAILY;UNTIL=20260702T023000",
    )

    assert len(occurrences(schedule, utc(2026, 1, 1), utc(2027, 1, 1))) == 2


def test_a_series_without_an_end_is_cut_by_the_window_and_the_limit() -> None:
    schedule = Schedule(
        start=datetime(2026, 1, 1, 3, 0), zone="UTC", duration=HOUR, rrule="FREQ=DAILY"
    )

    assert len(occurrences(schedule, utc(2026, 1, 1), utc(2036, 1, 1), limit=5)) == 5
    assert len(occurrences(schedule, utc(2026, 1, 1), utc(2026, 1, 11))) == 10


def test_occurrences_include_the_one_in_progress_at_the_window_start() -> None:
    schedule = Schedule(
        start=datetime(2026, 1, 1, 3, 0), zone="UTC", duration=2 * HOUR, rrule="FREQ=DAILY"
    )

    found = occurrences(schedule, utc(2026, 1, 5, 4), utc(2026, 1, 6))

    assert [(o.index, o.start) for o in found] == [(4, utc(2026, 1, 5, 3))]


def test_occurrences_refuse_naive_bounds() -> None:
    with pytest.raises(ValueError, match="aware"):
        occurrences(daily_0230_berlin(), datetime(2026, 1, 1), utc(2026, 2, 1))


def test_indexes_are_stable_whatever_the_window() -> None:
    schedule = daily_0230_berlin()

    late = occurrences(schedule, utc(2026, 12, 24), utc(2026, 12, 26))

    assert [o.index for o in late] == [298, 299]
    assert next_after(schedule, 297, utc(2026, 1, 1)) == late[0]


def test_nothing_follows_the_last_occurrence_of_a_series() -> None:
    schedule = Schedule(
        start=datetime(2026, 1, 6, 22, 0), zone="UTC", duration=HOUR, rrule="FREQ=WEEKLY;COUNT=3"
    )

    assert next_after(schedule, 2, utc(2026, 1, 1)) is None
    assert next_after(schedule, 1, utc(2026, 1, 1)) == Occurrence(
        2, utc(2026, 1, 20, 22), utc(2026, 1, 20, 23)
    )


def test_the_first_occurrence_is_the_first_instance_of_the_rule_at_or_after_the_start() -> None:
    monday = datetime(2026, 1, 5, 22, 0)
    schedule = Schedule(
        start=monday, zone="Europe/Berlin", duration=HOUR, rrule="FREQ=MONTHLY;BYDAY=1TU"
    )

    first = next_occurrence(schedule, utc(2026, 1, 1))

    assert first is not None and first.start == utc(2026, 1, 6, 21)


def test_hourly_windows_follow_the_wall_clock_so_the_repeated_autumn_hour_happens_once() -> None:
    schedule = Schedule(
        start=datetime(2026, 10, 25, 1, 0),
        zone="Europe/Berlin",
        duration=timedelta(minutes=10),
        rrule="FREQ=HOURLY",
    )

    found = occurrences(schedule, utc(2026, 10, 24, 23), utc(2026, 10, 25, 3))

    local = [o.start.astimezone(schedule.tz).strftime("%H:%M %Z") for o in found]
    assert local == ["01:00 CEST", "02:00 CEST", "03:00 CET"]


# The next occurrence, with the controllable clock


def test_the_next_occurrence_moves_with_the_clock() -> None:
    schedule = daily_0230_berlin()

    with time_machine.travel(utc(2026, 3, 28, 12), tick=False) as traveller:
        upcoming = next_occurrence(schedule, clock.now())
        assert upcoming is not None and upcoming.start == utc(2026, 3, 29, 1, 30)
        traveller.move_to(utc(2026, 3, 29, 2))
        in_progress = next_occurrence(schedule, clock.now())
        assert in_progress == upcoming
        traveller.move_to(utc(2026, 3, 29, 2, 30))
        following = next_occurrence(schedule, clock.now())
        assert following is not None and following.start == utc(2026, 3, 30, 0, 30)
        assert following.index == upcoming.index + 1


def test_a_one_off_window_has_no_next_occurrence_once_over() -> None:
    schedule = Schedule(start=datetime(2026, 7, 1, 22, 0), zone="Europe/Berlin", duration=HOUR)

    with time_machine.travel(utc(2026, 7, 1, 21), tick=False):
        assert next_occurrence(schedule, clock.now()) is None


# Parsing rules


def test_a_rule_is_normalized_to_upper_case_with_freq_first() -> None:
    assert parse_rrule("RRULE:byday=1tu;freq=monthly") == "FREQ=MONTHLY;BYDAY=1TU"


def test_a_schedule_stores_its_rule_normalized() -> None:
    schedule = Schedule(
        start=datetime(2026, 1, 6), zone="UTC", duration=HOUR, rrule="freq=weekly;count=2"
    )

    assert schedule.rrule == "FREQ=WEEKLY;COUNT=2"


@pytest.mark.parametrize("frequency", ["SECONDLY", "MINUTELY"])
def test_sub_hourly_frequencies_are_refused(frequency: str) -> None:
    with pytest.raises(Invalid, match=f"FREQ={frequency} is not allowed"):
        parse_rrule(f"FREQ={frequency};COUNT=5")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("BYDAY=TU", "needs FREQ"),
        ("FREQ=FORTNIGHTLY", "not a recurrence frequency"),
        ("FREQ=WEEKLY;BYDAY=XX", "BYDAY value 'XX' is not a weekday"),
        ("FREQ=WEEKLY;COLOR=RED", "not an RFC 5545 RRULE part"),
        ("FREQ=WEEKLY;COUNT=2;COUNT=3", "given twice"),
        ("FREQ=WEEKLY;COUNT", "not NAME=VALUE"),
        ("FREQ=WEEKLY;COUNT=0", "COUNT must be a whole number from 1 to 100000"),
        ("FREQ=WEEKLY;COUNT=2;UNTIL=20270101", "COUNT or UNTIL, not both"),
        ("FREQ=WEEKLY;UNTIL=tomorrow", "UNTIL=TOMORROW is not a date"),
        ("FREQ=WEEKLY;UNTIL=20270231", "not a real date"),
        ("DTSTART:20260101T000000\nRRULE:FREQ=DAILY", "without DTSTART"),
        ("FREQ=DAILY;INTERVAL=0", "INTERVAL must be a whole number from 1"),
        ("FREQ=DAILY;BYHOUR=24", "BYHOUR value '24' is not a whole number from 0 to 23"),
        ("FREQ=MONTHLY;BYMONTHDAY=0", "BYMONTHDAY value '0'"),
        ("FREQ=WEEKLY;WKST=XX", "WKST=XX is not a weekday"),
        ("FREQ=MONTHLY;BYDAY=+TU", "is not a weekday such as TU, 1TU or -1FR"),
        ("FREQ=WEEKLY;BYDAY=1TU", "numbered weekdays need FREQ=MONTHLY or YEARLY"),
        ("FREQ=MONTHLY;BYDAY=6TU", "at most 5 of each weekday"),
        ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "never happens"),
        ("FREQ=DAILY;BYMONTH=4;BYMONTHDAY=31", "never happens"),
    ],
)
def test_bad_rules_are_refused_saying_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(Invalid, match=message):
        parse_rrule(text)
