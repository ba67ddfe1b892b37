"""The HTTP application: every dialect's routes, error handling and telemetry around them."""

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread as to_thread
from fastapi import FastAPI

from vigil.api import feeds, ops
from vigil.api.body_limit import BodyLimit
from vigil.api.errors import install_error_handlers
from vigil.api.incipulse import incidents as incipulse_incidents
from vigil.api.incipulse import maintenance as incipulse_maintenance
from vigil.api.instatus import components as instatus_components
from vigil.api.instatus import incidents as instatus_incidents
from vigil.api.instatus import maintenances as instatus_maintenances
from vigil.api.instatus import pages as instatus_pages
from vigil.api.native import maintenance_calendar, maintenance_windows
from vigil.api.observability import RequestTelemetry
from vigil.api.prodmanager import maintenance as prodmanager_maintenance
from vigil.api.prodmanager import scopes as prodmanager_scopes
from vigil.api.prodmanager import services as prodmanager_services
from vigil.api.rate_limits import RateLimiter
from vigil.api.responses import FastJSONResponse
from vigil.api.shortcut import Shortcut
from vigil.api.victorops import (
    alerts,
    contact_methods,
    incidents,
    maintenance_mode,
    oncall,
    oncall_log,
    overrides,
    paging_policies,
    paging_values,
    policies,
    reporting,
    rotations,
    routing_keys,
    teams,
    users,
    webhooks,
)
from vigil.api.victorops.integration import ROUTE, AlertIntegration
from vigil.config import Settings, get_settings
from vigil.db import is_sqlite, make_engine, make_session_factory
from vigil.engine.handlers import build_worker
from vigil.heap import settle_heap
from vigil.web import ack, status_feeds, status_page, status_subscriptions
from vigil.web.rendered_pages import RenderedPages, ServeRendered


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPI(
        title="Vigil",
        summary="On-call, incidents and maintenance; speaks the VictorOps public API.",
        version="0.1.0",
        default_response_class=FastJSONResponse,
        strict_content_type=False,
        lifespan=_embedded_worker,
    )
    app.state.settings = settings
    app.state.engine = make_engine(
        settings.database_url, settings.db_pool_size, settings.db_pool_timeout
    )
    app.state.sessions = make_session_factory(app.state.engine)
    install_error_handlers(app)
    integration = AlertIntegration(app.state.sessions)
    app.add_middleware(Shortcut, prefix="/integrations/", target=integration, label=ROUTE)
    app.state.rendered_pages = RenderedPages(settings.status_page_cache_seconds)
    app.state.rate_limiter = RateLimiter.from_settings(settings)
    app.add_middleware(ServeRendered, label="/status/{subdomain}")
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(RequestTelemetry)
    app.include_router(ops.router)
    app.include_router(ack.router)
    app.include_router(status_page.router)
    app.include_router(status_feeds.router)
    app.include_router(status_subscriptions.router)
    # Fixed paths before parameterised ones: /policies/types/* must not match /policies/{policy}.
    for module in (
        paging_values,
        users,
        teams,
        contact_methods,
        paging_policies,
        incidents,
        alerts,
        routing_keys,
        maintenance_mode,
        reporting,
        webhooks,
        policies,
        rotations,
        oncall,
        overrides,
        oncall_log,
        feeds,
        maintenance_calendar,
        maintenance_windows,
        instatus_pages,
        instatus_components,
        instatus_maintenances,
        instatus_incidents,
        incipulse_maintenance,  # /api/maintenance/status before Prod Manager's /api/maintenance/{id}
        incipulse_incidents,
        prodmanager_scopes,
        prodmanager_services,
        prodmanager_maintenance,  # after Incipulse: its /api/maintenance/status comes first
    ):
        app.include_router(module.router)
    return app


@asynccontextmanager
async def _embedded_worker(app: FastAPI) -> AsyncIterator[None]:
    """On SQLite (or when asked) the engine runs in a thread of the server process."""
    settings: Settings = app.state.settings
    to_thread.current_default_thread_limiter().total_tokens = settings.request_threads
    settle_heap()
    wanted = settings.embedded_worker
    if wanted is None:
        wanted = is_sqlite(settings.database_url)
    if not wanted:
        yield
        return
    stop = threading.Event()
    worker = build_worker(app.state.sessions)
    thread = threading.Thread(target=worker.run_forever, args=(stop,), name="vigil-engine")
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=10)


def app_from_environment() -> FastAPI:
    """Factory for uvicorn (`vigil.api.app:app_from_environment`), reading VIGIL_* variables."""
    return create_app()
