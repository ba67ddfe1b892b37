"""What the public status page shows, as plain data for its templates and its JSON summary.

Built from `vigil.statuspages` (statuses, components, maintenance) and read-only queries of
public incidents; no HTTP here. Texts are translated by the page's language; every moment is
given in the page's zone and in UTC (`Moment`), with its ISO form for `<time datetime>`.
"""

import html
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, func, literal_column, select, union_all
from sqlalchemy.orm import Session

from vigil.maintenance.models import (
    MaintenanceOccurrence,
    MaintenanceWindow,
    MaintenanceWindowEvent,
)
from vigil.maintenance.recurrence import zone_info
from vigil.statuspages import incidents
from vigil.statuspages.components import list_components, translated, window_components
from vigil.statuspages.models import (
    Component,
    StatusIncident,
    StatusPage,
    WindowPublication,
)
from vigil.statuspages.status import (
    PageMaintenance,
    component_statuses,
    page_maintenance,
    page_status,
    windows_on,
    worst,
)
from vigil.statuspages.uptime import page_uptime

COMPONENT_LABELS = {
    "OPERATIONAL": "Operational",
    "UNDERMAINTENANCE": "Under maintenance",
    "DEGRADEDPERFORMANCE": "Degraded performance",
    "PARTIALOUTAGE": "Partial outage",
    "MINOROUTAGE": "Minor outage",
    "MAJOROUTAGE": "Major outage",
}
PAGE_LABELS = {
    "UP": "All systems operational",
    "HASISSUES": "Some systems have issues",
    "UNDERMAINTENANCE": "Under maintenance",
}
INCIDENT_LABELS = {
    "INVESTIGATING": "Investigating",
    "IDENTIFIED": "Identified",
    "MONITORING": "Monitoring",
    "RESOLVED": "Resolved",
}
UPTIME_DAYS = 90
MAINTENANCE_LABELS = {
    "NOTSTARTEDYET": "Scheduled",
    "INPROGRESS": "In progress",
    "COMPLETED": "Completed",
    "CANCELED": "Canceled",
}
SHOWN_MAINTENANCE_STATUS = {
    "scheduled": "NOTSTARTEDYET",
    "in_progress": "INPROGRESS",
    "completed": "COMPLETED",
    "canceled": "CANCELED",
}
"""An occurrence's status as the page says it (Instatus' words, and CANCELED)."""
HISTORY_PER_PAGE = 20
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class Moment:
    """An instant as the page shows it: in the page's zone, in UTC, and as ISO 8601 UTC."""

    iso: str
    local: str
    utc: str

    @property
    def text(self) -> str:
        return self.local if self.local == self.utc else f"{self.local} ({self.utc})"


def moment(at: datetime, zone: ZoneInfo) -> Moment:
    local = at.astimezone(zone)
    utc = at.astimezone(UTC)
    return Moment(
        iso=utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
        local=f"{_day(local)}, {local:%H:%M} {local.tzname()}",
        utc=f"{_day(utc)}, {utc:%H:%M} UTC",
    )


def _day(at: datetime | date) -> str:
    return f"{at.day} {_MONTHS[at.month - 1]} {at.year}"


@dataclass(frozen=True)
class DayUptime:
    day: date
    ratio: float | None
    """Share of the day up, or None with no figure (before the component existed, or the whole
    day under maintenance)."""

    @property
    def level(self) -> str:
        """A CSS class: nodata, up (100 %), minor (at least 99 %), major."""
        if self.ratio is None:
            return "nodata"
        if self.ratio >= 1:
            return "up"
        return "minor" if self.ratio >= 0.99 else "major"

    @property
    def label(self) -> str:
        if self.ratio is None:
            return f"{_day(self.day)}: no data"
        return f"{_day(self.day)}: {_percent(self.ratio)} up"


