"""Every error leaves as JSON with a message saying what is wrong, never as an HTML page or a 500 trace."""

import logging
from collections.abc import Callable, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException
from starlette.responses import Response

from vigil.api.responses import json_error
from vigil.errors import Conflict, DomainError, Invalid, NotFound, WrongState

log = logging.getLogger("vigil.api")

STATUS_BY_ERROR: dict[type[DomainError], int] = {
    NotFound: 404,
    Conflict: 422,
    WrongState: 409,
    Invalid: 400,
}


EXTRA_HEADERS = "extra_headers"
"""The `request.state` attribute holding headers that every answer to the request carries,
errors included (Prod Manager's X-RateLimit-*, set by the dependency that counted it)."""

ErrorFormatter = Callable[[int, str], Response]
"""Turns a status and a message into a dialect's own error body."""

ERROR_FORMATS: dict[str, ErrorFormatter] = {}
"""Path prefix -> formatter, for dialects whose errors have their own shape (Instatus under
`/v1/`); any other path answers `{"error": message}`."""


def register_error_format(prefix: str, formatter: ErrorFormatter) -> None:
    """Every error under `prefix` (validation, domain, HTTP, conflicts, 500) leaves through
    `formatter`."""
    ERROR_FORMATS[prefix] = formatter


def error_response(request: Request, status: int, message: str) -> Response:
    """The error in the format of the longest registered prefix of the path: Incipulse's
    `/api/maintenance/status` wins over Prod Manager's `/api/maintenance`."""
    path = request.url.path
    matching = [prefix for prefix in ERROR_FORMATS if path.startswith(prefix)]
    if matching:
        response = ERROR_FORMATS[max(matching, key=len)](status, message)
    else:
        response = json_error(status, message)
    response.headers.update(getattr(request.state, EXTRA_HEADERS, None) or {})
    return response


def status_of(error: DomainError) -> int:
    """The status of the nearest mapped class: a Conflict subclass answers as a Conflict."""
    for kind in type(error).__mro__:
        if kind in STATUS_BY_ERROR:
            return STATUS_BY_ERROR[kind]
    return 400


def describe_validation_errors(errors: Sequence[Any]) -> str:
    """One readable sentence from pydantic's error list, naming each field as the client sent it."""
    parts = []
    for error in errors:
        if error.get("type") == "json_invalid":
            return (
                f"Request body is not valid JSON: {error.get('ctx', {}).get('error', '')}".strip()
            )
        location = [str(part) for part in error.get("loc", ()) if part not in ("body", "query")]
        field = ".".join(location)
        message = error.get("msg", "is not valid")
        parts.append(f"{field}: {message}" if field else message)
    return "; ".join(parts) or "Request is not valid"


def install_error_handlers(app: FastAPI) -> None:
    async def domain_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, DomainError)
        return error_response(request, status_of(error), error.message)

    async def validation_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, RequestValidationError)
        if any(e.get("loc", ("",))[0] == "path" for e in error.errors()):
            return error_response(request, 404, "Not Found")
        return error_response(request, 400, describe_validation_errors(error.errors()))

    async def http_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, HTTPException)
        response = error_response(request, error.status_code, str(error.detail))
        if error.headers:
            response.headers.update(error.headers)
        return response

    async def integrity_error(request: Request, error: Exception) -> Response:
        log.info("integrity error turned into 409", extra={"error": str(error)})
        return error_response(
            request, 409, "The change conflicts with data stored meanwhile; retry it"
        )

    async def unexpected_error(request: Request, error: Exception) -> Response:
        log.exception("unexpected error", exc_info=error)
        return error_response(request, 500, "Internal error; it has been logged")

    for error_type in STATUS_BY_ERROR:
        app.add_exception_handler(error_type, domain_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(IntegrityError, integrity_error)
    app.add_exception_handler(Exception, unexpected_error)
