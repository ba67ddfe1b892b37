"""Rendered public status pages, kept for a few seconds and served again without FastAPI.

A status page is read far more than it changes, by everyone at once when something breaks.
Each process keeps each page's HTML for `status_page_cache_seconds` (clock time, so tests that
move the clock age it too); within that time `ServeRendered`, a bare ASGI layer in front of
the routes, answers `GET /status/{subdomain}` from it, and the route renders only when the
copy is missing or old. Readers see a change within those seconds.

Readers are often on a phone on a bad network just then, so a page is answered gzipped to
clients that accept it; it is compressed once, when rendered, and kept that way too.
"""

import gzip
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from starlette.types import ASGIApp, Receive, Scope, Send

from vigil import clock
from vigil.api.shortcut import RouteLabel

MAX_PAGES = 1_000
GZIP_LEVEL = 6
_PAGE_PATH = re.compile(r"^/status/([A-Za-z0-9-]{1,63})/?$")
HEADERS = [
    (b"content-type", b"text/html; charset=utf-8"),
    (b"cache-control", b"no-cache"),
    (b"vary", b"accept-encoding"),
]
GZIPPED = (b"content-encoding", b"gzip")


@dataclass(frozen=True, eq=False)
class Rendered:
    """A page's HTML as rendered at `at`, and gzipped."""

    at: datetime
    html: bytes
    gzipped: bytes

    @classmethod
    def of(cls, html: bytes, at: datetime) -> "Rendered":
        return cls(at, html, gzip.compress(html, GZIP_LEVEL, mtime=0))

    def body(self, gzip_ok: bool) -> bytes:
        return self.gzipped if gzip_ok else self.html

    def headers(self, gzip_ok: bool) -> list[tuple[bytes, bytes]]:
        """The response's headers, content-length included."""
        length = (b"content-length", str(len(self.body(gzip_ok))).encode())
        return [*HEADERS, GZIPPED, length] if gzip_ok else [*HEADERS, length]


def accepts_gzip(accept_encoding: str | bytes | None) -> bool:
    """Whether an Accept-Encoding header allows gzip (RFC 9110 12.5.3: named with a nonzero
    q, or not named while `*` has a nonzero q)."""
    if not accept_encoding:
        return False
    if isinstance(accept_encoding, bytes):
        accept_encoding = accept_encoding.decode("latin-1")
    wildcard = False
    for item in accept_encoding.lower().split(","):
        coding, _, params = item.partition(";")
        coding = coding.strip()
        if coding in ("gzip", "x-gzip"):
            return _weight(params) > 0
        if coding == "*":
            wildcard = _weight(params) > 0
    return wildcard


def _weight(params: str) -> float:
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip() == "q":
            try:
                return float(value.strip())
            except ValueError:
                return 0.0
    return 1.0


def _header(headers: Iterable[tuple[bytes, bytes]], name: bytes) -> bytes | None:
    for key, value in headers:
        if key == name:
            return value
    return None


class RenderedPages:
    """Each page's latest rendering by subdomain."""

    def __init__(self, seconds: float) -> None:
        self.fresh_for = timedelta(seconds=seconds)
        self._pages: dict[str, Rendered] = {}

    def fresh(self, subdomain: str, at: datetime) -> Rendered | None:
        found = self._pages.get(subdomain.lower())
        if found is None or not timedelta(0) <= at - found.at < self.fresh_for:
            return None
        return found

    def keep(self, subdomain: str, page: Rendered) -> None:
        if self.fresh_for <= timedelta(0):
            return
        if len(self._pages) >= MAX_PAGES:
            self._pages.clear()
        self._pages[subdomain.lower()] = page


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
            page = pages.fresh(match.group(1), clock.now()) if match else None
            if page is not None:
                scope["route"] = self.route
                gzip_ok = accepts_gzip(_header(scope["headers"], b"accept-encoding"))
                await send(
                    {"type": "http.response.start", "status": 200, "headers": page.headers(gzip_ok)}
                )
                body = page.body(gzip_ok) if scope["method"] == "GET" else b""
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)
