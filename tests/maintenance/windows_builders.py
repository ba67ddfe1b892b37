"""Maintenance windows for tests: a `Shop` (see builders) plus windows made and run on the
controllable clock, with the engine's maintenance timers run by hand."""

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from tests.helpers import run_all_due
from tests.maintenance.builders import Shop
from vigil import clock
from vigil.db import transaction
from vigil.engine.models import Timer
from vigil.maintenance import windows
from vigil.maintenance.automation import HANDLERS
from vigil.maintenance.models import MaintenanceOccurrence, MaintenanceWindowEvent
from vigil.maintenance.recurrence import Schedule
from vigil.maintenance.windows import WindowSpec, WindowState


def spec(
    start: datetime,
    *,
    hours: float = 2,
    keys: Sequence[str] = ("db",),
    zone: str = "UTC",
    rrule: str | None = None,
    **fields: Any,
) -> WindowSpec:
    """A window muting `keys` from `start` (naive wall-clock time in `zone`) for `hours`."""
    schedule = Schedule(start=start, zone=zone, duration=timedelta(hours=hours), rrule=rrule)
    return WindowSpec(title="Database upgrade", schedule=schedule, routing_keys=keys, **fields)


class WindowShop(Shop):
    def make(self, window: WindowSpec, actor: str = "ada") -> WindowState:
        with transaction(self.sessions) as session:
            return windows.create_window(session, self.org_id, window, actor=actor, at=clock.now())

    def get(self, key: str) -> WindowState:
        with transaction(self.sessions) as session:
            return windows.get_window(session, self.org_id, key)

    def run_engine(self) -> int:
        """Run the maintenance timers due now; returns how many ran."""
        return run_all_due(self.sessions, HANDLERS)

    def occurrences(self, key: str) -> list[MaintenanceOccurrence]:
        with transaction(self.sessions) as session:
            window = windows.get_window(session, self.org_id, key).window
            return list(
                session.scalars(
                    select(MaintenanceOccurrence)
                    .where(MaintenanceOccurrence.window_id == window.id)
                    .order_by(MaintenanceOccurrence.index)
                )
            )

    def events(self, key: str) -> list[MaintenanceWindowEvent]:
        with transaction(self.sessions) as session:
            return windows.timeline(session, self.org_id, key)

    def timers_of(self, key: str) -> list[tuple[str, datetime]]:
        """The window's pending timers (kind, due), soonest first."""
        with transaction(self.sessions) as session:
            window = windows.get_window(session, self.org_id, key).window
            ids = select(MaintenanceOccurrence.id).where(
                MaintenanceOccurrence.window_id == window.id
            )
            subjects = [f"maintenance:{i}" for i in session.scalars(ids)]
            rows = session.execute(
                select(Timer.kind, Timer.due_at)
                .where(Timer.subject.in_(subjects))
                .order_by(Timer.due_at, Timer.kind)
            )
            return [(kind, due) for kind, due in rows]
