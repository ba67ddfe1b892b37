"""The public status page: server-rendered HTML that works without JavaScript, its history, and
a JSON summary for embedding. No API key: anyone may read a page by its subdomain.

Every page is inline: its CSS is in the document and nothing is fetched from elsewhere (the
page's own logo aside, when it has one).
"""

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from vigil import clock
from vigil.api.deps import DbSession, TransactionalRoute
from vigil.api.responses import FastJSONResponse
from vigil.statuspages.pages import page_by_subdomain, page_url
from vigil.web.rendered_pages import Rendered, accepts_gzip
from vigil.web.status_view import UPTIME_DAYS, Uptime, history_view, page_view, summary

router = APIRouter(tags=["Public status page"], route_class=TransactionalRoute)

MAX_HISTORY_PAGE = 10_000


def _bars(uptime: Uptime) -> Markup:
    """The marks of the days not fully up, built (and kept) by the view rather than in a
    template loop."""
    return Markup(uptime.marks)


templates = Environment(
    loader=PackageLoader("vigil.web", "templates"),
    autoescape=select_autoescape(default=True),
    trim_blocks=True,
    lstrip_blocks=True,
    auto_reload=False,
)
templates.filters["bars"] = _bars
templates.globals["uptime_days"] = UPTIME_DAYS


@router.get(
    "/status/{subdomain}/summary.json",
    summary="A status page's summary for embedding",
    responses={404: {"description": "No status page at this subdomain"}},
)
def page_summary(subdomain: str, request: Request, session: DbSession) -> FastJSONResponse:
    page = page_by_subdomain(session, subdomain)
    if page is None:
        raise HTTPException(404, f"No status page at {subdomain}")
    view = page_view(session, page, clock.now(), uptime=False)
    return FastJSONResponse(
        summary(view, page_url(page, request.app.state.settings.base_url)),
        # Any site may embed it; caches may keep a copy but ask again each time.
        headers={"Access-Control-Allow-Origin": "*", "Cache-Control": "no-cache"},
    )


@router.get(
    "/status/{subdomain}/history",
    response_class=HTMLResponse,
    summary="A status page's past maintenance and resolved incidents",
)
def history(
    subdomain: str,
    request: Request,
    session: DbSession,
    page_number: Annotated[int, Query(alias="page", ge=1, le=MAX_HISTORY_PAGE)] = 1,
) -> Response:
    page = page_by_subdomain(session, subdomain)
    if page is None:
        return not_found(subdomain)
    view = history_view(session, page, page_number)
    html = templates.get_template("history.html").render(
        page=view.page, view=view, current="history"
    )
    return _answer(Rendered.of(html.encode(), clock.now()), request)


@router.get(
    "/status/{subdomain}",
    response_class=HTMLResponse,
    summary="A public status page",
)
def status_page(subdomain: str, request: Request, session: DbSession) -> Response:
    """Rendered anew when no fresh copy was kept (see `vigil.web.rendered_pages`)."""
    now = clock.now()
    page = page_by_subdomain(session, subdomain)
    if page is None:
        return not_found(subdomain)
    view = page_view(session, page, now)
    html = templates.get_template("status.html").render(page=view.page, view=view, current="status")
    rendered = Rendered.of(html.encode(), now)
    request.app.state.rendered_pages.keep(subdomain, rendered)
    return _answer(rendered, request)


def _answer(rendered: Rendered, request: Request) -> Response:
    """The page gzipped when the request accepts it, with the headers `ServeRendered` gives
    a kept copy."""
    gzip_ok = accepts_gzip(request.headers.get("accept-encoding"))
    response = Response(rendered.body(gzip_ok))
    response.raw_headers = rendered.headers(gzip_ok)
    return response


def not_found(subdomain: str) -> HTMLResponse:
    html = templates.get_template("not_found.html").render(subdomain=subdomain)
    return HTMLResponse(html, status_code=404)
