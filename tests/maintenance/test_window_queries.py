"""Reading maintenance windows in bulk (vigil.maintenance.window_queries): filtered pages of
windows by their current occurrence, a window's occurrences over a span (stored and still to
come), and calendar entries, each in a fixed number of statements."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import QueryCounter, new_org
from tests.maintenance.builders import MONDAY, later, travel
from tests.maintenance.windows_builders import WindowShop, spec
from vigil import clock
from vigil.alerts.routing_keys import create_routing_key
from vigil.db import transaction
from vigil.errors import Invalid
from vigil.maintenance import windows
from vigil.maintenance.calendar import CalendarEntry, occurrence_uid
from vigil.maintenance.recipients import RecipientSpec
from vigil.maintenance.recurrence import Schedule
from vigil.maintenance.window_queries import (
    PlannedOccurrence,
    WindowFilter,
    calendar_entries,
    list_windows,
    planned_occurrences,
)
from vigil.maintenance.windows import WindowChanges, WindowState
from vigil.orgs.service import NewOrganization

__all__ = ["travel"]

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
ONE_PM = datetime(2026, 3, 2, 13, 0)
"""An hour after the frozen clock (MONDAY 12:00 UTC), as naive UTC wall-clock time."""
DAILY = "FREQ=DAILY"
WEEK = (MONDAY, MONDAY + 7 * DAY)


@pytest.fixture
def shop(sessions: sessionmaker[Session], org: NewOrganization, travel: Any) -> WindowShop:
    return WindowShop(sessions, org)


def titled(title: str, start: datetime, **fields: Any) -> windows.WindowSpec:
    return replace(spec(start, **fields), title=title)


def listed(
    shop: WindowShop, wanted: WindowFilter | None = None, *, offset: int = 0, limit: int = 50
) -> tuple[int, list[str]]:
    """The total and the titles of the page."""
    with transaction(shop.sessions) as session:
        total, found = list_windows(
            session, shop.org_id, wanted or WindowFilter(), offset=offset, limit=limit
        )
        return total, [state.window.title for state in found]


def planned(
    shop: WindowShop, key: str, span: tuple[datetime, datetime] = WEEK, limit: int = 100
) -> list[PlannedOccurrence]:
    with transaction(shop.sessions) as session:
        state = windows.get_window(session, shop.org_id, key)
        return planned_occurrences(session, state, span[0], span[1], limit)


def entries(
    shop: WindowShop, span: tuple[datetime, datetime] = WEEK, **options: Any
) -> list[CalendarEntry]:
    with transaction(shop.sessions) as session:
        return calendar_entries(
            session, shop.org_id, after=span[0], before=span[1], domain="vigil.test", **options
        )


def act(shop: WindowShop, verb: Any, key: str, **fields: Any) -> WindowState:
    with transaction(shop.sessions) as session:
        state: WindowState = verb(session, shop.org_id, key, actor="bob", at=clock.now(), **fields)
        return state


def finish_first_occurrence(shop: WindowShop, travel: Any) -> None:
    """Run the engine through a window at ONE_PM lasting two hours: started, then ended."""
    later(travel, 60)
    shop.run_engine()
    later(travel, 120)
    shop.run_engine()


# --- list_windows -------------------------------------------------------------------------


def test_windows_are_listed_by_their_current_planned_start(shop: WindowShop) -> None:
    shop.make(titled("Later", ONE_PM + 3 * HOUR))
    shop.make(titled("Sooner", ONE_PM))
    shop.make(titled("Same time, made after", ONE_PM))

    assert listed(shop) == (3, ["Sooner", "Same time, made after", "Later"])


def test_a_page_gives_the_total_and_its_slice(shop: WindowShop) -> None:
    for hour in range(5):
        shop.make(titled(f"W{hour}", ONE_PM + hour * HOUR))

    assert listed(shop, offset=1, limit=2) == (5, ["W1", "W2"])
    assert listed(shop, offset=5, limit=2) == (5, [])


def test_a_negative_offset_is_refused(shop: WindowShop) -> None:
    with pytest.raises(Invalid, match="negative"):
        listed(shop, offset=-1)


def test_a_listed_window_carries_its_keys_current_occurrence_and_recipients(
    shop: WindowShop,
) -> None:
    recipients = (RecipientSpec("user", "ada"), RecipientSpec("email", "ops@example.com"))
    made = shop.make(spec(ONE_PM, keys=("db", "ops"), recipients=recipients))

    with transaction(shop.sessions) as session:
        _, [state] = list_windows(session, shop.org_id, WindowFilter(), offset=0, limit=10)

        assert state.window.key == made.window.key
        assert state.keys == ["db", "ops"]
        assert state.current.id == made.current.id
        assert state.recipients == list(recipients)


def test_listing_takes_the_same_statements_for_one_window_or_many(
    shop: WindowShop, queries: QueryCounter
) -> None:
    recipients = (RecipientSpec("user", "ada"), RecipientSpec("email", "ops@example.com"))
    shop.make(spec(ONE_PM, recipients=recipients))
    queries.statements.clear()
    assert listed(shop)[0] == 1
    one = queries.count
    for hour in range(1, 6):
        shop.make(spec(ONE_PM + hour * HOUR, keys=("db", "ops"), recipients=recipients))

    queries.statements.clear()
    assert listed(shop)[0] == 6

    assert queries.count == one == 4  # count, page, keys, recipients


def test_the_current_occurrence_is_the_latest_stored_one(shop: WindowShop, travel: Any) -> None:
    made = shop.make(spec(ONE_PM, rrule=DAILY))
    finish_first_occurrence(shop, travel)

    with transaction(shop.sessions) as session:
        _, [state] = list_windows(session, shop.org_id, WindowFilter(), offset=0, limit=10)

        assert state.window.key == made.window.key
        assert (state.current.index, state.current.status) == (1, "scheduled")
        assert state.current.planned_start == MONDAY + DAY + HOUR


def test_windows_filter_by_their_current_status(shop: WindowShop) -> None:
    shop.make(titled("Waiting", ONE_PM))
    running = shop.make(titled("Running", ONE_PM + HOUR))
    act(shop, windows.start_window, running.window.key)

    assert listed(shop, WindowFilter(statuses=["in_progress"])) == (1, ["Running"])
    assert listed(shop, WindowFilter(statuses=["scheduled", "in_progress"]))[0] == 2
    assert listed(shop, WindowFilter(statuses=["completed"])) == (0, [])


def test_an_unknown_status_is_refused(shop: WindowShop) -> None:
    with pytest.raises(Invalid, match="'running'"):
        listed(shop, WindowFilter(statuses=["running"]))


def test_a_routing_key_keeps_the_windows_naming_it_and_the_global_ones(shop: WindowShop) -> None:
    shop.make(titled("Database", ONE_PM, keys=("db",)))
    shop.make(titled("Both", ONE_PM + HOUR, keys=("ops", "db")))
    shop.make(titled("Ops", ONE_PM + 2 * HOUR, keys=("ops",)))
    shop.make(titled("Everything", ONE_PM + 3 * HOUR, keys=(), is_global=True))

    assert listed(shop, WindowFilter(routing_key="db")) == (3, ["Database", "Both", "Everything"])


def test_windows_filter_by_being_global(shop: WindowShop) -> None:
    shop.make(titled("Database", ONE_PM))
    shop.make(titled("Everything", ONE_PM, keys=(), is_global=True))

    assert listed(shop, WindowFilter(is_global=True)) == (1, ["Everything"])
    assert listed(shop, WindowFilter(is_global=False)) == (1, ["Database"])


def test_start_after_is_inclusive_and_start_before_exclusive(shop: WindowShop) -> None:
    shop.make(titled("One", ONE_PM))
    shop.make(titled("Two", ONE_PM + HOUR))
    shop.make(titled("Three", ONE_PM + 2 * HOUR))
    two = MONDAY + 2 * HOUR

    assert listed(shop, WindowFilter(start_after=two))[1] == ["Two", "Three"]
    assert listed(shop, WindowFilter(start_before=two))[1] == ["One"]


def test_end_after_is_inclusive_and_end_before_exclusive(shop: WindowShop) -> None:
    shop.make(titled("Short", ONE_PM, hours=1))
    shop.make(titled("Long", ONE_PM, hours=3))
    short_end = MONDAY + 2 * HOUR

    assert listed(shop, WindowFilter(end_after=short_end))[1] == ["Short", "Long"]
    assert listed(shop, WindowFilter(end_before=short_end + HOUR))[1] == ["Short"]


def test_a_time_without_an_offset_is_refused(shop: WindowShop) -> None:
    with pytest.raises(Invalid, match="startAfter"):
        listed(shop, WindowFilter(start_after=datetime(2026, 3, 2, 12, 0)))


def test_the_external_reference_matches_exactly(shop: WindowShop) -> None:
    shop.make(titled("Ticketed", ONE_PM, external_ref="CHG-1"))
    shop.make(titled("Other ticket", ONE_PM, external_ref="CHG-10"))

    assert listed(shop, WindowFilter(external_ref="CHG-1")) == (1, ["Ticketed"])


def test_another_organizations_windows_are_not_listed(
    shop: WindowShop, sessions: sessionmaker[Session]
) -> None:
    other = WindowShop(sessions, new_org(sessions, "Other"))
    other.make(spec(ONE_PM))

    assert listed(shop) == (0, [])


# --- planned_occurrences ------------------------------------------------------------------


def test_a_one_off_window_has_its_stored_occurrence_only(shop: WindowShop) -> None:
    made = shop.make(spec(ONE_PM))

    assert planned(shop, made.window.key) == [
        PlannedOccurrence(
            index=0,
            status="scheduled",
            outcome=None,
            planned_start=MONDAY + HOUR,
            planned_end=MONDAY + 3 * HOUR,
            actual_start=None,
            actual_end=None,
            sequence=0,
            stored=True,
        )
    ]


def test_a_series_adds_the_occurrences_its_schedule_has_still_to_come(shop: WindowShop) -> None:
    made = shop.make(spec(ONE_PM, rrule=DAILY))

    found = planned(shop, made.window.key, (MONDAY, MONDAY + 3 * DAY))

    assert [(o.index, o.stored, o.status) for o in found] == [
        (0, True, "scheduled"),
        (1, False, "scheduled"),
        (2, False, "scheduled"),
    ]
    assert [o.planned_start for o in found] == [MONDAY + HOUR + n * DAY for n in range(3)]


def test_finished_occurrences_keep_their_state(shop: WindowShop, travel: Any) -> None:
    made = shop.make(spec(ONE_PM, rrule=DAILY))
    finish_first_occurrence(shop, travel)

    found = planned(shop, made.window.key, (MONDAY, MONDAY + 3 * DAY))

    assert [(o.index, o.stored, o.status, o.outcome) for o in found] == [
        (0, True, "completed", "succeeded"),
        (1, True, "scheduled", None),
        (2, False, "scheduled", None),
    ]
    assert found[0].actual_start == MONDAY + HOUR
    assert found[0].actual_end == MONDAY + 3 * HOUR


def test_a_canceled_occurrence_stays_and_the_series_goes_on(shop: WindowShop) -> None:
    made = shop.make(spec(ONE_PM, rrule=DAILY))
    act(shop, windows.cancel_window, made.window.key)

    found = planned(shop, made.window.key, (MONDAY, MONDAY + 3 * DAY))

    assert [(o.index, o.stored, o.status) for o in found] == [
        (0, True, "canceled"),
        (1, True, "scheduled"),
        (2, False, "scheduled"),
    ]


def test_a_canceled_series_has_nothing_more_to_come(shop: WindowShop) -> None:
    made = shop.make(spec(ONE_PM, rrule=DAILY))
    act(shop, windows.cancel_window, made.window.key, series=True)

    found = planned(shop, made.window.key, (MONDAY, MONDAY + 3 * DAY))

    assert [(o.index, o.stored, o.status) for o in found] == [(0, True, "canceled")]


def test_only_occurrences_overlapping_the_span_are_given(shop: WindowShop) -> None:
    made = shop.make(spec(ONE_PM, rrule=DAILY))
    span = (MONDAY + 2 * HOUR + DAY, MONDAY + 2 * HOUR + 2 * DAY)  # 14:00 Tuesday to Wednesday

    found = planned(shop, made.window.key, span)

    assert [(o.index, o.planned_start) for o in found] == [
        (1, MONDAY + HOUR + DAY),  # in progress at 14:00 on Tuesday
        (2, MONDAY + HOUR + 2 * DAY),
    ]


def test_the_limit_caps_the_occurrences(shop: WindowShop) -> None:
    made = shop.make(spec(ONE_PM, rrule=DAILY))

    assert [o.index for o in planned(shop, made.window.key, WEEK, limit=3)] == [0, 1, 2]


def test_after_a_schedule_change_in_progress_later_occurrences_are_numbered_after_it(
    shop: WindowShop,
) -> None:
    made = shop.make(spec(ONE_PM, rrule=DAILY))
    act(shop, windows.start_window, made.window.key)
    evening = Schedule(start=datetime(2026, 3, 3, 20, 0), zone="UTC", duration=HOUR, rrule=DAILY)
    act(shop, windows.update_window, made.window.key, changes=WindowChanges(schedule=evening))

    found = planned(shop, made.window.key, (MONDAY, MONDAY + 3 * DAY))

    assert [(o.index, o.status, o.planned_start) for o in found] == [
        (0, "in_progress", MONDAY + HOUR),
        (1, "scheduled", MONDAY + DAY + 8 * HOUR),
        (2, "scheduled", MONDAY + 2 * DAY + 8 * HOUR),
    ]


# --- calendar_entries ---------------------------------------------------------------------


def test_calendar_entries_name_each_occurrence_of_each_window(shop: WindowShop) -> None:
    series = shop.make(
        titled(
            "Nightly backup",
            ONE_PM,
            rrule="FREQ=DAILY;COUNT=2",
            description="Snapshots",
            external_ref="CHG-7",
            external_link="https://tickets.example.com/CHG-7",
        )
    )
    one_off = shop.make(titled("Switch swap", ONE_PM + 2 * HOUR, keys=(), is_global=True))

    found = entries(shop)

    key, other = series.window.key, one_off.window.key
    assert [(e.uid, e.summary, e.start) for e in found] == [
        (occurrence_uid(key, 0, "vigil.test"), "Nightly backup", MONDAY + HOUR),
        (occurrence_uid(other, 0, "vigil.test"), "Switch swap", MONDAY + 3 * HOUR),
        (occurrence_uid(key, 1, "vigil.test"), "Nightly backup", MONDAY + HOUR + DAY),
    ]
    assert found[0].description == (
        "Snapshots\nMutes: db\nReference: CHG-7\nLink: https://tickets.example.com/CHG-7"
    )
    assert found[0].url == "https://tickets.example.com/CHG-7"
    assert found[1].description == "Mutes: every routing key"


def test_a_canceled_occurrence_is_a_cancelled_entry(shop: WindowShop) -> None:
    made = shop.make(spec(ONE_PM))
    act(shop, windows.cancel_window, made.window.key)

    [entry] = entries(shop)

    assert entry.status == "CANCELLED"


def test_an_entry_carries_the_sequence_of_its_occurrence(shop: WindowShop) -> None:
    made = shop.make(spec(ONE_PM))
    act(shop, windows.extend_window, made.window.key, end=MONDAY + 5 * HOUR)

    [entry] = entries(shop)

    assert (entry.sequence, entry.end, entry.status) == (1, MONDAY + 5 * HOUR, "CONFIRMED")


def test_calendar_entries_can_keep_to_one_routing_key(shop: WindowShop) -> None:
    shop.make(titled("Database", ONE_PM, keys=("db",)))
    shop.make(titled("Ops", ONE_PM, keys=("ops",)))
    shop.make(titled("Everything", ONE_PM, keys=(), is_global=True))

    assert sorted(e.summary for e in entries(shop, routing_key="ops")) == ["Everything", "Ops"]


def test_windows_over_before_the_span_give_no_entries(shop: WindowShop) -> None:
    shop.make(spec(ONE_PM))

    assert entries(shop, (MONDAY + DAY, MONDAY + 2 * DAY)) == []


def test_calendar_entries_take_the_same_statements_for_one_window_or_many(
    shop: WindowShop, sessions: sessionmaker[Session], queries: QueryCounter
) -> None:
    shop.make(spec(ONE_PM, rrule=DAILY))
    queries.statements.clear()
    assert len(entries(shop)) == 7
    one = queries.count
    with transaction(sessions) as session:
        create_routing_key(session, shop.org_id, "web", [])
    for hour in range(1, 6):
        shop.make(spec(ONE_PM + hour * HOUR, keys=("db", "web"), rrule=DAILY))

    queries.statements.clear()
    assert len(entries(shop)) == 42

    assert queries.count == one == 3  # windows, stored occurrences, keys


def test_calendar_times_are_aware_utc(shop: WindowShop) -> None:
    shop.make(spec(datetime(2026, 3, 2, 14, 0), zone="Europe/Berlin"))

    [entry] = entries(shop)

    assert entry.start == datetime(2026, 3, 2, 13, 0, tzinfo=UTC)
