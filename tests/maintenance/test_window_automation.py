"""Windows start, end and remind on their own from the engine's timers, once, even when the
worker was down at the planned time."""

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.maintenance.builders import MONDAY, travel
from tests.maintenance.windows_builders import WindowShop, spec
from vigil import clock
from vigil.config import get_settings
from vigil.db import transaction
from vigil.maintenance import modes, windows
from vigil.maintenance.recipients import RecipientSpec
from vigil.orgs.service import NewOrganization

__all__ = ["travel"]

ONE_PM = datetime(2026, 3, 2, 13, 0)
START = MONDAY + timedelta(hours=1)
END = MONDAY + timedelta(hours=3)


@pytest.fixture
def shop(sessions: sessionmaker[Session], org: NewOrganization, travel: Any) -> WindowShop:
    return WindowShop(sessions, org)


def muted_keys(shop: WindowShop) -> list[list[str]]:
    with transaction(shop.sessions) as session:
        return [active.names for active in modes.state(session, shop.org_id).active]


def at(travel: Any, moment: datetime) -> None:
    travel.move_to(moment)


def test_a_window_starts_on_its_own_at_its_planned_start(shop: WindowShop, travel: Any) -> None:
    made = shop.make(spec(ONE_PM))
    at(travel, START)

    shop.run_engine()

    current = shop.get(made.window.key).current
    assert (current.status, current.actual_start) == ("in_progress", START)
    assert muted_keys(shop) == [["db"]]


def test_nothing_starts_before_the_planned_start(shop: WindowShop, travel: Any) -> None:
    made = shop.make(spec(ONE_PM))
    at(travel, START - timedelta(seconds=1))

    assert shop.run_engine() == 0
    assert shop.get(made.window.key).current.status == "scheduled"


def test_a_window_ends_on_its_own_at_its_planned_end(shop: WindowShop, travel: Any) -> None:
    made = shop.make(spec(ONE_PM))
    at(travel, START)
    shop.run_engine()
    at(travel, END)

    shop.run_engine()

    current = shop.get(made.window.key).current
    assert (current.status, current.outcome, current.actual_end) == ("completed", "succeeded", END)
    assert muted_keys(shop) == []


def test_a_worker_down_at_the_planned_start_starts_the_window_once_when_back(
    shop: WindowShop, travel: Any
) -> None:
    made = shop.make(spec(ONE_PM))
    at(travel, START + timedelta(minutes=20))

    shop.run_engine()
    shop.run_engine()

    current = shop.get(made.window.key).current
    assert current.actual_start == START + timedelta(minutes=20)
    assert [e.kind for e in shop.events(made.window.key)] == ["created", "started"]
    assert len(muted_keys(shop)) == 1


def test_a_worker_down_through_the_whole_window_cancels_it_when_back(
    shop: WindowShop, travel: Any
) -> None:
    made = shop.make(spec(ONE_PM))
    at(travel, END + timedelta(minutes=5))

    shop.run_engine()

    assert shop.get(made.window.key).current.status == "canceled"
    assert [(e.kind, e.body) for e in shop.events(made.window.key)][1:] == [
        ("canceled", windows.ENGINE_DOWN)
    ]
    assert muted_keys(shop) == []


def test_a_worker_down_through_the_whole_window_sends_no_start_or_end(
    shop: WindowShop, travel: Any
) -> None:
    shop.make(spec(ONE_PM, recipients=[RecipientSpec("email", "dba@example.com")]))
    shop.clear_emails()
    at(travel, END + timedelta(minutes=5))

    shop.run_engine()

    assert [e["subject"] for e in shop.emails()] == [
        "[Vigil] Maintenance canceled: Database upgrade"
    ]


def test_a_worker_down_through_a_window_without_auto_end_still_starts_it(
    shop: WindowShop, travel: Any
) -> None:
    made = shop.make(spec(ONE_PM, auto_end=False))
    at(travel, END + timedelta(minutes=5))

    shop.run_engine()

    assert shop.get(made.window.key).current.status == "in_progress"


def test_a_window_started_by_hand_is_not_started_again_by_its_timer(
    shop: WindowShop, travel: Any
) -> None:
    made = shop.make(spec(ONE_PM))
    with transaction(shop.sessions) as session:
        windows.start_window(session, shop.org_id, made.window.key, actor="bob", at=clock.now())
    at(travel, START)

    shop.run_engine()

    assert [e.kind for e in shop.events(made.window.key)] == ["created", "started"]


def test_a_window_without_auto_start_waits_for_a_person(shop: WindowShop, travel: Any) -> None:
    made = shop.make(spec(ONE_PM, auto_start=False))
    at(travel, START)

    shop.run_engine()

    assert shop.get(made.window.key).current.status == "scheduled"


