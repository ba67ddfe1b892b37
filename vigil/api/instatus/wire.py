"""Instatus v1 on the wire: error bodies, instants, pagination, request bodies and the JSON
objects answered (pages, components, maintenances and their updates, incidents and theirs).

Ids are the models' string keys (`ck...` for pages, components, incidents and incident
updates; `mw-...` for maintenances); a maintenance update's id is its timeline event's number.
Instants leave as ISO 8601 in UTC with milliseconds and `Z` ("2020-09-13T18:38:58.326Z") and
come in the same way or as Instatus' own examples write them ("2020-09-12 05:38:47.998", no
zone: UTC).
"""

import html
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from vigil.api.errors import register_error_format
from vigil.api.responses import FastJSONResponse
from vigil.errors import Invalid
from vigil.maintenance.models import MaintenanceWindowEvent
from vigil.statuspages.incidents import IncidentView
from vigil.statuspages.models import (
    Component,
    ComponentGroup,
    StatusIncidentUpdate,
    StatusPage,
)
from vigil.statuspages.pages import page_url
from vigil.statuspages.publications import PageWindow, update_status

PREFIX = "/v1/"
ACTOR = "Instatus API"
"""Who a window's timeline names for changes made through this dialect."""
DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 100
ERROR_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    422: "unprocessable_entity",
    429: "too_many_requests",
    500: "internal_server_error",
}


def error(status: int, message: str) -> Response:
    """Instatus' error body: `{"error": {"code": "forbidden", "message": "Not authorized"}}`."""
    code = ERROR_CODES.get(status, "error")
    return FastJSONResponse({"error": {"code": code, "message": message}}, status_code=status)


register_error_format(PREFIX, error)

ERROR_EXAMPLE = {"error": {"code": "not_found", "message": "No status page ck..."}}


class ErrorDetail(BaseModel):
    code: str
    message: str