@dataclass(eq=False)
class Uptime:
    days: list[DayUptime]
    ratio: float | None

    @cached_property
    def marks(self) -> str:
        """The bar's marks as HTML, made once per cached bar: the bar itself shows every day
        up, so only days below 100 % get a mark, one each, in their column of the bar's grid;
        days with no figure get one mark per run of them (the days before a component existed
        are one run), labelled with the run's first and last day."""
        if not self.days:
            return (
                f'<i class="nodata" style="grid-column:1/-1;--n:{UPTIME_DAYS}"'
                ' title="No data yet"></i>'
            )
        found: list[str] = []
        run: list[DayUptime] = []
        for column, day in enumerate(self.days, start=1):
            if day.ratio is None:
                run.append(day)
                continue
            if run:
                found.append(_nodata_mark(column - len(run), run))
                run = []
            if day.ratio < 1:
                found.append(
                    f'<i class="{day.level}" style="grid-column:{column}"'
                    f' title="{html.escape(day.label)}"></i>'
                )
        if run:
            found.append(_nodata_mark(len(self.days) + 1 - len(run), run))
        return "".join(found)

    @property
    def text(self) -> str:
        if self.ratio is None:
            return "No data yet"
        return f"{_percent(self.ratio)} uptime over {len(self.days)} days"


def _nodata_mark(column: int, run: Sequence[DayUptime]) -> str:
    """One mark over `run`, consecutive days with no figure from `column` on; `--n` (days it
    covers) lets the CSS draw the gaps between them."""
    if len(run) == 1:
        label = run[0].label
        return f'<i class="nodata" style="grid-column:{column}" title="{html.escape(label)}"></i>'
    label = f"{_day(run[0].day)} to {_day(run[-1].day)}: no data"
    return (
        f'<i class="nodata" style="grid-column:{column}/span {len(run)};--n:{len(run)}"'
        f' title="{html.escape(label)}"></i>'
    )


def _percent(ratio: float) -> str:
    if ratio >= 1:
        return "100%"
    return f"{min(ratio * 100, 99.99):.2f}%"


@dataclass(frozen=True)
class ComponentView:
    key: str
    name: str
    description: str
    group: str | None
    status: str
    uptime: Uptime | None = None

    @property
    def label(self) -> str:
        return COMPONENT_LABELS[self.status]


@dataclass(frozen=True)
class GroupView:
    name: str | None
    components: list[ComponentView]

    @property
    def status(self) -> str:
        return worst([c.status for c in self.components])

    @property
    def label(self) -> str:
        return COMPONENT_LABELS[self.status]


@dataclass(frozen=True)
class Affected:
    name: str
    status: str

    @property
    def label(self) -> str:
        return COMPONENT_LABELS[self.status]


@dataclass(frozen=True)
class Update:
    status: str
    message: str
    at: Moment


