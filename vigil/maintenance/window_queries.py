"""Reading maintenance windows in bulk: filtered pages of windows, a window's occurrences over a
span of time (stored ones and those its schedule has still to come), and calendar entries.

Plain Python over a session, no HTTP, read only. Each function runs a fixed number of
statements whatever the number of windows or occurrences it returns: the windows with their
current occurrence in one statement, then keys, recipients and occurrences for all of them at
once.

A window's current occurrence is its stored occurrence with the highest index (the one
scheduled or in progress, or the last one once the series is over); in SQL it is found with a
correlated `max(index)`, which the unique (window_id, index) index answers on both databases.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from vigil.errors import Invalid
from vigil.maintenance.calendar import CalendarEntry, occurrence_uid
from vigil.maintenance.models import (
    OCCURRENCE_STATUSES,
    MaintenanceMode,
    MaintenanceOccurrence,
    MaintenanceWindow,
    MaintenanceWindowKey,
)
from vigil.maintenance.recipients import recipients_by_window
from vigil.maintenance.recurrence import occurrences
from vigil.maintenance.windows import OPEN, WindowState, schedule_of

__all__ = [
    "PlannedOccurrence",
    "WindowFilter",
    "calendar_entries",
    "list_windows",
    "mode_instances",
    "planned_occurrences",
]


@dataclass(frozen=True)
class WindowFilter:
    """Which windows a listing wants; every criterion given must hold.

    `statuses` are of the window's current occurrence; `routing_key` keeps the windows muting
    that key (naming it, or global); the times are aware and compared with the current
    occurrence's planned start and end (`*_after` inclusive, `*_before` exclusive);
    `external_ref` matches exactly.
    """

    statuses: Sequence[str] = ()
    routing_key: str | None = None
    is_global: bool | None = None
    start_after: datetime | None = None
    start_before: datetime | None = None
    end_after: datetime | None = None
    end_before: datetime | None = None
    external_ref: str | None = None


@dataclass(frozen=True)
class PlannedOccurrence:
    """One occurrence of a window: a stored one with its state (`stored`), or one its schedule
    has still to come (status scheduled, nothing actual yet, sequence: the window's schedule
    revision)."""

    index: int
    status: str
    outcome: str | None
    planned_start: datetime
    planned_end: datetime
    actual_start: datetime | None
    actual_end: datetime | None
    sequence: int
    stored: bool


def list_windows(
    session: Session, org_id: int, wanted: WindowFilter, *, offset: int, limit: int
) -> tuple[int, list[WindowState]]:
    """How many windows of the organization match, and the page [offset, offset + limit) of
    them ordered by their current occurrence's planned start, then creation. Four statements
    at most (count, page, keys, recipients). Raises Invalid for an unknown status, naive
    times or a negative offset/limit."""
    if offset < 0 or limit < 0:
        raise Invalid("offset and limit must not be negative")
    conditions = [MaintenanceWindow.org_id == org_id, *_conditions(wanted)]
    total = session.scalar(
        select(func.count())
        .select_from(MaintenanceWindow)
        .join(MaintenanceOccurrence, is_current())
        .where(*conditions)
    )
    if not total or limit == 0:
        return total or 0, []
    rows = session.execute(
        select(MaintenanceWindow, MaintenanceOccurrence)
        .join(MaintenanceOccurrence, is_current())
        .where(*conditions)
        .order_by(MaintenanceOccurrence.planned_start, MaintenanceWindow.id)
        .offset(offset)
        .limit(limit)
    ).all()
    ids = [window.id for window, _ in rows]
    keys = _keys_by_window(session, ids)
    recipients = recipients_by_window(session, ids)
    return total, [
        WindowState(window, keys[window.id], current, recipients[window.id])
        for window, current in rows
    ]


def mode_instances(session: Session, states: Sequence[WindowState]) -> dict[int, str]:
    """The `mm-...` instance ids of the modes the windows' current occurrences opened, by mode
    id: one statement, none when no occurrence opened one."""
    ids = [state.current.mode_id for state in states if state.current.mode_id is not None]
    if not ids:
        return {}
    rows = session.execute(
        select(MaintenanceMode.id, MaintenanceMode.instance_id).where(MaintenanceMode.id.in_(ids))
    )
    return {mode_id: instance for mode_id, instance in rows}


def planned_occurrences(
    session: Session, state: WindowState, after: datetime, before: datetime, limit: int = 100
) -> list[PlannedOccurrence]:
    """The window's occurrences overlapping [after, before) (aware), by planned start, at most
    `limit`: the stored ones whatever their status, then, while the series goes on (not
    canceled, current occurrence scheduled or in progress), those its schedule makes after the
    current one. One statement."""
    _require_aware(after, "after")
    _require_aware(before, "before")
    stored = session.scalars(
        select(MaintenanceOccurrence)
        .where(MaintenanceOccurrence.window_id == state.window.id, *_overlapping(after, before))
        .order_by(MaintenanceOccurrence.planned_start, MaintenanceOccurrence.index)
    ).all()
    return _planned(state.window, state.current, stored, after, before, limit)


def calendar_entries(
    session: Session,
    org_id: int,
    *,
    after: datetime,
    before: datetime,
    domain: str,
    routing_key: str | None = None,
    limit: int = 500,
) -> list[CalendarEntry]:
    """Every occurrence of the organization's windows overlapping [after, before) as calendar
    entries, by start, at most `limit`; only the windows muting `routing_key` when given.

    A canceled occurrence stays, with STATUS:CANCELLED, so subscribed calendars remove it; the
    SEQUENCE is the stored occurrence's (bumped at each reschedule). Three statements: windows
    with their current occurrence, their stored occurrences in the span, their keys."""
    _require_aware(after, "after")
    _require_aware(before, "before")
    if limit <= 0 or before <= after:
        return []
    conditions = [MaintenanceWindow.org_id == org_id, *_mutes(routing_key)]
    # A window can have something in the span only if its current occurrence ends after the
    # span starts (stored occurrences come in order) or its series still goes on.
    conditions.append(
        or_(
            MaintenanceOccurrence.planned_end > after,
            and_(MaintenanceWindow.canceled_at.is_(None), MaintenanceOccurrence.status.in_(OPEN)),
        )
    )
    rows = session.execute(
        select(MaintenanceWindow, MaintenanceOccurrence)
        .join(MaintenanceOccurrence, is_current())
        .where(*conditions)
        .order_by(MaintenanceWindow.id)
    ).all()
    if not rows:
        return []
    ids = [window.id for window, _ in rows]
    stored: dict[int, list[MaintenanceOccurrence]] = defaultdict(list)
    for occurrence in session.scalars(
        select(MaintenanceOccurrence)
        .where(MaintenanceOccurrence.window_id.in_(ids), *_overlapping(after, before))
        .order_by(MaintenanceOccurrence.planned_start, MaintenanceOccurrence.index)
    ):
        stored[occurrence.window_id].append(occurrence)
    keys = _keys_by_window(session, ids)
    entries: list[CalendarEntry] = []
    for window, current in rows:
        description = _description(window, keys[window.id])
        for planned in _planned(window, current, stored[window.id], after, before, limit):
            entries.append(
                CalendarEntry(
                    uid=occurrence_uid(window.key, planned.index, domain),
                    summary=window.title,
                    start=planned.planned_start,
                    end=planned.planned_end,
                    description=description,
                    url=window.external_link,
                    status="CANCELLED" if planned.status == "canceled" else "CONFIRMED",
                    sequence=planned.sequence,
                )
            )
    entries.sort(key=lambda entry: (entry.start, entry.uid))
    return entries[:limit]


# --- internals ------------------------------------------------------------------------------


def is_current() -> ColumnElement[bool]:
    """The join condition pairing each window with its current occurrence (the stored one with
    the highest index), as MaintenanceOccurrence."""
    other = aliased(MaintenanceOccurrence)
    latest = (
        select(func.max(other.index))
        .where(other.window_id == MaintenanceWindow.id)
        .correlate(MaintenanceWindow)
        .scalar_subquery()
    )
    return and_(
        MaintenanceOccurrence.window_id == MaintenanceWindow.id,
        MaintenanceOccurrence.index == latest,
    )


def _conditions(wanted: WindowFilter) -> list[ColumnElement[bool]]:
    """The WHERE clauses of a filter, over MaintenanceWindow and its current occurrence."""
    found: list[ColumnElement[bool]] = []
    if wanted.statuses:
        unknown = [s for s in wanted.statuses if s not in OCCURRENCE_STATUSES]
        if unknown:
            raise Invalid(
                f"Unknown status {unknown[0]!r}; expected one of {', '.join(OCCURRENCE_STATUSES)}"
            )
        found.append(MaintenanceOccurrence.status.in_(list(dict.fromkeys(wanted.statuses))))
    found.extend(_mutes(wanted.routing_key))
    if wanted.is_global is not None:
        found.append(MaintenanceWindow.is_global.is_(wanted.is_global))
    bounds = (
        (wanted.start_after, MaintenanceOccurrence.planned_start, "startAfter", True),
        (wanted.start_before, MaintenanceOccurrence.planned_start, "startBefore", False),
        (wanted.end_after, MaintenanceOccurrence.planned_end, "endAfter", True),
        (wanted.end_before, MaintenanceOccurrence.planned_end, "endBefore", False),
    )
    for moment, column, name, inclusive in bounds:
        if moment is None:
            continue
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise Invalid(f"{name} needs a time zone offset (for example 2026-03-02T12:00:00Z)")
        found.append(column >= moment if inclusive else column < moment)
    if wanted.external_ref is not None:
        found.append(MaintenanceWindow.external_ref == wanted.external_ref)
    return found


def _mutes(routing_key: str | None) -> list[ColumnElement[bool]]:
    """The windows muting `routing_key`: global ones and those naming it."""
    if routing_key is None:
        return []
    named = exists().where(
        MaintenanceWindowKey.window_id == MaintenanceWindow.id,
        MaintenanceWindowKey.name == routing_key,
    )
    return [or_(MaintenanceWindow.is_global.is_(True), named)]


def _overlapping(after: datetime, before: datetime) -> list[ColumnElement[bool]]:
    return [
        MaintenanceOccurrence.planned_start < before,
        MaintenanceOccurrence.planned_end > after,
    ]


def _planned(
    window: MaintenanceWindow,
    current: MaintenanceOccurrence,
    stored: Iterable[MaintenanceOccurrence],
    after: datetime,
    before: datetime,
    limit: int,
) -> list[PlannedOccurrence]:
    """The stored occurrences (already restricted to the span) plus the schedule's later ones."""
    if limit <= 0 or before <= after:
        return []
    found = [_of_row(row) for row in stored]
    if window.canceled_at is None and current.status in OPEN and window.rrule is not None:
        # Later occurrences of the schedule: numbered after the current one and starting after
        # it. Expanding from the current start (not from `after`) keeps the earlier ones, which
        # are stored or were skipped, from eating into the limit.
        since = max(after, current.planned_start)
        for planned in occurrences(schedule_of(window), since, before, limit=limit + 2):
            index = window.index_base + planned.index
            if index <= current.index or planned.start <= current.planned_start:
                continue
            found.append(
                PlannedOccurrence(
                    index=index,
                    status="scheduled",
                    outcome=None,
                    planned_start=planned.start,
                    planned_end=planned.end,
                    actual_start=None,
                    actual_end=None,
                    sequence=window.schedule_revision,
                    stored=False,
                )
            )
    found.sort(key=lambda occurrence: (occurrence.planned_start, occurrence.index))
    return found[:limit]