class ErrorOut(BaseModel):
    error: ErrorDetail


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries of the errors a route may answer (401 always)."""
    described = {
        400: "Bad input: the message says what is wrong",
        401: "Missing or unknown API key (Authorization: Bearer <key>)",
        403: "The API key is read-only",
        404: "No such page (of this organization), or no such item on it",
        409: "Not in a state that allows this",
        422: "Conflicts with what is stored (a subdomain taken)",
    }
    return {code: {"model": ErrorOut, "description": described[code]} for code in (401, *codes)}


# --- values in ------------------------------------------------------------------------------


def instant(text: str, name: str) -> datetime:
    """An instant from ISO 8601 (with `Z` or an offset) or Instatus' "2020-09-12 05:38:47.998"
    (no zone: UTC); aware, in UTC."""
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError:
        raise Invalid(
            f"{name} must be a date and time such as 2020-09-12T05:38:47.998Z or"
            f" 2020-09-12 05:38:47.998 (UTC); got {text!r}"
        ) from None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def pagination(page: str | None, per_page: str | None) -> tuple[int, int]:
    """(offset, limit) from `page` (default 1) and `per_page` (default 50, at most 100)."""
    number = _whole(page, "page", 1)
    size = _whole(per_page, "per_page", DEFAULT_PER_PAGE)
    if number < 1:
        raise Invalid("page starts at 1")
    if not 1 <= size <= MAX_PER_PAGE:
        raise Invalid(f"per_page is from 1 to {MAX_PER_PAGE}")
    return (number - 1) * size, size


def _whole(text: str | None, name: str, default: int) -> int:
    if text is None or text == "":
        return default
    if not text.strip().isdigit() or len(text.strip()) > 9:
        raise Invalid(f"{name} must be a whole number; got {text!r}")
    return int(text)


Translations = dict[str, dict[str, str]]
Name = Annotated[str, Field(max_length=300)]
Message = Annotated[str, Field(max_length=20_000)]
Key = Annotated[str, Field(min_length=1, max_length=40)]


def translations_of(translations: Translations | None, field: str) -> Translations | None:
    """The part of a body's `translations` for one field (`{"message": {"fr": ...}}`), None
    when it sends none for it: one body carries the translations of several objects."""
    if translations is None or field not in translations:
        return None
    return {field: translations[field]}


class StatusOf(BaseModel):
    """A component and the status to give it (`statuses: [{id, status}]`)."""

    model_config = ConfigDict(extra="ignore")

    id: Key
    status: Annotated[str, Field(max_length=40)]


def statuses_of(
    components: Sequence[str] | None, statuses: Sequence[StatusOf] | None, default: str
) -> dict[str, str] | None:
    """Component id → status: each listed component gets its `statuses` entry, else
    `default`; None when neither is given."""
    if components is None and statuses is None:
        return None
    given = {entry.id: entry.status for entry in statuses or ()}
    wanted = {key: given.get(key, default) for key in components or ()}
    return wanted | given


class PageIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: Annotated[str, Field(max_length=200)]
    subdomain: Annotated[str, Field(max_length=63)]
    components: list[Annotated[str, Field(max_length=200)]] | None = Field(
        default=None, description="Names of components to make on the new page"
    )
    language: str | None = None
    timezone: str | None = None
    brandColor: str | None = None
    logoUrl: str | None = None
    publicEmail: str | None = None


class ComponentIn(BaseModel):
    """Create and update share it; on update only the fields sent change."""

    model_config = ConfigDict(extra="ignore")

    name: Annotated[str, Field(max_length=200)] | None = None
    description: Annotated[str, Field(max_length=5000)] | None = None
    status: str | None = None
    order: int | None = None
    showUptime: bool | None = None
    grouped: bool | None = None
    group: Annotated[str, Field(max_length=200)] | None = None
    archived: bool | None = None
    translations: Translations | None = None


class MaintenanceIn(BaseModel):
    """Create and update share it; on update only the fields sent change."""

    model_config = ConfigDict(extra="ignore")

    name: Name | None = None
    message: Message | None = None
    components: list[Key] | None = None
    start: str | None = None
    end: str | None = None
    duration: Annotated[int, Field(gt=0, le=60 * 24 * 366)] | None = Field(
        default=None, description="Minutes (when no end is given)"
    )
    status: str | None = None
    notify: bool | None = None
    notifyStart: bool | None = None
    notifyEnd: bool | None = None
    notifyEarly: bool | None = None
    notifyMinutes: Annotated[int, Field(gt=0, le=60 * 24 * 60)] | None = None
    autoStart: bool | None = None
    autoEnd: bool | None = None
    statuses: list[StatusOf] | None = None
    translations: Translations | None = None


class UpdateIn(BaseModel):
    """A maintenance or incident update."""

    model_config = ConfigDict(extra="ignore")

    message: Message | None = None
    status: str | None = None
    notify: bool | None = None
    translations: Translations | None = None


class IncidentIn(BaseModel):
    """Create and update share it; on update only the fields sent change."""

    model_config = ConfigDict(extra="ignore")

    name: Name | None = None
    message: Message | None = None
    components: list[Key] | None = None
    started: str | None = None
    status: str | None = None
    notify: bool | None = None
    statuses: list[StatusOf] | None = None
    translations: Translations | None = None
    vigilIncident: int | None = Field(
        default=None, ge=1, description="Vigil extension: the paging incident's number behind it"
    )


# --- objects out ----------------------------------------------------------------------------


def iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    moment = moment.astimezone(UTC)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond // 1000:03d}Z"


def message_html(message: str) -> str:
    paragraphs = [p for p in message.replace("\r\n", "\n").split("\n\n") if p.strip()]
    return "".join(
        "<p>" + html.escape(p.strip()).replace("\n", "<br>") + "</p>" for p in paragraphs
    )


def site_json(page: StatusPage) -> dict[str, Any]:
    return {
        "id": page.key,
        "name": page.name,
        "subdomain": page.subdomain,
        "color": page.color,
        "logoUrl": page.logo_url,
        "publicEmail": page.public_email,
    }


def page_json(page: StatusPage, base_url: str) -> dict[str, Any]:
    return {
        **site_json(page),
        "brandColor": page.color,
        "language": page.language,
        "timezone": page.zone,
        "url": page_url(page, base_url),
        "createdAt": iso(page.created_at),
    }


def component_json(
    component: Component, group: ComponentGroup | None, status: str | None = None
) -> dict[str, Any]:
    """A component; `status` is what it shows now (its own status when not given)."""
    return {
        "id": component.key,
        "name": component.name,
        "description": component.description,
        "status": status or component.status,
        "showUptime": component.show_uptime,
        "order": component.position,
        "grouped": group is not None,
        "group": {"id": group.key, "name": group.name} if group is not None else None,
        "archived": component.archived,
        "uniqueEmail": None,
        "translations": component.translations or {},
    }


def affected_json(component: Component, page: StatusPage) -> dict[str, Any]:
    """A component as maintenances and incidents list it, with its site."""
    return {
        "id": component.key,
        "name": component.name,
        "status": component.status,
        "showUptime": component.show_uptime,
        "site": site_json(page),
    }


def maintenance_update_json(event: MaintenanceWindowEvent) -> dict[str, Any]:
    details: Mapping[str, Any] = event.details or {}
    return {
        "id": str(event.id),
        "message": event.body,
        "messageHtml": message_html(event.body),
        "status": update_status(event),
        "notify": bool(details.get("notify", False)),
        "started": iso(event.at),
        "ended": None,
        "duration": None,
        "createdAt": iso(event.at),
        "translations": details.get("translations") or {},
    }


def maintenance_json(shown: PageWindow, page: StatusPage) -> dict[str, Any]:
    window, current, publication = shown.window, shown.current, shown.publication
    start = current.actual_start or current.planned_start
    end = current.actual_end or current.planned_end
    early = max(window.reminders, default=None)  # Instatus sets one (`notifyMinutes`)
    translations = publication.translations if publication is not None else {}
    return {
        "id": window.key,
        "name": window.title,
        "message": window.description,
        "status": shown.status,
        "start": iso(start),
        "end": iso(end),
        "duration": window.duration_seconds // 60,
        "notifyStart": publication.notify_start if publication is not None else False,
        "notifyEnd": publication.notify_end if publication is not None else False,
        "notifyEarly": early is not None,
        "notifyMinutes": early,
        "autoStart": window.auto_start,
        "autoEnd": window.auto_end,
        "updates": [maintenance_update_json(event) for event in shown.updates],
        "components": [affected_json(c, page) for c, _ in shown.components],
        "statuses": [{"id": c.key, "status": status} for c, status in shown.components],
        "translations": translations or {},
    }


def incident_update_json(update: StatusIncidentUpdate) -> dict[str, Any]:
    return {
        "id": update.key,
        "message": update.message,
        "messageHtml": message_html(update.message),
        "status": update.status,
        "notify": update.notify,
        "started": iso(update.created_at),
        "ended": None,
        "duration": None,
        "createdAt": iso(update.created_at),
        "translations": update.translations or {},
    }


def incident_json(view: IncidentView, page: StatusPage) -> dict[str, Any]:
    incident = view.incident
    return {
        "id": incident.key,
        "name": incident.name,
        "status": incident.status,
        "started": iso(incident.started_at),
        "resolved": iso(incident.resolved_at),
        "updates": [incident_update_json(update) for update in view.updates],
        "components": [affected_json(c, page) for c, _ in view.components],
        "statuses": [{"id": c.key, "status": status} for c, status in view.components],
        "translations": incident.translations or {},
        **({"vigilIncident": view.paging_number} if view.paging_number is not None else {}),
    }