@dataclass(frozen=True)
class MaintenanceView:
    key: str
    name: str
    message: str
    status: str
    """NOTSTARTEDYET, INPROGRESS, COMPLETED or CANCELED (Instatus' words, and one more)."""
    start: Moment
    end: Moment
    start_at: datetime
    end_at: datetime
    components: list[Affected]
    updates: list[Update] = field(default_factory=list)

    @property
    def label(self) -> str:
        return MAINTENANCE_LABELS[self.status]

    @property
    def duration_minutes(self) -> int:
        return int((self.end_at - self.start_at).total_seconds() // 60)


@dataclass(frozen=True)
class IncidentView:
    key: str
    name: str
    status: str
    started: Moment
    started_at: datetime
    resolved: Moment | None
    components: list[Affected]
    updates: list[Update]

    @property
    def label(self) -> str:
        return INCIDENT_LABELS[self.status]

    @property
    def impact(self) -> str:
        """The worst status the incident gives a component (OPERATIONAL when none)."""
        return worst([c.status for c in self.components])


@dataclass(frozen=True)
class PageHeader:
    key: str
    name: str
    subdomain: str
    zone: str
    language: str
    color: str | None
    logo_url: str | None
    public_email: str | None


@dataclass(frozen=True)
class PageView:
    page: PageHeader
    status: str
    groups: list[GroupView]
    incidents: list[IncidentView]
    in_progress: list[MaintenanceView]
    upcoming: list[MaintenanceView]
    now: Moment

    @property
    def label(self) -> str:
        return PAGE_LABELS[self.status]

    @property
    def components(self) -> list[ComponentView]:
        return [c for g in self.groups for c in g.components]


@dataclass(frozen=True)
class HistoryView:
    page: PageHeader
    entries: list[MaintenanceView | IncidentView]
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def header(page: StatusPage) -> PageHeader:
    return PageHeader(
        key=page.key,
        name=page.name,
        subdomain=page.subdomain,
        zone=page.zone,
        language=page.language,
        color=page.color,
        logo_url=page.logo_url,
        public_email=page.public_email,
    )


def page_view(session: Session, page: StatusPage, at: datetime, *, uptime: bool = True) -> PageView:
    """Everything `/status/{subdomain}` shows at `at`."""
    zone = zone_info(page.zone)
    language = page.language
    listed = list_components(session, page)  # ungrouped first, then groups in order
    statuses = component_statuses(session, page, at)
    bars = uptimes(session, page, [c for c, _ in listed if c.show_uptime], at) if uptime else {}
    groups: list[GroupView] = []
    for component, group in listed:
        group_name = group.name if group is not None else None
        view = ComponentView(
            key=component.key,
            name=translated(component.name, component.translations, "name", language),
            description=translated(
                component.description, component.translations, "description", language
            ),
            group=group_name,
            status=statuses.get(component.id, component.status),
            uptime=bars.get(component.id),
        )
        if groups and groups[-1].name == group_name and group_name is not None:
            groups[-1].components.append(view)
        else:
            groups.append(GroupView(group_name, [view]))
    in_progress, upcoming = page_maintenance(session, page, at)
    updates = _window_updates(
        session, [m.window.id for m in [*in_progress, *upcoming]], language, zone
    )

    def shown(found: list[PageMaintenance]) -> list[MaintenanceView]:
        return [
            _maintenance(
                m.window,
                m.occurrence,
                m.components,
                m.translations,
                page,
                zone,
                updates.get(m.window.key, []),
            )
            for m in found
        ]

    return PageView(
        page=header(page),
        status=page_status(statuses),
        groups=groups,
        incidents=open_incidents(session, page, zone),
        in_progress=shown(in_progress),
        upcoming=shown(upcoming),
        now=moment(at, zone),
    )


def open_incidents(session: Session, page: StatusPage, zone: ZoneInfo) -> list[IncidentView]:
    """The page's public incidents not resolved, newest first, with their updates."""
    found = list(
        session.scalars(
            select(StatusIncident)
            .where(StatusIncident.page_id == page.id, StatusIncident.status != "RESOLVED")
            .order_by(StatusIncident.started_at.desc(), StatusIncident.id.desc())
        )
    )
    return _incidents(session, found, page.language, zone)


def _incidents(
    session: Session, found: Sequence[StatusIncident], language: str, zone: ZoneInfo
) -> list[IncidentView]:
    """The incidents as the page shows them: translated, in the page's zone (two queries)."""
    return [
        IncidentView(
            key=incident.key,
            name=translated(incident.name, incident.translations or {}, "name", language),
            status=incident.status,
            started=moment(incident.started_at, zone),
            started_at=incident.started_at,
            resolved=moment(incident.resolved_at, zone) if incident.resolved_at else None,
            components=[
                Affected(translated(c.name, c.translations or {}, "name", language), status)
                for c, status in shown.components
            ],
            updates=[
                Update(
                    INCIDENT_LABELS.get(u.status, u.status),
                    translated(u.message, u.translations or {}, "message", language),
                    moment(u.created_at, zone),
                )
                for u in shown.updates
            ],
        )
        for shown in incidents.views(session, found)
        for incident in [shown.incident]
    ]


def _maintenance(
    window: MaintenanceWindow,
    occurrence: MaintenanceOccurrence,
    components: Iterable[tuple[Component, str]],
    translations: Mapping[str, Any],
    page: StatusPage,
    zone: ZoneInfo,
    updates: Sequence[Update] = (),
) -> MaintenanceView:
    """An occurrence as the page shows it; `components` are the window's on the page."""
    start = occurrence.actual_start or occurrence.planned_start
    if occurrence.status == "completed" and occurrence.actual_end is not None:
        end = max(occurrence.actual_end, start)
    else:
        end = max(occurrence.planned_end, start)
    return MaintenanceView(
        key=window.key,
        name=translated(window.title, translations, "name", page.language),
        message=translated(window.description, translations, "message", page.language),
        status=SHOWN_MAINTENANCE_STATUS[occurrence.status],
        start=moment(start, zone),
        end=moment(end, zone),
        start_at=start,
        end_at=end,
        components=[
            Affected(translated(c.name, c.translations or {}, "name", page.language), s)
            for c, s in components
        ],
        updates=list(updates),
    )


def _window_updates(
    session: Session, window_ids: Sequence[int], language: str, zone: ZoneInfo
) -> dict[str, list[Update]]:
    """Public updates posted on these windows (by window key), newest first, in the page's
    language (`vigil.statuspages.publications` keeps their translations in `details`)."""
    if not window_ids:
        return {}
    found: dict[str, list[Update]] = defaultdict(list)
    for key, event in session.execute(
        select(MaintenanceWindow.key, MaintenanceWindowEvent)
        .join(MaintenanceWindow, MaintenanceWindow.id == MaintenanceWindowEvent.window_id)
        .where(
            MaintenanceWindowEvent.window_id.in_(window_ids),
            MaintenanceWindowEvent.public.is_(True),
            MaintenanceWindowEvent.kind == "update",
        )
        .order_by(MaintenanceWindowEvent.at.desc(), MaintenanceWindowEvent.id.desc())
    ):
        details = event.details if isinstance(event.details, dict) else {}
        status = details.get("status")
        found[key].append(
            Update(
                MAINTENANCE_LABELS.get(status, "Update") if isinstance(status, str) else "Update",
                translated(event.body, details.get("translations") or {}, "message", language),
                moment(event.at, zone),
            )
        )
    return found


def history_view(
    session: Session, page: StatusPage, number: int, *, per_page: int = HISTORY_PER_PAGE
) -> HistoryView:
    """Past maintenance (completed and canceled occurrences) and resolved incidents, newest
    first, `per_page` at a time (`number` counts from 1)."""
    zone = zone_info(page.zone)
    past = (
        select(
            literal_column("0", Integer).label("kind"),
            MaintenanceOccurrence.id.label("id"),
            func.coalesce(
                MaintenanceOccurrence.actual_end, MaintenanceOccurrence.planned_end
            ).label("at"),
        )
        .join(MaintenanceWindow, MaintenanceWindow.id == MaintenanceOccurrence.window_id)
        .where(
            MaintenanceWindow.org_id == page.org_id,
            windows_on(page),
            MaintenanceOccurrence.status.in_(("completed", "canceled")),
        )
    )
    resolved = select(
        literal_column("1", Integer).label("kind"),
        StatusIncident.id.label("id"),
        func.coalesce(StatusIncident.resolved_at, StatusIncident.started_at).label("at"),
    ).where(StatusIncident.page_id == page.id, StatusIncident.status == "RESOLVED")
    both = union_all(past, resolved).subquery()
    rows = session.execute(
        select(both.c.kind, both.c.id)
        .order_by(both.c.at.desc(), both.c.kind, both.c.id.desc())
        .limit(per_page + 1)
        .offset((number - 1) * per_page)
    ).all()
    has_next = len(rows) > per_page
    rows = rows[:per_page]
    occurrence_ids = [id_ for kind, id_ in rows if kind == 0]
    incident_ids = [id_ for kind, id_ in rows if kind == 1]
    maintenance: dict[int, MaintenanceView] = {}
    if occurrence_ids:
        found_windows = session.execute(
            select(MaintenanceWindow, MaintenanceOccurrence, WindowPublication.translations)
            .join(MaintenanceOccurrence, MaintenanceOccurrence.window_id == MaintenanceWindow.id)
            .outerjoin(WindowPublication, WindowPublication.window_id == MaintenanceWindow.id)
            .where(MaintenanceOccurrence.id.in_(occurrence_ids))
        ).all()
        components = window_components(
            session, list({row[0].id for row in found_windows}), page=page
        )
        for window, occurrence, translations in found_windows:
            maintenance[occurrence.id] = _maintenance(
                window, occurrence, components[window.id], translations or {}, page, zone
            )
    incidents: dict[int, IncidentView] = {}
    if incident_ids:
        found = list(
            session.scalars(select(StatusIncident).where(StatusIncident.id.in_(incident_ids)))
        )
        views = _incidents(session, found, page.language, zone)
        incidents = {incident.id: view for incident, view in zip(found, views, strict=True)}
    entries: list[MaintenanceView | IncidentView] = [
        maintenance[id_] if kind == 0 else incidents[id_] for kind, id_ in rows
    ]
    return HistoryView(header(page), entries, number, has_next)


# --- uptime ------------------------------------------------------------------------------


UPTIME_TTL = timedelta(seconds=60)
"""How long a process reuses a page's uptime bars: they move by the day, and working them out
is most of the cost of a page with many components."""
_uptime_cache: dict[tuple[Any, ...], tuple[datetime, dict[int, Uptime]]] = {}
_UPTIME_CACHE_SIZE = 1_000


def uptimes(
    session: Session, page: StatusPage, shown: Sequence[Component], at: datetime
) -> dict[int, Uptime]:
    """The 90-day bars of the components that show them (`vigil.statuspages.uptime`), with
    the days before a component existed as no data. Three queries, or none when this process
    worked them out for the page less than UPTIME_TTL ago."""
    if not shown:
        return {}
    key = (page.id, page.zone, tuple((c.id, c.created_at) for c in shown))
    cached = _uptime_cache.get(key)
    if cached is not None and timedelta(0) <= at - cached[0] < UPTIME_TTL:
        return cached[1]
    zone = zone_info(page.zone)
    found = page_uptime(session, page, at, days=UPTIME_DAYS)
    bars: dict[int, Uptime] = {}
    for component in shown:
        born = component.created_at.astimezone(zone).date()
        days = [
            DayUptime(day.day, None if day.day < born else day.uptime)
            for day in found.get(component.id, [])
        ]
        measured = [d.ratio for d in days if d.ratio is not None]
        bars[component.id] = Uptime(days, sum(measured) / len(measured) if measured else None)
    if len(_uptime_cache) >= _UPTIME_CACHE_SIZE:
        _uptime_cache.clear()
    _uptime_cache[key] = (at, bars)
    return bars


# --- the JSON summary --------------------------------------------------------------------


def summary(view: PageView, url: str) -> dict[str, Any]:
    """The page for embedding, in the shape of Instatus' `summary.json` (plus components)."""
    return {
        "page": {
            "id": view.page.key,
            "name": view.page.name,
            "url": url,
            "status": view.status,
        },
        "components": [
            {"id": c.key, "name": c.name, "group": c.group, "status": c.status}
            for c in view.components
        ],
        "activeIncidents": [
            {
                "id": i.key,
                "name": i.name,
                "started": i.started.iso,
                "status": i.status,
                "impact": i.impact,
                "url": url,
            }
            for i in view.incidents
        ],
        "activeMaintenances": [_maintenance_summary(m, url) for m in view.in_progress],
        "upcomingMaintenances": [_maintenance_summary(m, url) for m in view.upcoming],
    }


def _maintenance_summary(shown: MaintenanceView, url: str) -> dict[str, Any]:
    return {
        "id": shown.key,
        "name": shown.name,
        "start": shown.start.iso,
        "end": shown.end.iso,
        "status": shown.status,
        "duration": shown.duration_minutes,
        "components": [{"name": c.name, "status": c.status} for c in shown.components],
        "url": url,
    }
