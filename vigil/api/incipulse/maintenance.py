"""Maintenance, Incipulse style: an incident of `Type: "Maintenance"` made, changed and
resolved through `/api/admin/Incident` (see `vigil.api.incipulse.incidents`), and
`GET /api/maintenance/status`, the maintenance in progress.

A maintenance is a Vigil maintenance window that mutes no paging, published on the page of
its components (`vigil.statuspages.publications`): StartDate and EndDate are its schedule in
UTC, the engine starts and ends it on time, and its components show UNDERMAINTENANCE while it
is in progress. Status "In Progress" starts it, "Completed" (or ResolveIncident) ends it, or
cancels it when it has not started.
"""

from typing import Any

from fastapi import APIRouter
from sqlalchemy.orm import Session

from vigil import clock
from vigil.api.deps import DbSession, TransactionalRoute
from vigil.api.incipulse import wire
from vigil.api.incipulse.auth import Caller
from vigil.api.incipulse.pages import Target, page_for
from vigil.errors import Invalid
from vigil.maintenance import windows
from vigil.maintenance.recurrence import Schedule
from vigil.maintenance.windows import WindowChanges, WindowSpec
from vigil.statuspages import publications
from vigil.statuspages.publications import (
    DEFAULT_WINDOW_COMPONENT_STATUS,
    PublicationFields,
    UpdateFields,
)
from vigil.statuspages.status import published_in_progress

router = APIRouter(tags=["Incipulse: maintenance"], route_class=TransactionalRoute)

STATUS = "/api/maintenance/status"


@router.get(
    STATUS,
    summary="The maintenance in progress (key in X-API-KEY, or ?api_key=)",
    responses=wire.errors(),
)
def in_progress(caller: Caller, session: DbSession) -> dict[str, Any]:
    """`[{IncidentId, Title, Status: "In Progress", StartDate}]`, earliest started first: the
    windows in progress shown on the organization's status pages (one query)."""
    ongoing = [
        {
            "IncidentId": window.key,
            "Title": window.title,
            "Status": "In Progress",
            "StartDate": clock.rfc3339(occurrence.actual_start or occurrence.planned_start),
        }
        for window, occurrence in published_in_progress(session, caller.org_id)
    ]
    count = len(ongoing)
    return wire.envelope(ongoing, f"{count} maintenance{'s' if count != 1 else ''} in progress")


def schedule(session: Session, org_id: int, body: wire.IncidentIn) -> str:
    """A new maintenance from StartDate to EndDate on the page of AffectedComponents; its id."""
    title = body.title()
    start = wire.instant(body.StartDate, "StartDate")
    end = wire.instant(body.EndDate, "EndDate")
    if end <= start:
        raise Invalid("End date must be after start date.")
    components = body.AffectedComponents or []
    page = page_for(session, org_id, components)
    spec = WindowSpec(
        title=title,
        schedule=Schedule.between_instants(start, end),
        description=body.Description or "",
        mutes_paging=False,
        auto_start=True,
        auto_end=True,
    )
    window = publications.publish_window(
        session,
        page,
        spec,
        components={key.strip(): DEFAULT_WINDOW_COMPONENT_STATUS for key in components},
        publication=PublicationFields(notify_start=body.IsNotify, notify_end=body.IsNotify),
        first=UpdateFields(),
        actor=wire.ACTOR,
        at=clock.now(),
    )
    return window.key


def change(session: Session, found: Target, body: wire.IncidentIn) -> None:
    """A new Title; a Description posts a public update; a Status moves the window."""
    status = wire.maintenance_status(body.Status)
    message = body.Description if body.Description and body.Description.strip() else None
    if status is None and message is None and body.Title is None:
        raise Invalid("Give a Description, a Status or a Title to change.")
    now = clock.now()
    if body.Title is not None:
        windows.update_window(
            session,
            found.page.org_id,
            found.key,
            WindowChanges(title=body.title()),
            actor=wire.ACTOR,
            at=now,
        )
    if message is not None:
        fields = UpdateFields(message=message, status=status, notify=body.IsNotify)
        publications.post_update(session, found.page, found.key, fields, actor=wire.ACTOR, at=now)
    elif status is not None:
        publications.move_to(
            session, found.page.org_id, found.key, status, actor=wire.ACTOR, at=now
        )


def resolve(session: Session, found: Target, body: wire.IncidentIn) -> None:
    """End the maintenance (cancel it when it has not started); done already, nothing moves.
    A Description is posted as its closing update."""
    now = clock.now()
    if body.Description and body.Description.strip():
        fields = UpdateFields(message=body.Description, status="COMPLETED", notify=body.IsNotify)
        publications.post_update(session, found.page, found.key, fields, actor=wire.ACTOR, at=now)
    else:
        publications.move_to(
            session, found.page.org_id, found.key, "COMPLETED", actor=wire.ACTOR, at=now
        )
