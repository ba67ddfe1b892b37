"""The one-click acknowledgement page a page links to.

Opening the link only shows the incident and a button (mail scanners open links too); pressing
the button acknowledges as the person the page was sent to.
"""

from html import escape

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from vigil import clock
from vigil.api.deps import DbSession, TransactionalRoute
from vigil.errors import NotFound
from vigil.paging.ack_links import acknowledge_by_link, linked

router = APIRouter(tags=["Acknowledgement links"], route_class=TransactionalRoute)


@router.get("/ack/{token}", response_class=HTMLResponse, summary="The acknowledgement page")
def show(token: str, session: DbSession) -> HTMLResponse:
    try:
        found = linked(session, token)
    except NotFound as error:
        return _page("Link not valid", error.message, status_code=404)
    title = f"Incident #{found.number}: {found.summary}"
    if found.phase != "triggered":
        return _page(title, f"This incident is already {found.phase}.")
    button = (
        f'<form method="post" action="/ack/{escape(token)}">'
        f'<button type="submit">Acknowledge as {escape(found.username)}</button></form>'
    )
    return _page(title, "Nobody has acknowledged this incident yet.", button)


@router.post("/ack/{token}", response_class=HTMLResponse, summary="Acknowledge from the page")
def acknowledge(token: str, session: DbSession) -> HTMLResponse:
    try:
        found = linked(session, token)
    except NotFound as error:
        return _page("Link not valid", error.message, status_code=404)
    result = acknowledge_by_link(session, token, clock.now())
    title = f"Incident #{found.number}: {found.summary}"
    if result.accepted:
        return _page(title, f"Acknowledged by {found.username}. Paging has stopped.")
    return _page(title, result.message + ".", status_code=409)


def _page(title: str, message: str, extra: str = "", status_code: int = 200) -> HTMLResponse:
    html = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)} · Vigil</title></head>"
        f"<body><main><h1>{escape(title)}</h1><p>{escape(message)}</p>{extra}</main></body></html>"
    )
    return HTMLResponse(html, status_code=status_code)
