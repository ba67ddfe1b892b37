"""A page's components: `/v1/{page_id}/components` (list, add) and
`/v1/{page_id}/components/{component_id}` (get, change, delete).

A component's `status` on the way out is what the page shows now: its own status, or worse
while a maintenance in progress or an open incident names it; a PUT of `status` sets its own.
`group` is a group's name on the way in (made when new) and `{id, name}` on the way out;
`grouped: false` takes it out of its group.
"""

from typing import Any

from fastapi import APIRouter
from sqlalchemy.orm import Session

from vigil import clock
from vigil.api.deps import DbSession, TransactionalRoute
from vigil.api.instatus import wire
from vigil.api.instatus.auth import Caller, page_of
from vigil.api.instatus.pages import PageNumber, PerPage
from vigil.statuspages import components
from vigil.statuspages.components import ComponentFields
from vigil.statuspages.models import ComponentGroup, StatusPage
from vigil.statuspages.status import component_statuses

router = APIRouter(tags=["Instatus: components"], route_class=TransactionalRoute)

BASE = "/v1/{page_id}/components"
ONE = BASE + "/{component_id}"


def _fields(body: wire.ComponentIn) -> ComponentFields:
    group = body.group
    if body.grouped is False:
        group = ""
    return ComponentFields(
        name=body.name,
        description=body.description,
        status=body.status,
        group=group,
        position=body.order,
        show_uptime=body.showUptime,
        archived=body.archived,
        translations=body.translations,
    )


@router.get(BASE, summary="List a page's components", responses=wire.errors(400, 404))
def list_all(
    caller: Caller,
    session: DbSession,
    page_id: str,
    page: PageNumber = None,
    per_page: PerPage = None,
) -> list[dict[str, Any]]:
    offset, limit = wire.pagination(page, per_page)
    status_page = page_of(session, caller, page_id)
    shown = component_statuses(session, status_page, clock.now())
    found = components.list_components(session, status_page)[offset : offset + limit]
    return [wire.component_json(c, g, shown.get(c.id)) for c, g in found]


@router.post(BASE, summary="Add a component to a page", responses=wire.errors(400, 403, 404))
def create(
    caller: Caller, session: DbSession, page_id: str, body: wire.ComponentIn
) -> dict[str, Any]:
    status_page = page_of(session, caller, page_id)
    made = components.create_component(session, status_page, _fields(body), at=clock.now())
    return _one(session, status_page, made.key)


@router.get(ONE, summary="Get a component", responses=wire.errors(404))
def get(caller: Caller, session: DbSession, page_id: str, component_id: str) -> dict[str, Any]:
    return _one(session, page_of(session, caller, page_id), component_id)


@router.put(ONE, summary="Change a component", responses=wire.errors(400, 403, 404))
def update(
    caller: Caller, session: DbSession, page_id: str, component_id: str, body: wire.ComponentIn
) -> dict[str, Any]:
    status_page = page_of(session, caller, page_id)
    components.update_component(session, status_page, component_id, _fields(body))
    return _one(session, status_page, component_id)


@router.delete(ONE, summary="Delete a component", responses=wire.errors(403, 404))
def delete(caller: Caller, session: DbSession, page_id: str, component_id: str) -> dict[str, str]:
    status_page = page_of(session, caller, page_id)
    components.delete_component(session, status_page, component_id)
    return {"id": component_id}


def _one(session: Session, page: StatusPage, key: str) -> dict[str, Any]:
    component = components.get_component(session, page, key)
    group = session.get(ComponentGroup, component.group_id) if component.group_id else None
    shown = component_statuses(session, page, clock.now())
    return wire.component_json(component, group, shown.get(component.id))