def _of_row(row: MaintenanceOccurrence) -> PlannedOccurrence:
    return PlannedOccurrence(
        index=row.index,
        status=row.status,
        outcome=row.outcome,
        planned_start=row.planned_start,
        planned_end=row.planned_end,
        actual_start=row.actual_start,
        actual_end=row.actual_end,
        sequence=row.sequence,
        stored=True,
    )


def _keys_by_window(session: Session, ids: Sequence[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = defaultdict(list)
    if not ids:
        return found
    rows = session.execute(
        select(MaintenanceWindowKey.window_id, MaintenanceWindowKey.name)
        .where(MaintenanceWindowKey.window_id.in_(ids))
        .order_by(MaintenanceWindowKey.id)
    )
    for window_id, name in rows:
        found[window_id].append(name)
    return found


def _description(window: MaintenanceWindow, keys: Sequence[str]) -> str:
    """The calendar event's text: the window's description, what it mutes, its reference."""
    lines = [window.description.strip()] if window.description.strip() else []
    if window.is_global:
        lines.append("Mutes: every routing key")
    else:
        lines.append(f"Mutes: {', '.join(keys)}")
    if window.external_ref:
        lines.append(f"Reference: {window.external_ref}")
    if window.external_link:
        lines.append(f"Link: {window.external_link}")
    return "\n".join(lines)


def _require_aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise Invalid(f"{name} must be an aware datetime")
