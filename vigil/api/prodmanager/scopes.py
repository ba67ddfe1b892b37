"""Prod Manager scopes (a region, an availability zone):

    GET  /api/scope                  ?page=&per_page= -> {"items": [scope]}, x-* page headers
    POST /api/scope/create           form: name, description -> scope (409: name taken)
    GET  /api/scope/{id}             -> scope
    POST /api/scope/{id}/update      form: name, description (only those sent change)
    POST /api/scope/{id}/delete      -> {} (409 while a maintenance belongs to it)

Services (`vigil.api.prodmanager.services`) are the same routes under `/api/service`, made by
`place_router` below. Reads need no token on a one-organization deployment (see `auth`).
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, Response
from sqlalchemy.orm import Session

from vigil import clock
from vigil.api.deps import DbSession, TransactionalRoute
from vigil.api.prodmanager import wire
from vigil.api.prodmanager.auth import ReaderOf, WriterOrg
from vigil.statuspages import services as domain
from vigil.statuspages.models import Scope, Service

Name = Annotated[str | None, Form(max_length=200, description="The name (unique)")]
Description = Annotated[str | None, Form(max_length=20_000, description="The description")]


@dataclass(frozen=True)
class PlaceApi:
    """The domain functions of scopes or of services."""

    kind: type[Scope] | type[Service]
    create: Callable[..., Scope | Service]
    get: Callable[[Session, int, int], Scope | Service]
    listed: Callable[[Session, int, int, int], tuple[list[Any], int]]
    update: Callable[..., Scope | Service]
    delete: Callable[[Session, int, int], None]
    form_extras: Callable[..., Any] = field(default=lambda: {})
    """A dependency reading the kind's own form fields, passed on to `create` and `update`."""
    json_extras: Callable[[Session, Sequence[Any]], dict[int, dict[str, Any]]] = field(
        default=lambda session, places: {}
    )
    """The kind's own answer fields, by id, for a list of them."""


def place_router(api: PlaceApi, word: str, tag: str) -> APIRouter:
    """The five routes of `/api/{word}`."""
    router = APIRouter(tags=[tag], route_class=TransactionalRoute)
    base = f"/api/{word}"

    Extras = Annotated[dict[str, Any], Depends(api.form_extras)]

    def as_json(
        request: Request, session: Session, places: Sequence[Scope | Service]
    ) -> list[dict[str, Any]]:
        ids = [place.id for place in places]
        counts = domain.maintenance_counts(session, api.kind, ids)
        extras = api.json_extras(session, places)
        base_url = request.app.state.settings.base_url
        return [
            wire.place_json(place, counts[place.id], base_url) | extras.get(place.id, {})
            for place in places
        ]

    @router.get(base, summary=f"List all {word}s", responses=wire.errors(400, 401))
    def list_all(
        reader: ReaderOf, session: DbSession, request: Request, response: Response
    ) -> dict[str, Any]:
        """Ordered by id; `page` (from 1) and `per_page` (default 20, at most 50)."""
        page, per_page, offset = wire.pagination(request)
        found, total = api.listed(session, reader.org_id, offset, per_page)
        wire.page_headers(response, page, per_page, total)
        return {"items": as_json(request, session, found)}

    @router.post(
        f"{base}/create", summary=f"Create a {word}", responses=wire.errors(400, 401, 403, 409)
    )
    def create(
        org_id: WriterOrg,
        session: DbSession,
        request: Request,
        extras: Extras,
        name: Name = None,
        description: Description = None,
    ) -> dict[str, Any]:
        problems = wire.Problems()
        if name is None or not name.strip():
            problems.add("name", "this field is required")
        problems.check()
        assert name is not None
        place = api.create(session, org_id, name, description or "", at=clock.now(), **extras)
        return as_json(request, session, [place])[0]

    @router.get(
        f"{base}/{{resource_id:int}}", summary=f"Get single {word}", responses=wire.errors(401, 404)
    )
    def get_one(
        resource_id: int, reader: ReaderOf, session: DbSession, request: Request
    ) -> dict[str, Any]:
        return as_json(request, session, [api.get(session, reader.org_id, resource_id)])[0]

    @router.post(
        f"{base}/{{resource_id:int}}/update",
        summary=f"Update a {word}",
        responses=wire.errors(400, 401, 403, 404, 409),
    )
    def update(
        resource_id: int,
        org_id: WriterOrg,
        session: DbSession,
        request: Request,
        extras: Extras,
        name: Name = None,
        description: Description = None,
    ) -> dict[str, Any]:
        place = api.update(
            session, org_id, resource_id, name=name, description=description, **extras
        )
        return as_json(request, session, [place])[0]

    @router.post(
        f"{base}/{{resource_id:int}}/delete",
        summary=f"Delete a {word}",
        responses=wire.errors(401, 403, 404, 409),
    )
    def delete(resource_id: int, org_id: WriterOrg, session: DbSession) -> dict[str, Any]:
        api.delete(session, org_id, resource_id)
        return {}

    return router


SCOPES = PlaceApi(
    kind=Scope,
    create=domain.create_scope,
    get=domain.get_scope,
    listed=domain.list_scopes,
    update=domain.update_scope,
    delete=domain.delete_scope,
)

router = place_router(SCOPES, "scope", "Prod Manager: scopes")
