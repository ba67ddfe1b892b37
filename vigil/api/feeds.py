"""iCalendar feeds of on-call shifts: made with an API key, read at a secret URL without one.

    POST /api-public/v1/user/{user}/oncall/calendar   -> {"url": ".../calendar/<token>.ics"}
    POST /api-public/v1/team/{team}/oncall/calendar   -> {"url": ...}
    GET  /calendar/{token}.ics                         (text/calendar; 404 for an unknown token)

Making a feed again replaces the old one: its URL stops working.
"""

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from starlette.responses import Response

from vigil import clock
from vigil.api.deps import DbSession, TransactionalRoute
from vigil.api.victorops.auth import Caller
from vigil.api.victorops.wire import V1
from vigil.oncall import feeds
from vigil.people import teams, users

router = APIRouter(tags=["Calendar feeds"], route_class=TransactionalRoute)


def _answer(request: Request, token: str) -> dict[str, Any]:
    base = request.app.state.settings.base_url.rstrip("/")
    return {"url": f"{base}/calendar/{token}.ics"}


@router.post(
    f"{V1}/user/{{user}}/oncall/calendar", summary="A secret iCalendar URL of a user's shifts"
)
def user_feed(caller: Caller, session: DbSession, request: Request, user: str) -> dict[str, Any]:
    found = users.get_user(session, caller.org_id, user)
    return _answer(request, feeds.create_feed(session, caller.org_id, found))


@router.post(
    f"{V1}/team/{{team}}/oncall/calendar", summary="A secret iCalendar URL of a team's shifts"
)
def team_feed(caller: Caller, session: DbSession, request: Request, team: str) -> dict[str, Any]:
    found = teams.get_team(session, caller.org_id, team)
    return _answer(request, feeds.create_feed(session, caller.org_id, found))


@router.get("/calendar/{token}.ics", summary="Upcoming on-call shifts as iCalendar (no API key)")
def calendar(session: DbSession, token: str) -> Response:
    document = feeds.feed_calendar(session, token, clock.now())
    if document is None:
        raise HTTPException(404, "No calendar feed at this address")
    return Response(document, media_type="text/calendar; charset=utf-8")
