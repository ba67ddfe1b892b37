"""A page's public incidents and their updates: `/v1/{page_id}/incidents[/{id}]` and
`/v1/{page_id}/incidents/{id}/incident-updates[/{update_id}]`.

An incident's status (INVESTIGATING, IDENTIFIED, MONITORING, RESOLVED) is its latest update's:
creating one posts its first update (`message`), and a status or message sent on a change
posts another. `statuses` (else MAJOROUTAGE for each of `components`) is what its components
show until it is RESOLVED. `translations` take `name` for the incident and `message` for the
update posted with it.
"""

from typing import Any

from fastapi import APIRouter

from vigil import clock
from vigil.api.deps import DbSession, TransactionalRoute
from vigil.api.instatus import wire
from vigil.api.instatus.auth import Caller, page_of
from vigil.api.instatus.pages import PageNumber, PerPage
from vigil.errors import Invalid
from vigil.statuspages import incidents
from vigil.statuspages.incidents import DEFAULT_COMPONENT_STATUS, IncidentUpdateFields

router = APIRouter(tags=["Instatus: incidents"], route_class=TransactionalRoute)

BASE = "/v1/{page_id}/incidents"
ONE = BASE + "/{incident_id}"
UPDATES = ONE + "/incident-updates"
UPDATE = UPDATES + "/{update_id}"


@router.get(
    BASE,
    summary="List a page's incidents (latest started first; page, per_page)",
    responses=wire.errors(400, 404),
)
def list_all(
    caller: Caller,
    session: DbSession,
    page_id: str,
    page: PageNumber = None,
    per_page: PerPage = None,
) -> list[dict[str, Any]]:
    offset, limit = wire.pagination(page, per_page)
    status_page = page_of(session, caller, page_id)
    found = incidents.list_incidents(session, status_page, offset=offset, limit=limit)
    return [wire.incident_json(view, status_page) for view in incidents.views(session, found)]


@router.post(BASE, summary="Open an incident", responses=wire.errors(400, 403, 404))
def create(
    caller: Caller, session: DbSession, page_id: str, body: wire.IncidentIn
) -> dict[str, Any]:
    status_page = page_of(session, caller, page_id)
    if not body.name or not body.name.strip():
        raise Invalid("name is required")
    made = incidents.create_incident(
        session,
        status_page,
        name=body.name,
        components=wire.statuses_of(body.components, body.statuses, DEFAULT_COMPONENT_STATUS) or {},
        first=_first(body),
        at=clock.now(),
        started=wire.instant(body.started, "started") if body.started else None,
        translations=wire.translations_of(body.translations, "name"),
        incident_id=(
            incidents.paging_incident_id(session, caller.org_id, body.vigilIncident)
            if body.vigilIncident is not None
            else None
        ),
    )
    return wire.incident_json(incidents.view(session, made), status_page)


@router.get(ONE, summary="Get an incident", responses=wire.errors(404))
def get(caller: Caller, session: DbSession, page_id: str, incident_id: str) -> dict[str, Any]:
    status_page = page_of(session, caller, page_id)
    found = incidents.get_incident(session, status_page, incident_id)
    return wire.incident_json(incidents.view(session, found), status_page)


@router.put(
    ONE,
    summary="Change an incident (a status or message posts an update)",
    responses=wire.errors(400, 403, 404),
)
def update(
    caller: Caller, session: DbSession, page_id: str, incident_id: str, body: wire.IncidentIn
) -> dict[str, Any]:
    status_page = page_of(session, caller, page_id)
    changed = incidents.update_incident(
        session,
        status_page,
        incident_id,
        at=clock.now(),
        name=body.name,
        components=wire.statuses_of(body.components, body.statuses, DEFAULT_COMPONENT_STATUS),
        translations=wire.translations_of(body.translations, "name"),
        update=_first(body),
    )
    return wire.incident_json(incidents.view(session, changed), status_page)


@router.delete(ONE, summary="Delete an incident", responses=wire.errors(403, 404))
def delete(caller: Caller, session: DbSession, page_id: str, incident_id: str) -> dict[str, str]:
    incidents.delete_incident(session, page_of(session, caller, page_id), incident_id)
    return {"id": incident_id}


# --- incident updates -------------------------------------------------------------------------


@router.get(
    UPDATES, summary="List an incident's updates (newest first)", responses=wire.errors(404)
)
def list_updates(
    caller: Caller, session: DbSession, page_id: str, incident_id: str
) -> list[dict[str, Any]]:
    status_page = page_of(session, caller, page_id)
    found = incidents.list_updates(session, status_page, incident_id)
    return [wire.incident_update_json(update) for update in found]


@router.post(
    UPDATES,
    summary="Post an incident update (its status becomes the incident's)",
    responses=wire.errors(400, 403, 404),
)
def add_update(
    caller: Caller, session: DbSession, page_id: str, incident_id: str, body: wire.UpdateIn
) -> dict[str, Any]:
    status_page = page_of(session, caller, page_id)
    if not body.message or not body.message.strip():
        raise Invalid("message is required")
    made = incidents.add_update(session, status_page, incident_id, _fields(body), at=clock.now())
    return wire.incident_update_json(made)


@router.get(UPDATE, summary="Get an incident update", responses=wire.errors(404))
def get_update(
    caller: Caller, session: DbSession, page_id: str, incident_id: str, update_id: str
) -> dict[str, Any]:
    status_page = page_of(session, caller, page_id)
    found = incidents.get_update(session, status_page, incident_id, update_id)
    return wire.incident_update_json(found)


@router.put(UPDATE, summary="Correct an incident update", responses=wire.errors(400, 403, 404))
def edit_update(
    caller: Caller,
    session: DbSession,
    page_id: str,
    incident_id: str,
    update_id: str,
    body: wire.UpdateIn,
) -> dict[str, Any]:
    status_page = page_of(session, caller, page_id)
    edited = incidents.edit_update(session, status_page, incident_id, update_id, _fields(body))
    return wire.incident_update_json(edited)


@router.delete(UPDATE, summary="Delete an incident update", responses=wire.errors(403, 404))
def delete_update(
    caller: Caller, session: DbSession, page_id: str, incident_id: str, update_id: str
) -> dict[str, str]:
    status_page = page_of(session, caller, page_id)
    incidents.delete_update(session, status_page, incident_id, update_id)
    return {"id": update_id}


def _first(body: wire.IncidentIn) -> IncidentUpdateFields:
    return IncidentUpdateFields(
        message=body.message,
        status=body.status,
        notify=body.notify,
        translations=wire.translations_of(body.translations, "message"),
    )


def _fields(body: wire.UpdateIn) -> IncidentUpdateFields:
    return IncidentUpdateFields(
        message=body.message, status=body.status, notify=body.notify, translations=body.translations
    )
