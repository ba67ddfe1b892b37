"""The HTTP application: every dialect's routes, error handling and telemetry around them."""

from fastapi import FastAPI

from vigil.api import ops
from vigil.api.body_limit import BodyLimit
from vigil.api.errors import install_error_handlers
from vigil.api.observability import RequestTelemetry
from vigil.api.responses import FastJSONResponse
from vigil.api.victorops import contact_methods, paging_values, teams, users
from vigil.config import Settings, get_settings
from vigil.db import make_engine, make_session_factory


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPI(
        title="Vigil",
        summary="On-call, incidents and maintenance; speaks the VictorOps public API.",
        version="0.1.0",
        default_response_class=FastJSONResponse,
        strict_content_type=False,
    )
    app.state.settings = settings
    app.state.engine = make_engine(settings.database_url, settings.db_pool_size)
    app.state.sessions = make_session_factory(app.state.engine)
    install_error_handlers(app)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(RequestTelemetry)
    app.include_router(ops.router)
    # Fixed paths before parameterised ones: /policies/types/* must not match /policies/{policy}.
    for module in (paging_values, users, teams, contact_methods):
        app.include_router(module.router)
    return app


def app_from_environment() -> FastAPI:
    """Factory for uvicorn (`vigil.api.app:app_from_environment`), reading VIGIL_* variables."""
    return create_app()
