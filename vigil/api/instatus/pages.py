"""Status pages: `GET /v1/pages` and `POST /v1/pages` (name, subdomain, and optionally
components to make on it)."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from vigil import clock
from vigil.api.deps import DbSession, TransactionalRoute
from vigil.api.instatus import wire
from vigil.api.instatus.auth import Caller
from vigil.statuspages.components import ComponentFields, create_component
from vigil.statuspages.pages import PageFields, create_page, list_pages

router = APIRouter(tags=["Instatus: pages"], route_class=TransactionalRoute)

PageNumber = Annotated[str | None, Query(alias="page", description="Page number, from 1")]
PerPage = Annotated[str | None, Query(description="Items per page: default 50, at most 100")]


def _base_url(request: Request) -> str:
    base: str = request.app.state.settings.base_url
    return base


@router.get("/v1/pages", summary="List the organization's status pages", responses=wire.errors(400))
def list_all(
    caller: Caller,
    session: DbSession,
    request: Request,
    page: PageNumber = None,
    per_page: PerPage = None,
) -> list[dict[str, Any]]:
    offset, limit = wire.pagination(page, per_page)
    found = list_pages(session, caller.org_id)[offset : offset + limit]
    return [wire.page_json(p, _base_url(request)) for p in found]


@router.post("/v1/pages", summary="Make a status page", responses=wire.errors(400, 403, 422))
def create(
    caller: Caller, session: DbSession, request: Request, body: wire.PageIn
) -> dict[str, Any]:
    now = clock.now()
    made = create_page(
        session,
        caller.org_id,
        PageFields(
            name=body.name,
            subdomain=body.subdomain,
            zone=body.timezone,
            language=body.language,
            color=body.brandColor,
            logo_url=body.logoUrl,
            public_email=body.publicEmail,
        ),
        at=now,
    )
    for name in body.components or ():
        create_component(session, made, ComponentFields(name=name), at=now)
    return wire.page_json(made, _base_url(request))
