"""Maintenance windows as iCalendar feeds: Vigil's native API.

    GET    /api/v1/maintenance/calendar.ics[?routingKey=db]   (API headers; text/calendar)
    POST   /api/v1/maintenance/calendar  {"routingKey": ...}  -> {"url": ".../<token>.ics"}
    DELETE /api/v1/maintenance/calendar/{token}               (204; 404 for an unknown token)
    GET    /maintenance/calendar/{token}.ics                  (no headers; 404 for an unknown token)

Calendar applications cannot send API headers, so a feed they subscribe to lives at a secret
URL; the token is shown once and revoked with DELETE. Every feed covers a day back to 90 days
ahead (`vigil.maintenance.feeds`), one event per occurrence, UIDs stable across reads.
"""

from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from vigil import clock
from vigil.api.deps import DbSession, TransactionalRoute
from vigil.api.victorops.auth import Caller
from vigil.maintenance import feeds
from vigil.maintenance.calendar import CONTENT_TYPE
from vigil.maintenance.modes import check_known_keys

router = APIRouter(tags=["Maintenance calendar feeds"], route_class=TransactionalRoute)

BASE = "/api/v1/maintenance/calendar"
SECRET = "/maintenance/calendar"
ICS: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/calendar": {}}, "description": "An iCalendar document"}
}


class FeedIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    routingKey: str | None = Field(
        default=None,
        max_length=200,
        description="Only the windows muting this routing key (naming it, or global)",
    )


class FeedOut(BaseModel):
    url: str = Field(description="The feed's secret address, readable without API headers")


class ErrorBody(BaseModel):
    error: str


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    described = {
        400: "Bad input: the message says what is wrong",
        401: "Missing or unknown API id or key",
        403: "The API key is read-only",
        404: "No calendar feed with this token",
    }
    return {code: {"model": ErrorBody, "description": described[code]} for code in codes}


RoutingKey = Annotated[
    str | None,
    Query(alias="routingKey", max_length=200, description="Only the windows muting this key"),
]


def _domain(request: Request) -> str:
    """The host of the configured base URL: what UIDs end with (`mw-...-3@vigil.example`)."""
    return urlsplit(request.app.state.settings.base_url).hostname or "vigil"


def _calendar(document: bytes) -> Response:
    return Response(document, media_type=CONTENT_TYPE)


@router.get(
    f"{BASE}.ics",
    summary="Upcoming maintenance windows as iCalendar (a day back to 90 days ahead)",
    response_class=Response,
    responses={**ICS, **_errors(400, 401)},
)
def calendar(
    caller: Caller, session: DbSession, request: Request, routing_key: RoutingKey = None
) -> Response:
    key = (routing_key or "").strip() or None
    if key is not None:
        check_known_keys(session, caller.org_id, [key])
    document = feeds.render_feed(
        session, caller.org_id, clock.now(), domain=_domain(request), routing_key=key
    )
    return _calendar(document)


@router.post(
    BASE,
    summary="A secret iCalendar URL of upcoming maintenance windows (for calendar apps)",
    response_model=FeedOut,
    responses=_errors(400, 401, 403),
)
def create_feed(
    caller: Caller, session: DbSession, request: Request, body: FeedIn | None = None
) -> dict[str, Any]:
    key = ((body.routingKey if body else None) or "").strip() or None
    token = feeds.create_feed(session, caller.org_id, key)
    base = request.app.state.settings.base_url.rstrip("/")
    return {"url": f"{base}{SECRET}/{token}.ics"}


@router.delete(
    f"{BASE}/{{token}}",
    status_code=204,
    summary="Revoke a maintenance calendar feed: its URL stops working",
    response_class=Response,
    responses=_errors(401, 403, 404),
)
def revoke_feed(caller: Caller, session: DbSession, token: str) -> Response:
    feeds.revoke_feed(session, caller.org_id, token.removesuffix(".ics"))
    return Response(status_code=204)


@router.get(
    f"{SECRET}/{{token}}.ics",
    summary="A maintenance calendar feed at its secret URL (no API headers)",
    response_class=Response,
    responses={**ICS, **_errors(404)},
)
def secret_calendar(session: DbSession, request: Request, token: str) -> Response:
    feed = feeds.find_feed(session, token)
    if feed is None:
        raise HTTPException(404, "No maintenance calendar feed at this address")
    document = feeds.render_feed(
        session, feed.org_id, clock.now(), domain=_domain(request), routing_key=feed.routing_key
    )
    return _calendar(document)
