"""Prod Manager on the wire: error bodies, pagination (query and headers), form values, dates
and the JSON objects answered (scopes, services, maintenances and their events).

Dates come in and leave as Prod Manager's `YYYY-MM-DDTHH:MM`, in UTC (seconds are accepted
in and dropped out). Ids are integers: a scope's or service's row id, a maintenance's window
id. Values a maintenance does not have (no external reference, not started yet) are left out
of its object rather than sent as null, which Prod Manager's OpenAPI document does not allow.

Errors: `{"message": "...", "reasons": {"<field>": ["..."]}}` for 400, 401, 404 and 409 (a
message part `field: text` becomes a reason of that field), 403 as plain text, as Prod Manager
answers them. Prod Manager has no 422: Vigil's "conflicts with what is stored" (a name taken)
answers 409.
"""

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from fastapi import Request
from pydantic import BaseModel
from starlette.responses import PlainTextResponse, Response

from vigil.api.errors import register_error_format
from vigil.api.responses import FastJSONResponse, json_error
from vigil.errors import Invalid
from vigil.maintenance.models import MaintenanceWindowEvent
from vigil.statuspages.models import Scope, Service
from vigil.statuspages.services import Maintenance

PREFIXES = (
    "/api/scope",
    "/api/service",
    "/api/weather",
    "/api/maintenance",
    "/api/maintenance/create",
    *(f"/api/maintenance/{digit}" for digit in "0123456789"),
)
"""Paths answering in this dialect. The longest registered prefix of a path wins: under
`/api/maintenance/`, shared with Incipulse (whose `/api/maintenance/status` is its own), only
`create` and numeric ids are Prod Manager's; any other path there keeps Vigil's own error
shape (`SHARED`)."""
SHARED = "/api/maintenance/"
ACTOR = "Prod Manager API"
"""Who a window's timeline names for changes made through this dialect."""
DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 50
DATE_FORMAT = "%Y-%m-%dT%H:%M"
UNEXPECTED = "Internal error; it has been logged"
_REASON = re.compile(r"^([a-z_]+): (.+)$", re.DOTALL)


def error(status: int, message: str) -> Response:
    """Prod Manager's error: JSON with per-field reasons; 403 in plain text."""
    if status == 403:
        return PlainTextResponse(message, status_code=403)
    if status == 422:
        status = 409
    if status >= 500:
        message = UNEXPECTED
    reasons: dict[str, list[str]] = {}
    for part in message.split("; "):
        found = _REASON.match(part.strip())
        if found:
            reasons.setdefault(found.group(1), []).append(found.group(2))
    return FastJSONResponse({"message": message, "reasons": reasons}, status_code=status)


for _prefix in PREFIXES:
    register_error_format(_prefix, error)
register_error_format(SHARED, json_error)


class ErrorOut(BaseModel):
    message: str
    reasons: dict[str, list[str]]


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries of the errors a route may answer."""
    described = {
        400: "Bad input: the message and reasons say what is wrong",
        401: "Invalid token, or anonymous read on a deployment of several organizations",
        403: "A read-only API key (plain text)",
        404: "No such resource in this organization",
        409: "A name taken, or not in a state that allows this",
    }
    entries: dict[int | str, dict[str, Any]] = {}
    for code in codes:
        if code == 403:
            entries[code] = {"content": {"text/plain": {}}, "description": described[code]}
        else:
            entries[code] = {"model": ErrorOut, "description": described[code]}
    return entries


# --- values in --------------------------------------------------------------------------------


class Problems:
    """Collects what is wrong with a form, field by field, to refuse it once (400)."""

    def __init__(self) -> None:
        self.found: list[str] = []

    def add(self, name: str, text: str) -> None:
        self.found.append(f"{name}: {text}")

    def check(self) -> None:
        if self.found:
            raise Invalid("; ".join(self.found))


def whole(text: str | None, name: str, problems: Problems) -> int | None:
    """A positive integer (an id), None when not given."""
    if text is None or not text.strip():
        return None
    value = text.strip()
    if not value.isdigit() or len(value) > 9 or int(value) < 1:
        problems.add(name, f"must be a positive whole number, got {text!r}")
        return None
    return int(value)


def date(text: str | None, name: str, problems: Problems) -> datetime | None:
    """`YYYY-MM-DDTHH:MM` (or with seconds) in UTC, aware; None when not given."""
    if text is None or not text.strip():
        return None
    value = text.strip()
    for layout in (DATE_FORMAT, "%Y-%m-%dT%H:%M:%S"):
        try:
            return datetime.strptime(value, layout).replace(tzinfo=UTC)
        except ValueError:
            continue
    problems.add(name, f"must be a date and time as YYYY-MM-DDTHH:MM (UTC), got {text!r}")
    return None


def url(text: str | None, name: str, problems: Problems) -> str | None:
    """An http(s) URL (Prod Manager: "Should be a valid URL"); "" clears it."""
    if text is None:
        return None
    value = text.strip()
    if value and not re.match(r"^https?://[^\s/?#]+\.?[^\s]*$", value, re.IGNORECASE):
        problems.add(name, f"must be a valid http(s) URL, got {text!r}")
        return None
    if len(value) > 2000:
        problems.add(name, "must be at most 2000 characters")
        return None
    return value


def flag(text: str | None, name: str, problems: Problems) -> bool:
    """Prod Manager's 0/1 (true/false, yes/no, on/off taken too); not given: False."""
    if text is None or not text.strip():
        return False
    value = text.strip().lower()
    if value in ("1", "true", "yes", "on", "y"):
        return True
    if value in ("0", "false", "no", "off", "n"):
        return False
    problems.add(name, f"must be 0 or 1, got {text!r}")
    return False


