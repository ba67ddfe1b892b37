"""`/api/admin/Incident`: make (`POST`), update (`PUT`) and resolve
(`POST /api/admin/Incident/ResolveIncident`) public incidents, and maintenance when `Type` is
"Maintenance" (see `vigil.api.incipulse.maintenance`).

An incident has Title, Description (its first update's message), Status (Investigating,
Identified, Monitoring, Resolved), Impact (Major Outage, Partial Outage, Minor Outage,
Degraded Performance, Under Maintenance, Operational: what its AffectedComponents show until
it is resolved) and IsNotify. An update's Description and Status post an update; the incident
takes its status. Every answer's Result is the incident's (or maintenance's) id.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Body
from sqlalchemy.orm import Session

from vigil import clock
from vigil.api.deps import DbSession, TransactionalRoute
from vigil.api.incipulse import maintenance, wire
from vigil.api.incipulse.auth import Caller
from vigil.api.incipulse.pages import Target, page_for, target
from vigil.errors import Invalid
from vigil.statuspages import incidents
from vigil.statuspages.incidents import DEFAULT_COMPONENT_STATUS, IncidentUpdateFields
from vigil.statuspages.status import worst

router = APIRouter(tags=["Incipulse: incidents and maintenance"], route_class=TransactionalRoute)

BASE = "/api/admin/Incident"
RESOLVE = BASE + "/ResolveIncident"

Payload = Annotated[wire.IncidentIn | None, Body()]


@router.post(
    BASE,
    summary='Open an incident, or schedule a maintenance (Type: "Maintenance")',
    responses=wire.errors(400, 403),
)
def create(caller: Caller, session: DbSession, body: Payload = None) -> dict[str, Any]:
    body = body or wire.IncidentIn()
    if body.is_maintenance():
        key = maintenance.schedule(session, caller.org_id, body)
        return wire.envelope(key, "Maintenance scheduled")
    name = body.title()
    status = wire.incident_status(body.Status)
    shown = wire.impact(body.Impact, DEFAULT_COMPONENT_STATUS)
    components = [key.strip() for key in body.AffectedComponents or ()]
    page = page_for(session, caller.org_id, components)
    made = incidents.create_incident(
        session,
        page,
        name=name,
        components=dict.fromkeys(components, shown),
        first=IncidentUpdateFields(
            message=body.Description or "", status=status, notify=body.IsNotify
        ),
        at=clock.now(),
    )
    return wire.envelope(made.key, "Incident created")


@router.put(
    BASE,
    summary="Update an incident or a maintenance (Description, Status, Title)",
    responses=wire.errors(400, 403, 404, 409),
)
def update(caller: Caller, session: DbSession, body: Payload = None) -> dict[str, Any]:
    body = body or wire.IncidentIn()
    found = target(session, caller.org_id, body.incident_id())
    if found.is_maintenance:
        maintenance.change(session, found, body)
        return wire.envelope(found.key, "Maintenance updated")
    _change(session, found, body)
    return wire.envelope(found.key, "Incident updated")


@router.post(
    RESOLVE,
    summary="Resolve an incident, or end a maintenance",
    responses=wire.errors(400, 403, 404, 409),
)
def resolve(caller: Caller, session: DbSession, body: Payload = None) -> dict[str, Any]:
    body = body or wire.IncidentIn()
    found = target(session, caller.org_id, body.incident_id())
    if found.is_maintenance:
        maintenance.resolve(session, found, body)
        return wire.envelope(found.key, "Maintenance completed")
    message = body.Description.strip() if body.Description else ""
    incident = incidents.get_incident(session, found.page, found.key)
    if incident.status != "RESOLVED" or message:
        incidents.resolve_incident(session, found.page, found.key, at=clock.now(), message=message)
    return wire.envelope(found.key, "Incident resolved")


def _change(session: Session, found: Target, body: wire.IncidentIn) -> None:
    status = wire.incident_status(body.Status)
    message = body.Description if body.Description and body.Description.strip() else None
    components: dict[str, str] | None = None
    if body.AffectedComponents is not None or body.Impact is not None:
        components = _components(session, found, body)
    if status is None and message is None and body.Title is None and components is None:
        raise Invalid("Give a Description, a Status, a Title, an Impact or AffectedComponents.")
    incidents.update_incident(
        session,
        found.page,
        found.key,
        at=clock.now(),
        name=body.title() if body.Title is not None else None,
        components=components,
        update=IncidentUpdateFields(message=message, status=status, notify=body.IsNotify),
    )


def _components(session: Session, found: Target, body: wire.IncidentIn) -> dict[str, str]:
    """The incident's components after the update: those named (else the ones it has), at the
    Impact given, else at the status each already shows (the incident's impact for a newly
    named one)."""
    incident = incidents.get_incident(session, found.page, found.key)
    current = {c.key: status for c, status in incidents.view(session, incident).components}
    if body.AffectedComponents is not None:
        keys = [key.strip() for key in body.AffectedComponents]
    else:
        keys = list(current)
    if body.Impact is not None:
        return dict.fromkeys(keys, wire.impact(body.Impact, DEFAULT_COMPONENT_STATUS))
    impact = worst(current.values()) if current else DEFAULT_COMPONENT_STATUS
    return {key: current.get(key, impact) for key in keys}
