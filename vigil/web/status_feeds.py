"""A public page's feeds, without an API key: RSS and Atom of incidents and maintenance, and an
iCalendar of maintenance to come; `?component=<id>` narrows any of them to one component.

    GET /status/{subdomain}/feed.rss
    GET /status/{subdomain}/feed.atom
    GET /status/{subdomain}/maintenance.ics
"""

from urllib.parse import urlsplit

from fastapi import APIRouter, HTTPException, Query, Request
from starlette.responses import Response

from vigil import clock
from vigil.api.deps import DbSession, TransactionalRoute
from vigil.maintenance.calendar import CONTENT_TYPE as CALENDAR_TYPE
from vigil.statuspages import feeds
from vigil.statuspages.components import get_component
from vigil.statuspages.models import StatusPage
from vigil.statuspages.pages import page_by_subdomain

router = APIRouter(tags=["Status page feeds"], route_class=TransactionalRoute)

ComponentKey = Query(default=None, description="Only what concerns this component (its id)")
MEDIA = {"rss": "application/rss+xml; charset=utf-8", "atom": "application/atom+xml; charset=utf-8"}


@router.get("/status/{subdomain}/feed.rss", summary="A page's incidents and maintenance as RSS")
def rss(
    session: DbSession, request: Request, subdomain: str, component: str | None = ComponentKey
) -> Response:
    return _feed(session, request, subdomain, component, "rss")


@router.get("/status/{subdomain}/feed.atom", summary="A page's incidents and maintenance as Atom")
def atom(
    session: DbSession, request: Request, subdomain: str, component: str | None = ComponentKey
) -> Response:
    return _feed(session, request, subdomain, component, "atom")


@router.get(
    "/status/{subdomain}/maintenance.ics", summary="A page's maintenance to come as iCalendar"
)
def calendar(
    session: DbSession, request: Request, subdomain: str, component: str | None = ComponentKey
) -> Response:
    page = _page(session, subdomain, component)
    base = request.app.state.settings.base_url
    document = feeds.page_calendar(
        session, page, clock.now(), domain=urlsplit(base).hostname or "vigil", component=component
    )
    return Response(document, media_type=CALENDAR_TYPE)


def _feed(
    session: DbSession, request: Request, subdomain: str, component: str | None, kind: str
) -> Response:
    page = _page(session, subdomain, component)
    base = request.app.state.settings.base_url
    now = clock.now()
    items = feeds.feed_items(session, page, now, base_url=base, component=component)
    document = feeds.render_feed(page, items, base_url=base, kind=kind, at=now)
    return Response(document, media_type=MEDIA[kind])


def _page(session: DbSession, subdomain: str, component: str | None) -> StatusPage:
    page = page_by_subdomain(session, subdomain)
    if page is None:
        raise HTTPException(404, f"No status page {subdomain}")
    if component is not None:
        get_component(session, page, component)  # NotFound: 404
    return page
