"""Incipulse on the wire: the envelope every answer wears, the request body (field names
PascalCase, accepted in any case), instants, and the status and impact vocabularies. Instants
leave as `vigil.clock.rfc3339` writes them (2023-11-01T02:00:00Z).

Every answer, errors included, is `{"Success": bool, "Result": <payload or null>, "Message":
"text"}`. Ids are Vigil's string keys: a maintenance's is its window's (`mw-...`), an
incident's its public incident's (`ck...`).
"""

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator
from starlette.responses import Response

from vigil.api.errors import register_error_format
from vigil.api.responses import FastJSONResponse
from vigil.errors import Invalid
from vigil.statuspages.models import COMPONENT_STATUSES, INCIDENT_STATUSES

PREFIXES = ("/api/admin/", "/api/maintenance/status")
"""Paths answering in this dialect. Only `/api/maintenance/status` of `/api/maintenance/`:
Prod Manager's maintenance API lives beside it."""
ACTOR = "Incipulse API"
"""Who a window's timeline names for changes made through this dialect."""
UNEXPECTED = "An unexpected error occurred."


def envelope(result: Any, message: str = "") -> dict[str, Any]:
    return {"Success": True, "Result": result, "Message": message}


def error(status: int, message: str) -> Response:
    """An error in the envelope: `{"Success": false, "Result": null, "Message": "..."}`."""
    text = UNEXPECTED if status >= 500 else message
    return FastJSONResponse({"Success": False, "Result": None, "Message": text}, status_code=status)


for _prefix in PREFIXES:
    register_error_format(_prefix, error)


class Envelope(BaseModel):
    Success: bool
    Result: Any = None
    Message: str


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries of the errors a route may answer (401 always)."""
    described = {
        400: "Bad input: Message says what is wrong",
        401: "Invalid or missing API key (X-API-KEY)",
        403: "The API key is read-only",
        404: "No incident or maintenance with this id",
        409: "Not in a state that allows this",
    }
    return {code: {"model": Envelope, "description": described[code]} for code in (401, *codes)}


# --- values in ------------------------------------------------------------------------------

Text = Annotated[str, Field(max_length=300)]
LongText = Annotated[str, Field(max_length=20_000)]
Key = Annotated[str, Field(max_length=40)]


class IncidentIn(BaseModel):
    """`POST` and `PUT /api/admin/Incident` and `ResolveIncident` share it; each reads the
    fields it needs. Field names are matched whatever their case (`title`, `TITLE`)."""

    model_config = ConfigDict(extra="ignore")

    IncidentId: Key | None = None
    Title: Text | None = None
    Type: Annotated[str, Field(max_length=40)] | None = None
    Description: LongText | None = None
    StartDate: Annotated[str, Field(max_length=60)] | None = None
    EndDate: Annotated[str, Field(max_length=60)] | None = None
    AffectedComponents: Annotated[list[Key], Field(max_length=500)] | None = None
    Status: Annotated[str, Field(max_length=40)] | None = None
    Impact: Annotated[str, Field(max_length=40)] | None = None
    IsNotify: bool | None = None

    @model_validator(mode="before")
    @classmethod
    def _any_case(cls, data: Any) -> Any:
        if not isinstance(data, Mapping):
            return data
        names = {name.lower(): name for name in cls.model_fields}
        return {names.get(str(key).lower(), key): value for key, value in data.items()}

    def is_maintenance(self) -> bool:
        kind = (self.Type or "Incident").strip().lower()
        if kind not in ("incident", "maintenance"):
            raise Invalid(f"Type must be Incident or Maintenance; got {self.Type!r}.")
        return kind == "maintenance"

    def title(self) -> str:
        if not self.Title or not self.Title.strip():
            raise Invalid("Title is required.")
        return self.Title.strip()

    def incident_id(self) -> str:
        if not self.IncidentId or not self.IncidentId.strip():
            raise Invalid("IncidentId is required.")
        return self.IncidentId.strip()


def instant(text: str | None, name: str) -> datetime:
    """An instant from ISO 8601 ("2023-11-01T02:00:00Z"; without an offset: UTC), aware UTC."""
    if not text or not text.strip():
        raise Invalid(f"{name} is required.")
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError:
        raise Invalid(
            f"{name} must be an ISO 8601 date and time in UTC such as 2023-11-01T02:00:00Z;"
            f" got {text!r}."
        ) from None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _squeezed(text: str) -> str:
    return "".join(ch for ch in text.upper() if ch.isalnum())


INCIDENT_STATUS_NAMES = ("Investigating", "Identified", "Monitoring", "Resolved")
IMPACT_NAMES = (
    "Operational",
    "Under Maintenance",
    "Degraded Performance",
    "Partial Outage",
    "Minor Outage",
    "Major Outage",
)
IMPACT_ALIASES = {"NONE": "OPERATIONAL", "DEGRADED": "DEGRADEDPERFORMANCE"}
MAINTENANCE_STATUSES = {
    "SCHEDULED": "NOTSTARTEDYET",
    "NOTSTARTEDYET": "NOTSTARTEDYET",
    "PLANNED": "NOTSTARTEDYET",
    "INPROGRESS": "INPROGRESS",
    "STARTED": "INPROGRESS",
    "COMPLETED": "COMPLETED",
    "COMPLETE": "COMPLETED",
    "RESOLVED": "COMPLETED",
}


def incident_status(text: str | None) -> str | None:
    """Investigating (any case and spacing) → INVESTIGATING; None stays None."""
    if text is None or not text.strip():
        return None
    status = _squeezed(text)
    if status not in INCIDENT_STATUSES:
        raise Invalid(
            f"Unknown Status {text!r}; expected one of {', '.join(INCIDENT_STATUS_NAMES)}."
        )
    return status


def impact(text: str | None, default: str) -> str:
    """Major Outage → MAJOROUTAGE: the status an incident gives its components."""
    if text is None or not text.strip():
        return default
    status = _squeezed(text)
    status = IMPACT_ALIASES.get(status, status)
    if status not in COMPONENT_STATUSES:
        raise Invalid(f"Unknown Impact {text!r}; expected one of {', '.join(IMPACT_NAMES)}.")
    return status


def maintenance_status(text: str | None) -> str | None:
    """In Progress → INPROGRESS, Completed → COMPLETED, Scheduled → NOTSTARTEDYET."""
    if text is None or not text.strip():
        return None
    status = MAINTENANCE_STATUSES.get(_squeezed(text))
    if status is None:
        raise Invalid(
            f"Unknown maintenance Status {text!r}; expected Scheduled, In Progress or Completed."
        )
    return status
