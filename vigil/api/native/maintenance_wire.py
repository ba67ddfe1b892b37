"""The JSON shapes of maintenance windows in Vigil's native API: request bodies in, plain dicts out.

camelCase on the wire. Instants are ISO 8601 in UTC with `Z`, to the second; a window's `start`
is the wall-clock time in its `timezone` the schedule was given as ("2026-03-29T02:30:00").
Times coming in as wall-clock time with an offset (or `Z`) are read as that instant and turned
into the zone's wall clock.
"""

import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from vigil.clock import rfc3339
from vigil.errors import Invalid
from vigil.maintenance.exceptions import PagingException
from vigil.maintenance.models import MaintenanceOccurrence, MaintenanceWindowEvent
from vigil.maintenance.recipients import RecipientSpec
from vigil.maintenance.recurrence import Schedule, to_utc, zone_info
from vigil.maintenance.window_queries import PlannedOccurrence
from vigil.maintenance.windows import WindowState

BASE = "/api/v1/maintenance/windows"
API_USER = "api"
"""Who the timeline names when a request does not say (`userName`)."""

UserName = Annotated[str, Field(min_length=1, max_length=200)]
Note = Annotated[str, Field(max_length=20_000)]
Minutes = Annotated[int, Field(gt=0, le=60 * 24 * 366)]
# A date and a time (minutes at least), optionally seconds, fractions and an offset or Z.
_DATE_TIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?$"
)


class ExceptionIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    minSeverity: Literal["INFO", "WARNING", "CRITICAL"] | None = None
    entityPrefix: Annotated[str, Field(min_length=1, max_length=200)] | None = None

    def rule(self) -> PagingException:
        return PagingException(self.minSeverity, self.entityPrefix)


class RecipientIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    type: Literal["user", "team", "email", "webhook"]
    ref: Annotated[str, Field(min_length=1, max_length=320)]

    def spec(self) -> RecipientSpec:
        return RecipientSpec(self.type, self.ref)


class WindowFields(BaseModel):
    """What create and update share; on update every field is optional."""

    model_config = ConfigDict(extra="ignore")

    title: Annotated[str, Field(max_length=300)] | None = None
    description: Annotated[str, Field(max_length=20_000)] | None = None
    routingKeys: (
        Annotated[list[Annotated[str, Field(min_length=1, max_length=200)]], Field(max_length=200)]
        | None
    ) = None
    is_global: bool | None = Field(
        default=None, alias="global", description="Mute every routing key (instead of routingKeys)"
    )
    mutesPaging: bool | None = Field(
        default=None,
        description="false: the window only shows on status pages (no routingKeys, not global)",
    )
    start: str | None = Field(
        default=None,
        description="YYYY-MM-DDTHH:MM[:SS], wall-clock time in `timezone`; with an offset or Z, "
        "the instant is turned into the zone's wall clock",
    )
    end: str | None = Field(
        default=None, description="Same forms as start; give end or durationMinutes, not both"
    )
    durationMinutes: Minutes | None = None
    timezone: Annotated[str, Field(min_length=1, max_length=64)] | None = Field(
        default=None, description="IANA time zone (default UTC)"
    )
    rrule: Annotated[str, Field(max_length=1000)] | None = Field(
        default=None, description="RFC 5545 RRULE without DTSTART, e.g. FREQ=WEEKLY;BYDAY=TU"
    )
    autoStart: bool | None = None
    autoEnd: bool | None = None
    endBehavior: Literal["repage", "digest", "none"] | None = None
    exceptions: Annotated[list[ExceptionIn], Field(max_length=20)] | None = None
    reminders: Annotated[list[int], Field(max_length=10)] | None = Field(
        default=None, description="Minutes before each start at which recipients are reminded"
    )
    recipients: Annotated[list[RecipientIn], Field(max_length=100)] | None = None
    externalRef: Annotated[str, Field(max_length=200)] | None = None
    externalLink: Annotated[str, Field(max_length=2000)] | None = None
    userName: UserName | None = Field(
        default=None, description="Who makes the change (default: api)"
    )


class WindowIn(WindowFields):
    """A new window: title and start are required, and exactly one of end or durationMinutes."""

    title: Annotated[str, Field(min_length=1, max_length=300)]
    start: str = Field(
        description="YYYY-MM-DDTHH:MM[:SS], wall-clock time in `timezone`; with an offset or Z, "
        "the instant is turned into the zone's wall clock"
    )


class StartIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    userName: UserName | None = None


class EndIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    outcome: Literal["succeeded", "failed"] = "succeeded"
    note: Note | None = None
    userName: UserName | None = None


class ExtendIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    end: str | None = Field(
        default=None, description="The new planned end: an instant, or wall-clock time in the zone"
    )
    minutes: Annotated[int, Field(ge=-60 * 24 * 366, le=60 * 24 * 366)] | None = Field(
        default=None, description="Minutes added to the planned end (negative: shorten it)"
    )
    userName: UserName | None = None


class CancelIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    series: bool = Field(default=False, description="Cancel the whole series, not only this one")
    note: Note | None = None
    userName: UserName | None = None


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    body: Annotated[str, Field(min_length=1, max_length=20_000)]
    public: bool = Field(default=False, description="A public update; false: an internal comment")
    userName: UserName | None = None


class ErrorOut(BaseModel):
    error: str


def actor(user_name: str | None) -> str:
    return user_name or API_USER


# --- times in -----------------------------------------------------------------------------


def wall_clock(text: str, zone: str, name: str) -> datetime:
    """`text` (a date and time, optionally with an offset or Z) as naive wall-clock time in
    `zone`; raises Invalid saying which field is wrong."""
    tz = zone_info(zone)
    moment = _date_time(text, name).replace(microsecond=0)  # "…T13:00:00.000Z" from JavaScript
    if moment.tzinfo is not None:
        return moment.astimezone(tz).replace(tzinfo=None)
    return moment


def instant(text: str, zone: str, name: str) -> datetime:
    """`text` as an aware UTC instant; without an offset it is wall-clock time in `zone`."""
    moment = _date_time(text, name)
    if moment.tzinfo is None:
        return to_utc(moment, zone_info(zone))
    return moment.astimezone(UTC)


def query_instant(text: str | None, name: str) -> datetime | None:
    """A query parameter as an aware UTC instant (no offset: UTC), or None when absent."""
    if text is None or text == "":
        return None
    return instant(text, "UTC", name)


def _date_time(text: str, name: str) -> datetime:
    cleaned = text.strip()
    if _DATE_TIME.match(cleaned):
        try:
            return datetime.fromisoformat(cleaned)
        except ValueError:
            pass
    raise Invalid(
        f"{name} must be an ISO 8601 date and time such as 2026-03-29T02:30 "
        f"(optionally with seconds and an offset or Z); got {text!r}"
    )


def new_schedule(body: WindowIn) -> Schedule:
    """The schedule of a window being made (raises Invalid with what is wrong)."""
    zone = body.timezone or "UTC"
    start = wall_clock(body.start, zone, "start")
    return _schedule(start, zone, body.end, body.durationMinutes, body.rrule, None)


def changed_schedule(body: WindowFields, stored: Schedule) -> Schedule | None:
    """The stored schedule with what `body` changes, or None when it changes none of it."""
    given = body.model_fields_set & {"start", "end", "durationMinutes", "timezone", "rrule"}
    if not given:
        return None
    zone = body.timezone if "timezone" in given and body.timezone else stored.zone
    start = stored.start if body.start is None else wall_clock(body.start, zone, "start")
    rrule = body.rrule if "rrule" in given else stored.rrule
    if body.end is None and body.durationMinutes is None:
        return Schedule(start=start, zone=zone, duration=stored.duration, rrule=rrule or None)
    return _schedule(start, zone, body.end, body.durationMinutes, rrule, stored)


def _schedule(
    start: datetime,
    zone: str,
    end: str | None,
    minutes: int | None,
    rrule: str | None,
    stored: Schedule | None,
) -> Schedule:
    if end is not None and minutes is not None:
        raise Invalid("Give end or durationMinutes, not both")
    if end is not None:
        return Schedule.between(start, wall_clock(end, zone, "end"), zone, rrule or None)
    if minutes is None:
        raise Invalid("Give end or durationMinutes: how long the window lasts")
    return Schedule(
        start=start, zone=zone, duration=timedelta(minutes=minutes), rrule=rrule or None
    )


# --- shapes out ---------------------------------------------------------------------------


def _utc(moment: datetime | None) -> str | None:
    return rfc3339(moment) if moment is not None else None


def occurrence_json(occurrence: MaintenanceOccurrence, mode_instance: str | None) -> dict[str, Any]:
    return {
        "index": occurrence.index,
        "status": occurrence.status,
        "outcome": occurrence.outcome,
        "plannedStart": _utc(occurrence.planned_start),
        "plannedEnd": _utc(occurrence.planned_end),
        "actualStart": _utc(occurrence.actual_start),
        "actualEnd": _utc(occurrence.actual_end),
        "maintenanceModeId": mode_instance,
    }


def exception_json(stored: Mapping[str, Any]) -> dict[str, str]:
    shown = {"minSeverity": stored.get("min_severity"), "entityPrefix": stored.get("entity_prefix")}
    return {name: value for name, value in shown.items() if value is not None}


