"""Operations endpoints: health and Prometheus metrics (no authentication, nothing tenant-specific)."""

from fastapi import APIRouter, Request
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from starlette.responses import Response

from vigil.api.observability import metrics_payload
from vigil.api.responses import FastJSONResponse

router = APIRouter(tags=["Operations"])


@router.get("/healthz", summary="Liveness and database reachability")
def healthz(request: Request) -> Response:
    try:
        with request.app.state.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        return FastJSONResponse(
            {"status": "unavailable", "database": type(error).__name__}, status_code=503
        )
    return FastJSONResponse({"status": "ok", "database": "ok"})


@router.get("/metrics", summary="Prometheus metrics")
def metrics() -> Response:
    payload, content_type = metrics_payload()
    return Response(payload, media_type=content_type)