def test_a_window_nobody_started_by_its_planned_end_is_canceled(
    shop: WindowShop, travel: Any
) -> None:
    made = shop.make(spec(ONE_PM, auto_start=False))
    at(travel, END)

    shop.run_engine()

    current = shop.get(made.window.key).current
    assert current.status == "canceled"
    assert shop.events(made.window.key)[-1].body == "Not started by its planned end"


def test_a_window_without_auto_end_overruns_and_says_so(shop: WindowShop, travel: Any) -> None:
    made = shop.make(
        spec(ONE_PM, auto_end=False, recipients=[RecipientSpec("email", "dba@example.com")])
    )
    at(travel, START)
    shop.run_engine()
    shop.clear_emails()
    at(travel, END)

    shop.run_engine()

    assert shop.get(made.window.key).current.status == "in_progress"
    assert shop.events(made.window.key)[-1].kind == "overrun"
    [email] = shop.emails()
    assert email["subject"] == "[Vigil] Maintenance overrunning: Database upgrade"


def test_reminders_go_out_at_their_offsets_before_the_start(shop: WindowShop, travel: Any) -> None:
    shop.make(
        spec(ONE_PM, reminders=[30, 10], recipients=[RecipientSpec("email", "dba@example.com")])
    )
    shop.clear_emails()
    at(travel, START - timedelta(minutes=30))
    shop.run_engine()
    at(travel, START - timedelta(minutes=10))
    shop.run_engine()

    assert [e["subject"] for e in shop.emails()] == [
        "[Vigil] Maintenance reminder: Database upgrade"
    ] * 2
    assert "Starts in 30 minutes." in shop.emails()[0]["body"]
    assert "Starts in 10 minutes." in shop.emails()[1]["body"]


def test_a_reminder_run_late_after_the_start_is_not_sent(shop: WindowShop, travel: Any) -> None:
    shop.make(spec(ONE_PM, reminders=[30], recipients=[RecipientSpec("email", "dba@example.com")]))
    shop.clear_emails()
    at(travel, START + timedelta(minutes=5))

    shop.run_engine()

    assert [e["subject"] for e in shop.emails()] == [
        "[Vigil] Maintenance started: Database upgrade"
    ]


def test_a_reminder_already_past_when_the_window_is_made_is_not_sent(shop: WindowShop) -> None:
    made = shop.make(spec(ONE_PM, reminders=[24 * 60, 30]))

    reminders = [
        due for kind, due in shop.timers_of(made.window.key) if kind == "maintenance.remind"
    ]
    assert reminders == [START - timedelta(minutes=30)]


def test_a_finished_occurrence_schedules_the_next_one_of_the_series(
    shop: WindowShop, travel: Any
) -> None:
    made = shop.make(spec(ONE_PM, rrule="FREQ=WEEKLY;BYDAY=MO"))
    at(travel, START)
    shop.run_engine()
    at(travel, END)
    shop.run_engine()

    occurrences = shop.occurrences(made.window.key)
    assert [(o.index, o.status) for o in occurrences] == [(0, "completed"), (1, "scheduled")]
    assert occurrences[1].planned_start == START + timedelta(days=7)
    assert ("maintenance.start", START + timedelta(days=7)) in shop.timers_of(made.window.key)


def test_a_series_skips_occurrences_missed_while_the_worker_was_down(
    shop: WindowShop, travel: Any
) -> None:
    made = shop.make(spec(ONE_PM, rrule="FREQ=DAILY"))
    at(travel, START + timedelta(days=2, hours=3))  # three days of occurrences came and went

    shop.run_engine()

    occurrences = shop.occurrences(made.window.key)
    assert [(o.index, o.status) for o in occurrences] == [(0, "canceled"), (3, "scheduled")]


def test_a_key_stays_muted_while_a_mode_still_covers_it_after_the_window_ends(
    shop: WindowShop, travel: Any
) -> None:
    shop.make(spec(ONE_PM, keys=("db",)))
    at(travel, START)
    shop.run_engine()
    shop.start("db")
    at(travel, END)

    shop.run_engine()

    assert muted_keys(shop) == [["db"]]


def test_a_global_window_starts_even_while_a_global_mode_is_active(
    shop: WindowShop, travel: Any
) -> None:
    shop.start()
    made = shop.make(spec(ONE_PM, keys=(), is_global=True))
    at(travel, START)

    shop.run_engine()

    assert shop.get(made.window.key).current.status == "in_progress"


def test_a_window_starts_even_when_the_mode_limit_is_reached(
    shop: WindowShop, travel: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VIGIL_MAINTENANCE_MODE_LIMIT", "1")
    get_settings.cache_clear()
    try:
        shop.start("ops")
        made = shop.make(spec(ONE_PM))
        at(travel, START)

        shop.run_engine()
    finally:
        monkeypatch.delenv("VIGIL_MAINTENANCE_MODE_LIMIT")
        get_settings.cache_clear()

    assert shop.get(made.window.key).current.status == "in_progress"
