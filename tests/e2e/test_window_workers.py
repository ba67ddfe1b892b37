"""Windows started by real `vigil worker` processes on PostgreSQL: workers down at the planned
start start every window once when they come back, and two workers at once never start one
twice, even when one is killed with SIGKILL along the way."""

import os
import signal
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.e2e.servers import vigil_worker
from tests.maintenance.windows_builders import spec
from vigil import clock
from vigil.alerts.routing_keys import create_routing_key
from vigil.db import transaction
from vigil.maintenance import windows
from vigil.maintenance.models import MaintenanceMode, MaintenanceOccurrence, MaintenanceWindowEvent
from vigil.orgs.service import NewOrganization

pytestmark = pytest.mark.postgres_only

WINDOWS = 40
TIMEOUT = 30.0


@pytest.fixture
def due(sessions: sessionmaker[Session], org: NewOrganization) -> Iterator[list[int]]:
    """WINDOWS windows planned to start a second from now (each muting its own key); their
    ids."""
    start = (clock.now() + timedelta(seconds=1)).astimezone(UTC).replace(tzinfo=None)
    ids = []
    with transaction(sessions) as session:
        for n in range(WINDOWS):
            create_routing_key(session, org.org.id, f"key-{n}", [])
            made = windows.create_window(
                session,
                org.org.id,
                spec(start, hours=1, keys=(f"key-{n}",)),
                actor="ada",
                at=clock.now(),
            )
            ids.append(made.window.id)
    yield ids


def started(sessions: sessionmaker[Session], ids: list[int]) -> int:
    with transaction(sessions) as session:
        return (
            session.scalar(
                select(func.count())
                .select_from(MaintenanceOccurrence)
                .where(
                    MaintenanceOccurrence.window_id.in_(ids),
                    MaintenanceOccurrence.status == "in_progress",
                )
            )
            or 0
        )


def wait_started(sessions: sessionmaker[Session], ids: list[int], count: int) -> None:
    deadline = time.monotonic() + TIMEOUT
    while (got := started(sessions, ids)) < count:
        assert time.monotonic() < deadline, f"only {got} of {count} windows started"
        time.sleep(0.05)


def starts_per_window(
    sessions: sessionmaker[Session], ids: list[int]
) -> tuple[Counter[int], Counter[int | None]]:
    """How many "started" timeline entries and maintenance modes each window has."""
    with transaction(sessions) as session:
        events = Counter(
            session.scalars(
                select(MaintenanceWindowEvent.window_id).where(
                    MaintenanceWindowEvent.window_id.in_(ids),
                    MaintenanceWindowEvent.kind == "started",
                )
            )
        )
        modes = Counter(
            session.scalars(
                select(MaintenanceMode.window_id).where(MaintenanceMode.window_id.in_(ids))
            )
        )
    return events, modes


def test_workers_down_at_the_planned_start_start_every_window_once_when_back(
    database_url: str, sessions: sessionmaker[Session], due: list[int]
) -> None:
    time.sleep(1.5)  # the planned start passes with no worker running
    assert started(sessions, due) == 0

    with vigil_worker(database_url), vigil_worker(database_url):
        wait_started(sessions, due, WINDOWS)
        time.sleep(0.5)  # a second start would have happened by now

    events, modes = starts_per_window(sessions, due)
    assert events == Counter(due)
    assert modes == Counter(due)


def test_a_worker_killed_while_starting_windows_leaves_none_started_twice(
    database_url: str, sessions: sessionmaker[Session], due: list[int]
) -> None:
    with vigil_worker(database_url) as first, vigil_worker(database_url):
        wait_started(sessions, due, 1)
        os.killpg(first.pid, signal.SIGKILL)
        first.wait()
        wait_started(sessions, due, WINDOWS)
        time.sleep(0.5)

    events, modes = starts_per_window(sessions, due)
    assert events == Counter(due)
    assert modes == Counter(due)
