"""Rendered public status pages, kept for a few seconds and served again without FastAPI.

A status page is read far more than it changes, by everyone at once when something breaks.
Each process keeps each page's HTML for `status_page_cache_seconds` (clock time, so tests that
move the clock age it too); within that time `ServeRendered`, a bare ASGI layer in front of
the routes, answers `GET /status/{subdomain}` from it, and the route renders only when the
copy is missing or old. Readers see a change within those seconds.
"""

import re
from datetime import datetime, timedelta

from starlette.types import ASGIApp, Receive, Scope, Send

from vigil import clock
from vigil.api.shortcut import RouteLabel

MAX_PAGES = 1_000
_PAGE_PATH = re.compile(r"^/status/([A-Za-z0-9-]{1,63})/?$")
HEADERS = [
    (b"content-type", b"text/html; charset=utf-8"),
    (b"cache-control", b"no-cache"),
]


class RenderedPages:
    """Each page's latest HTML by subdomain, with when it was rendered."""

    def __init__(self, seconds: float) -> None:
        self.fresh_for = timedelta(seconds=seconds)
        self._pages: dict[str, tuple[datetime, bytes]] = {}

    def fresh(self, subdomain: str, at: datetime) -> bytes | None:
        found = self._pages.get(subdomain.lower())
        if found is None or not timedelta(0) <= at - found[0] < self.fresh_for:
            return None
        return found[1]

    def keep(self, subdomain: str, at: datetime, html: bytes) -> None:
        if self.fresh_for <= timedelta(0):
            return
        if len(self._pages) >= MAX_PAGES:
            self._pages.clear()
        self._pages[subdomain.lower()] = (at, html)


class ServeRendered:
    """Answers a fresh page's GET before FastAPI routes it (from the app's `rendered_pages`);
    everything else passes."""

    def __init__(self, app: ASGIApp, label: str) -> None:
        self.app = app
        self.route = RouteLabel(label)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in ("GET", "HEAD"):
            match = _PAGE_PATH.match(scope["path"])
            pages: RenderedPages = scope["app"].state.rendered_pages
            html = pages.fresh(match.group(1), clock.now()) if match else None
            if html is not None:
                scope["route"] = self.route
                length = (b"content-length", str(len(html)).encode())
                await send(
                    {"type": "http.response.start", "status": 200, "headers": [*HEADERS, length]}
                )
                body = html if scope["method"] == "GET" else b""
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)
