"""The engine's side of maintenance windows: start, end and remind on schedule.

Each occurrence has database timers (set by `vigil.maintenance.windows`): a start at the
planned start (when the window starts on its own), reminders before it, and one at the planned
end. A worker that was down runs them when it is back, in due order, once: a timer is claimed
by one worker only, and the start and end are compare-and-sets on the occurrence's status, so
a window a person already started or ended is left alone.
"""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil import clock
from vigil.engine.models import Timer
from vigil.engine.worker import Handler
from vigil.maintenance import notices, windows
from vigil.maintenance.models import MaintenanceOccurrence, MaintenanceWindow


def start_due(session: Session, timer: Timer) -> None:
    """At the planned start: start the occurrence; one that should have ended on its own by
    now (no worker ran through its planned time) is canceled instead, as nothing is left of
    it to mute."""
    found = _occurrence(session, timer)
    if found is None or found[1].status != "scheduled":
        return
    window, occurrence = found
    at = _now(timer)
    if window.auto_end and at >= occurrence.planned_end:
        windows.miss_occurrence(session, window, occurrence, at, reason=windows.ENGINE_DOWN)
    else:
        windows.start_occurrence(session, window, occurrence, actor=windows.AUTOMATIC, at=at)


def end_due(session: Session, timer: Timer) -> None:
    """At the planned end: end the occurrence (auto end), report an overrun (no auto end), or
    cancel one that never started."""
    found = _occurrence(session, timer)
    if found is None:
        return
    window, occurrence = found
    at = _now(timer)
    if occurrence.status == "scheduled":
        windows.miss_occurrence(session, window, occurrence, at)
    elif occurrence.status == "in_progress":
        if window.auto_end:
            windows.end_occurrence(session, window, occurrence, actor=windows.AUTOMATIC, at=at)
        else:
            windows.overrun(session, window, occurrence, at)


def remind(session: Session, timer: Timer) -> None:
    """Before the planned start; a reminder run late (no worker ran then) past the planned
    start has nothing left to remind of."""
    found = _occurrence(session, timer)
    if found is None or found[1].status != "scheduled":
        return
    window, occurrence = found
    at = _now(timer)
    if at < occurrence.planned_start:
        notices.announce(session, window, occurrence, "reminder", at)


def _occurrence(
    session: Session, timer: Timer
) -> tuple[MaintenanceWindow, MaintenanceOccurrence] | None:
    """The timer's occurrence and window, the window's row locked (as people's changes lock
    it), or None when the window was deleted meanwhile."""
    row = session.execute(
        select(MaintenanceWindow, MaintenanceOccurrence)
        .join(MaintenanceOccurrence, MaintenanceOccurrence.window_id == MaintenanceWindow.id)
        .where(MaintenanceOccurrence.id == timer.payload["occurrence_id"])
        .with_for_update(of=MaintenanceWindow)
    ).first()
    return None if row is None else (row[0], row[1])


def _now(timer: Timer) -> datetime:
    """When it happens: now, and never before the timer was due (`Worker.run_due` may be
    handed a moment ahead of the clock)."""
    return max(clock.now(), timer.due_at)


HANDLERS: dict[str, Handler] = {
    windows.START_TIMER: start_due,
    windows.END_TIMER: end_due,
    windows.REMIND_TIMER: remind,
}
"""The engine handlers of maintenance windows, registered in `vigil.engine.handlers`."""
