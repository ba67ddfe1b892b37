"""What a page shows at a moment: each component's status, the page's overall status, the
maintenance in progress and to come, and the open public incidents.

A component shows the most severe status any cause gives it: its own (set by hand or through a
dialect's API), a maintenance window in progress that names it, an open public incident that
affects it. Nothing overwrites the component's own status, so it is what shows again once the
window ends or the incident is resolved.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from vigil.maintenance.models import MaintenanceOccurrence, MaintenanceWindow
from vigil.statuspages.components import window_components
from vigil.statuspages.models import (
    COMPONENT_STATUSES,
    Component,
    StatusIncident,
    StatusIncidentComponent,
    StatusPage,
    WindowComponent,
    WindowPublication,
)

UPCOMING = timedelta(days=30)
"""How far ahead a page shows planned maintenance."""


def worst(statuses: Iterable[str]) -> str:
    """The most severe of these component statuses (OPERATIONAL when there are none)."""
    return max(statuses, key=COMPONENT_STATUSES.index, default="OPERATIONAL")


def page_status(statuses: Mapping[int, str]) -> str:
    """UP when all is operational, UNDERMAINTENANCE when maintenance is the worst of it, else
    HASISSUES (Instatus' page statuses)."""
    most = worst(statuses.values())
    if most == "OPERATIONAL":
        return "UP"
    return "UNDERMAINTENANCE" if most == "UNDERMAINTENANCE" else "HASISSUES"


def component_statuses(session: Session, page: StatusPage, at: datetime) -> dict[int, str]:
    """Each component of the page (archived ones aside) with the status it shows at `at`.
    Three queries."""
    shown = {
        component_id: status
        for component_id, status in session.execute(
            select(Component.id, Component.status).where(
                Component.page_id == page.id, Component.archived.is_(False)
            )
        )
    }
    causes: list[Any] = [
        *session.execute(
            select(WindowComponent.component_id, WindowComponent.status)
            .join(
                MaintenanceOccurrence, MaintenanceOccurrence.window_id == WindowComponent.window_id
            )
            .join(Component, Component.id == WindowComponent.component_id)
            .where(
                Component.page_id == page.id,
                MaintenanceOccurrence.status == "in_progress",
                MaintenanceOccurrence.actual_start <= at,
            )
        ),
        *session.execute(
            select(StatusIncidentComponent.component_id, StatusIncidentComponent.status)
            .join(StatusIncident, StatusIncident.id == StatusIncidentComponent.status_incident_id)
            .where(
                StatusIncident.page_id == page.id,
                StatusIncident.status != "RESOLVED",
                StatusIncident.started_at <= at,
            )
        ),
    ]
    for component_id, status in causes:
        if component_id in shown:
            shown[component_id] = worst([shown[component_id], status])
    return shown


@dataclass
class PageMaintenance:
    """A window's current occurrence as a page shows it, with its components on the page."""

    window: MaintenanceWindow
    occurrence: MaintenanceOccurrence
    components: list[tuple[Component, str]] = field(default_factory=list)
    translations: dict[str, Any] = field(default_factory=dict)


def windows_on(page: StatusPage) -> ColumnElement[bool]:
    """The windows shown on `page`: published there, or naming one of its components."""
    return or_(
        select(WindowComponent.id)
        .join(Component, Component.id == WindowComponent.component_id)
        .where(WindowComponent.window_id == MaintenanceWindow.id, Component.page_id == page.id)
        .correlate(MaintenanceWindow)
        .exists(),
        select(WindowPublication.id)
        .where(
            WindowPublication.window_id == MaintenanceWindow.id,
            WindowPublication.page_id == page.id,
        )
        .correlate(MaintenanceWindow)
        .exists(),
    )


def page_maintenance(
    session: Session, page: StatusPage, at: datetime, *, ahead: timedelta = UPCOMING
) -> tuple[list[PageMaintenance], list[PageMaintenance]]:
    """The maintenance on the page in progress at `at`, and that planned to start within
    `ahead`, each by planned start. A window is on the page when it is published there or
    names one of its components. Three queries."""
    rows = session.execute(
        select(MaintenanceWindow, MaintenanceOccurrence)
        .join(MaintenanceOccurrence, MaintenanceOccurrence.window_id == MaintenanceWindow.id)
        .where(
            # Only open occurrences (one per live window at most).
            MaintenanceOccurrence.org_id == page.org_id,
            MaintenanceOccurrence.status.in_(("in_progress", "scheduled")),
            windows_on(page),
            or_(
                MaintenanceOccurrence.status == "in_progress",
                (MaintenanceOccurrence.status == "scheduled")
                & (MaintenanceOccurrence.planned_start < at + ahead),
            ),
        )
        .order_by(MaintenanceOccurrence.planned_start, MaintenanceWindow.id)
    ).all()
    ids = [window.id for window, _ in rows]
    components = window_components(session, ids, page=page)
    translations: dict[int, dict[str, Any]] = (
        dict(
            session.execute(
                select(WindowPublication.window_id, WindowPublication.translations).where(
                    WindowPublication.window_id.in_(ids)
                )
            ).all()
        )
        if ids
        else {}
    )
    in_progress: list[PageMaintenance] = []
    upcoming: list[PageMaintenance] = []
    for window, occurrence in rows:
        shown = PageMaintenance(
            window,
            occurrence,
            components[window.id],
            translations.get(window.id) or {},
        )
        (in_progress if occurrence.status == "in_progress" else upcoming).append(shown)
    return in_progress, upcoming


def published_in_progress(
    session: Session, org_id: int
) -> list[tuple[MaintenanceWindow, MaintenanceOccurrence]]:
    """The organization's windows in progress that show on any of its pages (published there
    or naming a component), earliest started first. One query."""
    return [
        (window, occurrence)
        for window, occurrence in session.execute(
            select(MaintenanceWindow, MaintenanceOccurrence)
            .join(MaintenanceOccurrence, MaintenanceOccurrence.window_id == MaintenanceWindow.id)
            .where(
                MaintenanceOccurrence.org_id == org_id,
                MaintenanceOccurrence.status == "in_progress",
                or_(
                    MaintenanceWindow.id.in_(
                        select(WindowPublication.window_id).where(
                            WindowPublication.org_id == org_id
                        )
                    ),
                    MaintenanceWindow.id.in_(
                        select(WindowComponent.window_id).where(WindowComponent.org_id == org_id)
                    ),
                ),
            )
            .order_by(MaintenanceOccurrence.actual_start, MaintenanceWindow.id)
        )
    ]
