"""Component uptime per day, as a page's 90-day bars show it.

A component is down while an open public incident gives it an outage status (PARTIALOUTAGE,
MINOROUTAGE or MAJOROUTAGE; DEGRADEDPERFORMANCE is slow but up). Planned maintenance is not
downtime: the time a maintenance window on the component was in progress is taken out of the
day before the share is worked out, so a day entirely under maintenance has no figure rather
than 0%. Days are the page's calendar days, in its zone.

The component's own status, set by hand, has no history yet, so it does not count here.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from vigil.maintenance.models import MaintenanceOccurrence
from vigil.maintenance.recurrence import to_utc, zone_info
from vigil.statuspages.models import (
    Component,
    StatusIncident,
    StatusIncidentComponent,
    StatusPage,
    WindowComponent,
)

OUTAGES = ("PARTIALOUTAGE", "MINOROUTAGE", "MAJOROUTAGE")
DAYS = 90

Span = tuple[datetime, datetime]


class DayUptime(NamedTuple):
    day: date
    uptime: float | None
    """Share of the day's measured time the component was up (None: nothing measured)."""
    down_seconds: float
    maintenance_seconds: float


def page_uptime(
    session: Session, page: StatusPage, at: datetime, days: int = DAYS
) -> dict[int, list[DayUptime]]:
    """Each component of the page with its last `days` days, oldest first (today included, up
    to `at`). Two queries."""
    zone = zone_info(page.zone)
    today = at.astimezone(zone).date()
    first = today - timedelta(days=days - 1)
    since = to_utc(datetime.combine(first, time()), zone)
    downs: dict[int, list[Span]] = defaultdict(list)
    for component_id, started, resolved in session.execute(
        select(
            StatusIncidentComponent.component_id,
            StatusIncident.started_at,
            StatusIncident.resolved_at,
        )
        .join(StatusIncident, StatusIncident.id == StatusIncidentComponent.status_incident_id)
        .where(
            StatusIncident.page_id == page.id,
            StatusIncidentComponent.status.in_(OUTAGES),
            StatusIncident.started_at < at,
            or_(StatusIncident.resolved_at.is_(None), StatusIncident.resolved_at > since),
        )
    ):
        downs[component_id].append((started, resolved or at))
    planned: dict[int, list[Span]] = defaultdict(list)
    for component_id, began, ended in session.execute(
        select(
            WindowComponent.component_id,
            MaintenanceOccurrence.actual_start,
            MaintenanceOccurrence.actual_end,
        )
        .join(MaintenanceOccurrence, MaintenanceOccurrence.window_id == WindowComponent.window_id)
        .join(Component, Component.id == WindowComponent.component_id)
        .where(
            Component.page_id == page.id,
            MaintenanceOccurrence.actual_start.is_not(None),
            MaintenanceOccurrence.actual_start < at,
            or_(
                MaintenanceOccurrence.actual_end.is_(None), MaintenanceOccurrence.actual_end > since
            ),
        )
    ):
        if began is not None:
            planned[component_id].append((began, ended or at))
    ids = session.scalars(
        select(Component.id).where(Component.page_id == page.id, Component.archived.is_(False))
    )
    day_spans = [_day(first + timedelta(days=n), zone, at) for n in range(days)]
    return {
        component_id: _bars(
            day_spans, _merged(downs.get(component_id, ())), _merged(planned.get(component_id, ()))
        )
        for component_id in ids
    }


def _bars(
    day_spans: Sequence[tuple[date, Span]], downs: list[Span], planned: list[Span]
) -> list[DayUptime]:
    """One component's days, walking its merged, sorted spans alongside the days once."""
    found = []
    down_at = planned_at = 0
    for day, (start, end) in day_spans:
        if end <= start:
            found.append(DayUptime(day, None, 0.0, 0.0))
            continue
        while down_at < len(downs) and downs[down_at][1] <= start:
            down_at += 1
        while planned_at < len(planned) and planned[planned_at][1] <= start:
            planned_at += 1
        down = _within(downs, down_at, start, end)
        maintenance = _within(planned, planned_at, start, end)
        if not down and not maintenance:
            found.append(DayUptime(day, 1.0, 0.0, 0.0))
            continue
        measured = (end - start).total_seconds() - _seconds(maintenance)
        lost = _seconds(_minus(down, maintenance))
        uptime = None if measured <= 0 else max(0.0, 1 - lost / measured)
        found.append(DayUptime(day, uptime, lost, _seconds(maintenance)))
    return found


def _day(day: date, zone: ZoneInfo, at: datetime) -> tuple[date, Span]:
    start = to_utc(datetime.combine(day, time()), zone)
    end = to_utc(datetime.combine(day + timedelta(days=1), time()), zone)
    return day, (start, min(end, at))


def _within(spans: list[Span], first: int, start: datetime, end: datetime) -> list[Span]:
    """The parts inside [start, end) of `spans` from index `first` (sorted, merged, none of
    them ending before `start`)."""
    inside = []
    for at in range(first, len(spans)):
        span_start, span_end = spans[at]
        if span_start >= end:
            break
        inside.append((max(span_start, start), min(span_end, end)))
    return inside


def _merged(spans: Iterable[Span]) -> list[Span]:
    merged: list[Span] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _minus(spans: Sequence[Span], holes: Sequence[Span]) -> list[Span]:
    """`spans` without the parts covered by `holes` (both merged and sorted)."""
    left: list[Span] = []
    for start, end in spans:
        cursor = start
        for hole_start, hole_end in holes:
            if hole_end <= cursor or hole_start >= end:
                continue
            if hole_start > cursor:
                left.append((cursor, hole_start))
            cursor = max(cursor, hole_end)
        if cursor < end:
            left.append((cursor, end))
    return left


def _seconds(spans: Iterable[Span]) -> float:
    return sum((end - start).total_seconds() for start, end in spans)
