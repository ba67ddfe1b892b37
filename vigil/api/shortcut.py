"""Hand one path prefix straight to a bare ASGI app, before FastAPI matches its routes.

The alert endpoint is the hot path: matching it against every API route first cost about a
sixth of its CPU. Telemetry and the body limit still wrap it (they are outer middleware).
"""

from dataclasses import dataclass

from starlette.types import ASGIApp, Receive, Scope, Send


@dataclass(frozen=True)
class RouteLabel:
    """What metrics and logs name the route by (they read `scope["route"].path`)."""

    path: str


class Shortcut:
    def __init__(self, app: ASGIApp, prefix: str, target: ASGIApp, label: str) -> None:
        self.app = app
        self.prefix = prefix
        self.target = target
        self.route = RouteLabel(label)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(self.prefix):
            scope["route"] = self.route
            await self.target(scope, receive, send)
        else:
            await self.app(scope, receive, send)
