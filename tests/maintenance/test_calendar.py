"""Maintenance windows as iCalendar (vigil.maintenance.calendar), read back with `icalendar`."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from icalendar import Calendar, Event

from vigil.maintenance.calendar import CalendarEntry, occurrence_uid, render_calendar
from vigil.maintenance.recurrence import Schedule, occurrences

HOUR = timedelta(hours=1)
YEAR_START = datetime(2026, 1, 1, tzinfo=UTC)
YEAR_END = datetime(2027, 1, 1, tzinfo=UTC)


def nightly_berlin(count: int = 3) -> Schedule:
    return Schedule(
        start=datetime(2026, 3, 28, 2, 30),
        zone="Europe/Berlin",
        duration=HOUR,
        rrule=f"FREQ=DAILY;COUNT={count}",
    )


def upcoming_entries(
    window_key: str,
    summary: str,
    schedule: Schedule,
    after: datetime,
    before: datetime,
    *,
    domain: str,
) -> list[CalendarEntry]:
    """The schedule's occurrences over [after, before) as entries, as the feed makes them."""
    return [
        CalendarEntry(
            uid=occurrence_uid(window_key, o.index, domain),
            summary=summary,
            start=o.start,
            end=o.end,
        )
        for o in occurrences(schedule, after, before)
    ]


def events(ics: bytes) -> list[Event]:
    return [event for event in Calendar.from_ical(ics).walk("VEVENT") if isinstance(event, Event)]


def render(schedule: Schedule, **options: str) -> bytes:
    entries = upcoming_entries(
        "mw-42", "Database upgrade", schedule, YEAR_START, YEAR_END, domain="vigil.test"
    )
    return render_calendar(entries, **options)  # type: ignore[arg-type]


def test_each_occurrence_of_a_recurring_window_is_its_own_event_in_utc() -> None:
    parsed = events(render(nightly_berlin()))

    assert [(e.decoded("dtstart"), e.decoded("dtend")) for e in parsed] == [
        (datetime(2026, 3, 28, 1, 30, tzinfo=UTC), datetime(2026, 3, 28, 2, 30, tzinfo=UTC)),
        (
            datetime(2026, 3, 29, 1, 30, tzinfo=UTC),
            datetime(2026, 3, 29, 2, 30, tzinfo=UTC),
        ),  # 03:30 CEST
        (datetime(2026, 3, 30, 0, 30, tzinfo=UTC), datetime(2026, 3, 30, 1, 30, tzinfo=UTC)),
    ]
    assert all("RRULE" not in e for e in parsed)


def test_times_are_written_in_utc_without_a_tzid() -> None:
    text = render(nightly_berlin(1)).decode()

    assert "DTSTART:20260328T013000Z" in text
    assert "TZID" not in text


def test_the_uid_names_the_window_and_the_occurrence() -> None:
    parsed = events(render(nightly_berlin()))

    assert [str(e["uid"]) for e in parsed] == [
        "mw-42-0@vigil.test",
        "mw-42-1@vigil.test",
        "mw-42-2@vigil.test",
    ]


def test_the_uid_of_an_occurrence_stays_the_same_as_time_passes() -> None:
    schedule = Schedule(
        start=datetime(2026, 1, 1, 2, 30), zone="Europe/Berlin", duration=HOUR, rrule="FREQ=DAILY"
    )

    def uid_of_first_upcoming(now: datetime) -> str:
        with time_machine.travel(now, tick=False):
            entries = upcoming_entries(
                "mw-7", "Nightly", schedule, now, now + 30 * timedelta(days=1), domain="d"
            )
            return str(events(render_calendar(entries))[0]["uid"])

    assert uid_of_first_upcoming(datetime(2026, 3, 10, 12, tzinfo=UTC)) == "mw-7-69@d"
    assert uid_of_first_upcoming(datetime(2026, 3, 9, 12, tzinfo=UTC)) == "mw-7-68@d"
    assert occurrence_uid("mw-7", 69, "d") == "mw-7-69@d"


def test_summary_description_and_url_survive_characters_icalendar_must_escape() -> None:
    entry = CalendarEntry(
        uid="mw-1-0@d",
        summary="DB, upgrade; v2",
        description="Step 1: drain\nStep 2: migrate, then check; done",
        url="https://change.example/CHG-1?tab=plan&x=1",
        start=datetime(2026, 5, 5, 20, tzinfo=UTC),
        end=datetime(2026, 5, 5, 22, tzinfo=UTC),
    )

    (event,) = events(render_calendar([entry]))

    assert str(event["summary"]) == "DB, upgrade; v2"
    assert str(event["description"]) == "Step 1: drain\nStep 2: migrate, then check; done"
    assert str(event["url"]) == "https://change.example/CHG-1?tab=plan&x=1"


def test_dtstamp_is_the_clock_time_of_the_render() -> None:
    with time_machine.travel(datetime(2026, 2, 1, 8, tzinfo=UTC), tick=False):
        (event, *_) = events(render(nightly_berlin()))

    assert event.decoded("dtstamp") == datetime(2026, 2, 1, 8, tzinfo=UTC)


def test_the_calendar_has_a_name_and_the_required_properties() -> None:
    calendar = Calendar.from_ical(render(nightly_berlin(), name="Payments maintenance"))

    assert str(calendar["version"]) == "2.0"
    assert str(calendar["prodid"]) == "-//Vigil//Maintenance windows//EN"
    assert str(calendar["x-wr-calname"]) == "Payments maintenance"


def test_a_canceled_occurrence_is_published_as_cancelled() -> None:
    entry = CalendarEntry(
        uid=occurrence_uid("mw-3", 4, "d"),
        summary="Canceled",
        start=datetime(2026, 5, 5, 20, tzinfo=UTC),
        end=datetime(2026, 5, 5, 22, tzinfo=UTC),
        status="CANCELLED",
        sequence=2,
    )

    (event,) = events(render_calendar([entry]))

    assert (str(event["status"]), event.decoded("sequence")) == ("CANCELLED", 2)


def test_events_are_ordered_by_start_whatever_order_they_come_in() -> None:
    early = CalendarEntry(
        "b@d", "early", datetime(2026, 5, 1, tzinfo=UTC), datetime(2026, 5, 1, 1, tzinfo=UTC)
    )
    late = CalendarEntry(
        "a@d", "late", datetime(2026, 6, 1, tzinfo=UTC), datetime(2026, 6, 1, 1, tzinfo=UTC)
    )

    assert [str(e["summary"]) for e in events(render_calendar([late, early]))] == ["early", "late"]


def test_an_empty_feed_is_still_a_valid_calendar() -> None:
    assert events(render_calendar([])) == []


def test_an_entry_ending_before_it_starts_is_refused() -> None:
    with pytest.raises(ValueError, match="end after it starts"):
        CalendarEntry(
            "x@d", "bad", datetime(2026, 5, 1, 1, tzinfo=UTC), datetime(2026, 5, 1, tzinfo=UTC)
        )