def window_json(state: WindowState, mode_instances: Mapping[int, str]) -> dict[str, Any]:
    """A window; `mode_instances` maps mode ids to their `mm-...` instance ids."""
    window, current = state.window, state.current
    return {
        "id": window.key,
        "title": window.title,
        "description": window.description,
        "global": window.is_global,
        "mutesPaging": window.mutes_paging,
        "routingKeys": list(state.keys),
        "timezone": window.zone,
        "start": window.start_local.isoformat(timespec="seconds"),
        "durationMinutes": window.duration_seconds // 60,
        "rrule": window.rrule,
        "autoStart": window.auto_start,
        "autoEnd": window.auto_end,
        "endBehavior": window.end_behavior,
        "exceptions": [exception_json(rule) for rule in window.exceptions],
        "reminders": list(window.reminders),
        "recipients": [{"type": r.kind, "ref": r.ref} for r in state.recipients],
        "externalRef": window.external_ref,
        "externalLink": window.external_link,
        "canceled": window.canceled_at is not None,
        "createdBy": window.created_by,
        "createdAt": rfc3339(window.created_at),
        "updatedAt": rfc3339(window.updated_at),
        "status": current.status,
        "outcome": current.outcome,
        "occurrence": occurrence_json(
            current, mode_instances.get(current.mode_id) if current.mode_id is not None else None
        ),
    }


def planned_json(planned: PlannedOccurrence) -> dict[str, Any]:
    """One occurrence of `planned_occurrences` (stored or only planned)."""
    return {
        "index": planned.index,
        "status": planned.status,
        "outcome": planned.outcome,
        "plannedStart": _utc(planned.planned_start),
        "plannedEnd": _utc(planned.planned_end),
        "actualStart": _utc(planned.actual_start),
        "actualEnd": _utc(planned.actual_end),
        "stored": planned.stored,
    }


def event_json(event: MaintenanceWindowEvent) -> dict[str, Any]:
    return {
        "at": rfc3339(event.at),
        "kind": event.kind,
        "actor": event.actor,
        "public": event.public,
        "body": event.body,
        "occurrence": event.occurrence_index,
        "details": event.details,
    }


# --- examples for the OpenAPI document ------------------------------------------------------

OCCURRENCE_EXAMPLE: dict[str, Any] = {
    "index": 0,
    "status": "in_progress",
    "outcome": None,
    "plannedStart": "2026-03-29T00:30:00Z",
    "plannedEnd": "2026-03-29T02:30:00Z",
    "actualStart": "2026-03-29T00:25:00Z",
    "actualEnd": None,
}
WINDOW_EXAMPLE: dict[str, Any] = {
    "id": "mw-4f9x2k7q1m8z3c5v6b0n2d4h",
    "title": "Database upgrade",
    "description": "PostgreSQL 17",
    "global": False,
    "mutesPaging": True,
    "routingKeys": ["db"],
    "timezone": "Europe/Berlin",
    "start": "2026-03-29T02:30:00",
    "durationMinutes": 120,
    "rrule": None,
    "autoStart": True,
    "autoEnd": True,
    "endBehavior": "repage",
    "exceptions": [{"minSeverity": "CRITICAL", "entityPrefix": "ups-"}],
    "reminders": [60],
    "recipients": [{"type": "team", "ref": "ops"}, {"type": "email", "ref": "dba@example.com"}],
    "externalRef": "CHG-1042",
    "externalLink": "https://change.example.com/CHG-1042",
    "canceled": False,
    "createdBy": "ada",
    "createdAt": "2026-03-20T09:00:00Z",
    "updatedAt": "2026-03-20T09:00:00Z",
    "status": "in_progress",
    "outcome": None,
    "occurrence": {
        **OCCURRENCE_EXAMPLE,
        "maintenanceModeId": "mm-8s7d6f5g4h3j2k1l0z9x8c7v6b5n4m3q",
    },
}
LIST_EXAMPLE: dict[str, Any] = {"total": 1, "offset": 0, "limit": 50, "windows": [WINDOW_EXAMPLE]}
OCCURRENCES_EXAMPLE: dict[str, Any] = {
    "occurrences": [
        {**OCCURRENCE_EXAMPLE, "stored": True},
        {
            **OCCURRENCE_EXAMPLE,
            "index": 1,
            "status": "scheduled",
            "plannedStart": "2026-04-05T00:30:00Z",
            "plannedEnd": "2026-04-05T02:30:00Z",
            "actualStart": None,
            "stored": False,
        },
    ]
}
EVENT_EXAMPLE: dict[str, Any] = {
    "at": "2026-03-29T00:25:00Z",
    "kind": "started",
    "actor": "ada",
    "public": True,
    "body": "Maintenance started early",
    "occurrence": 0,
    "details": {"mode": "mm-8s7d6f5g4h3j2k1l0z9x8c7v6b5n4m3q"},
}
TIMELINE_EXAMPLE: dict[str, Any] = {"events": [EVENT_EXAMPLE]}
