"""Recurring windows run by the engine at the right instants across DST changes: a 02:30 daily
window in Europe/Berlin on both change days, and the first Tuesday of the month in New York."""

from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from sqlalchemy.orm import Session, sessionmaker

from tests.maintenance.windows_builders import WindowShop, spec
from vigil.orgs.service import NewOrganization


def utc(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def shop(sessions: sessionmaker[Session], org: NewOrganization) -> WindowShop:
    return WindowShop(sessions, org)


def run_through(shop: WindowShop, travel: Any, key: str, count: int) -> list[datetime]:
    """Let `count` occurrences start and end on their own; their actual starts."""
    starts = []
    for _ in range(count):
        current = shop.get(key).current
        travel.move_to(current.planned_start)
        shop.run_engine()
        started = shop.get(key).current
        assert started.status == "in_progress"
        assert started.actual_start is not None
        starts.append(started.actual_start)
        travel.move_to(started.planned_end)
        shop.run_engine()
    return starts


def frozen_at(moment: datetime) -> Any:
    return time_machine.travel(moment, tick=False)


def test_a_daily_0230_berlin_window_across_the_spring_change(shop: WindowShop) -> None:
    with frozen_at(utc(2026, 3, 27, 0, 0)) as travel:
        made = shop.make(
            spec(datetime(2026, 3, 27, 2, 30), hours=1, zone="Europe/Berlin", rrule="FREQ=DAILY")
        )

        starts = run_through(shop, travel, made.window.key, 4)

    assert starts == [
        utc(2026, 3, 27, 1, 30),  # 02:30 CET
        utc(2026, 3, 28, 1, 30),
        utc(2026, 3, 29, 1, 30),  # 02:30 does not exist: read with the offset before the gap
        utc(2026, 3, 30, 0, 30),  # 02:30 CEST
    ]


def test_a_daily_0230_berlin_window_across_the_autumn_change(shop: WindowShop) -> None:
    with frozen_at(utc(2026, 10, 23, 22, 0)) as travel:
        made = shop.make(
            spec(datetime(2026, 10, 24, 2, 30), hours=1, zone="Europe/Berlin", rrule="FREQ=DAILY")
        )

        starts = run_through(shop, travel, made.window.key, 3)

    assert starts == [
        utc(2026, 10, 24, 0, 30),  # 02:30 CEST
        utc(2026, 10, 25, 0, 30),  # 02:30 happens twice: the first, still CEST
        utc(2026, 10, 26, 1, 30),  # 02:30 CET
    ]


def test_a_first_tuesday_of_the_month_window_in_new_york(shop: WindowShop) -> None:
    with frozen_at(utc(2026, 10, 1, 12, 0)) as travel:
        made = shop.make(
            spec(
                datetime(2026, 10, 1, 22, 0),
                hours=2,
                zone="America/New_York",
                rrule="FREQ=MONTHLY;BYDAY=1TU",
            )
        )

        starts = run_through(shop, travel, made.window.key, 3)

    assert starts == [
        utc(2026, 10, 7, 2, 0),  # Tuesday 6 October, 22:00 EDT
        utc(2026, 11, 4, 3, 0),  # Tuesday 3 November, 22:00 EST
        utc(2026, 12, 2, 3, 0),  # Tuesday 1 December
    ]