def pagination(request: Request) -> tuple[int, int, int]:
    """(page, per_page, offset) from `page` (default 1) and `per_page` (default 20, 1 to 50)."""
    problems = Problems()
    page = _positive(request.query_params.get("page"), "page", 1, problems)
    size = _positive(request.query_params.get("per_page"), "per_page", DEFAULT_PER_PAGE, problems)
    if size > MAX_PER_PAGE:
        problems.add("per_page", f"must be at most {MAX_PER_PAGE}, got {size}")
    problems.check()
    return page, size, (page - 1) * size


def _positive(text: str | None, name: str, default: int, problems: Problems) -> int:
    if text is None or text == "":
        return default
    value = text.strip()
    if not value.isdigit() or len(value) > 9 or int(value) < 1:
        problems.add(name, f"must be a whole number from 1, got {text!r}")
        return default
    return int(value)


def page_headers(response: Response, page: int, per_page: int, total: int) -> None:
    """Prod Manager's pagination headers; `None` (the string) where there is no such page."""
    pages = -(-total // per_page)
    response.headers["x-page"] = str(page)
    response.headers["x-per-page"] = str(per_page)
    response.headers["x-total"] = str(total)
    response.headers["x-total-pages"] = str(pages)
    response.headers["x-next-page"] = str(page + 1) if page < pages else "None"
    response.headers["x-prev-page"] = str(page - 1) if page > 1 else "None"


def repeated(request: Request, name: str) -> list[str]:
    """Every value of a repeatable query filter (`?status=a&status=b`), blanks dropped."""
    return [value.strip() for value in request.query_params.getlist(name) if value.strip()]


def ids(values: Sequence[str], name: str, problems: Problems) -> list[int]:
    found = [whole(value, name, problems) for value in values]
    return [value for value in found if value is not None]


# --- objects out ------------------------------------------------------------------------------


def text_date(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return f"{moment.astimezone(UTC):{DATE_FORMAT}}"


def api_url(base_url: str, path: str) -> str:
    return f"{base_url.rstrip('/')}/api{path}"


NO_MONITORS = {"ok": 0, "warning": 0, "alert": 0}
"""Vigil has no Prod Manager monitors: every scope and service counts none."""


def place_json(place: Scope | Service, maintenances: int, base_url: str) -> dict[str, Any]:
    """A scope or a service (their objects share a shape)."""
    kind = "scope" if isinstance(place, Scope) else "service"
    return {
        "id": place.id,
        "name": place.name,
        "description": place.description,
        "monitors_count": dict(NO_MONITORS),
        "incidents_count": 0,
        "maintenances_count": maintenances,
        "links": {
            "self": api_url(base_url, f"/{kind}/{place.id}"),
            "monitors": api_url(base_url, f"/monitor?{kind}={place.id}"),
            "incidents": api_url(base_url, f"/incident?{kind}={place.id}"),
            "maintenances": api_url(base_url, f"/maintenance?{kind}={place.id}"),
        },
    }


def maintenance_json(
    maintenance: Maintenance,
    base_url: str,
    events: Sequence[MaintenanceWindowEvent] | None = None,
) -> dict[str, Any]:
    """A maintenance; with `events` when given (the single-maintenance answer)."""
    window, occurrence, link = maintenance.window, maintenance.occurrence, maintenance.link
    found: dict[str, Any] = {
        "id": window.id,
        "name": window.title,
        "description": window.description,
        "external_reference": window.external_ref,
        "external_link": window.external_link,
        "status": maintenance.status,
        "service_status": link.service_status,
        "scope": link.scope_id,
        "service": link.service_id,
        "creation_date": text_date(window.created_at),
        "scheduled_start_date": text_date(occurrence.planned_start),
        "scheduled_end_date": text_date(occurrence.planned_end),
        "start_date": text_date(occurrence.actual_start),
        "end_date": text_date(occurrence.actual_end),
    }
    found = {name: value for name, value in found.items() if value is not None}
    if events is not None:
        found["events"] = [event_json(event) for event in events]
    found["links"] = {
        "self": api_url(base_url, f"/maintenance/{window.id}"),
        "scope": api_url(base_url, f"/scope/{link.scope_id}"),
        "service": api_url(base_url, f"/service/{link.service_id}"),
        "calendar": api_url(base_url, f"/maintenance/{window.id}/calendar"),
    }
    return found


EVENT_TYPES = {"created": "create", "update": "comment", "comment": "comment"}
"""Timeline kinds → Prod Manager event types; any other change is an `update`."""


def event_json(event: MaintenanceWindowEvent) -> dict[str, Any]:
    return {
        "creation_date": text_date(event.at),
        "type": EVENT_TYPES.get(event.kind, "update"),
        "content": event.body or _describe(event),
        "internal": not event.public,
    }


FIELD_NAMES = {
    "title": "name",
    "externalRef": "external_reference",
    "externalLink": "external_link",
    "start": "scheduled_start_date",
    "durationSeconds": "scheduled_end_date",
}
"""The window's audited fields by Prod Manager's names (a new duration is a new end)."""


def _describe(event: MaintenanceWindowEvent) -> str:
    if event.kind == "created":
        return "Maintenance created"
    changed = sorted({FIELD_NAMES.get(name, name) for name in event.details or {}})
    if event.kind == "updated" and changed:
        return "Changed: " + ", ".join(changed)
    return f"Maintenance {event.kind}"
