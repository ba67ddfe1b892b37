"""Alert ingestion: store every alert whole, then open, join, acknowledge or resolve incidents.

CRITICAL and WARNING open an incident for (routing key, entity) or join the open one;
ACKNOWLEDGEMENT acknowledges it, RECOVERY resolves it; INFO is stored and opens nothing.
"""

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from vigil.alerts.models import Alert
from vigil.alerts.routing_keys import DEFAULT_ROUTING_KEY, valid_name
from vigil.db import is_retryable, table_of, transaction
from vigil.errors import Invalid
from vigil.identifiers import new_uuid
from vigil.incidents import service as incidents
from vigil.incidents.service import NewIncident
from vigil.orgs.service import organization_for_rest_key

MESSAGE_TYPES = frozenset({"CRITICAL", "WARNING", "INFO", "ACKNOWLEDGEMENT", "RECOVERY"})
OPENING = frozenset({"CRITICAL", "WARNING"})
TEXT_FIELDS = (
    "entity_id",
    "entity_display_name",
    "state_message",
    "monitoring_tool",
    "host_name",
    "ack_msg",
    "ack_author",
)
DEDUP_ATTEMPTS = 3
_INSERT_ALERT = insert(table_of(Alert))


@dataclass(frozen=True)
class Ingested:
    alert_id: str
    entity_id: str
    incident_number: int | None


class UnknownRestKey(Exception):
    """No active REST-endpoint key matches."""


def receive_with_key(
    sessions: sessionmaker[Session],
    rest_key: str,
    routing_key: str | None,
    payload: Mapping[str, Any],
    raw: str,
    at: datetime,
) -> Ingested:
    """Authenticate the REST-endpoint key and ingest, in one transaction (the hot path)."""

    def work(session: Session) -> Ingested:
        org_id = organization_for_rest_key(session, rest_key) if rest_key else None
        if org_id is None:
            raise UnknownRestKey
        return ingest(session, org_id, routing_key, payload, raw, at)

    return _with_retries(sessions, work)


def _with_retries(sessions: sessionmaker[Session], work: Callable[[Session], Ingested]) -> Ingested:
    """Two alerts for a new entity racing each other both try to open an incident; the database
    lets one win and the other is retried, then joins the winner's incident. Likewise an alert
    joining an incident that a recovery resolved meanwhile is retried and opens a new one."""
    for attempt in range(DEDUP_ATTEMPTS):
        try:
            with transaction(sessions) as session:
                return work(session)
        except (DBAPIError, incidents.IncidentChanged) as error:
            retryable = not isinstance(error, DBAPIError) or is_retryable(error)
            if not retryable or attempt == DEDUP_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def ingest(
    session: Session,
    org_id: int,
    routing_key: str | None,
    payload: Mapping[str, Any],
    raw: str,
    at: datetime,
) -> Ingested:
    fields = _text_fields(payload)
    message_type = _message_type(payload)
    entity_id = fields["entity_id"] or new_uuid()
    key = valid_name(routing_key) if routing_key else DEFAULT_ROUTING_KEY
    alert_id = new_uuid()
    alert: dict[str, Any] = dict(
        id=alert_id,
        org_id=org_id,
        routing_key=key,
        message_type=message_type,
        entity_id=entity_id,
        entity_display_name=fields["entity_display_name"],
        state_message=fields["state_message"],
        monitoring_tool=fields["monitoring_tool"],
        host_name=fields["host_name"],
        ack_msg=fields["ack_msg"],
        ack_author=fields["ack_author"],
        timestamp=_epoch_seconds(payload, "timestamp", at),
        state_start_time=_epoch_seconds(payload, "state_start_time", at),
        received_at=at,
        raw=raw,
    )
    incident = incidents.find_open(session, org_id, key, entity_id)
    if message_type in OPENING:
        if incident is None:
            new = NewIncident(
                routing_key=key,
                entity_id=entity_id,
                entity_state=message_type,
                entity_display_name=fields["entity_display_name"] or entity_id,
                state_message=fields["state_message"],
                host=fields["host_name"],
                monitoring_tool=fields["monitoring_tool"],
            )
            incident = incidents.open_incident(session, org_id, new, at, alert_id=alert_id)
        else:
            incidents.join(
                session,
                incident,
                at,
                alert_id=alert_id,
                entity_state=message_type,
                entity_display_name=fields["entity_display_name"],
                state_message=fields["state_message"],
            )
    elif incident is not None and message_type in ("ACKNOWLEDGEMENT", "RECOVERY"):
        change = incidents.acknowledge if message_type == "ACKNOWLEDGEMENT" else incidents.resolve
        author = fields["ack_author"] or fields["monitoring_tool"] or "REST endpoint"
        change(
            session,
            incidents.get(session, incident.id),
            at,
            by=author,
            message=fields["ack_msg"],
            manually=False,
            alert_id=alert_id,
        )
    alert["incident_id"] = incident.id if incident is not None else None
    store_alert(session, **alert)
    return Ingested(alert_id, entity_id, incident.number if incident is not None else None)


def store_alert(session: Session, **columns: Any) -> None:
    """Store one alert: the only writer of the alerts table."""
    session.connection().execute(_INSERT_ALERT, columns)


def _message_type(payload: Mapping[str, Any]) -> str:
    value = payload.get("message_type")
    if not isinstance(value, str) or not value:
        raise Invalid(
            "message_type is required: CRITICAL, WARNING, INFO, ACKNOWLEDGEMENT or RECOVERY"
        )
    message_type = value.upper()
    if message_type not in MESSAGE_TYPES:
        raise Invalid(
            f"message_type {value!r} is not one of CRITICAL, WARNING, INFO, ACKNOWLEDGEMENT, RECOVERY"
        )
    return message_type


def _text_fields(payload: Mapping[str, Any]) -> dict[str, str | None]:
    """The known text fields; numbers and booleans are taken as their text, objects refused."""
    fields: dict[str, str | None] = {}
    for name in TEXT_FIELDS:
        value = payload.get(name)
        if value is None or isinstance(value, str):
            fields[name] = value or None
        elif isinstance(value, int | float) and not isinstance(value, bool):
            fields[name] = str(value)
        else:
            raise Invalid(f"{name} must be a string")
    if fields["entity_id"] is not None and len(fields["entity_id"]) > 512:
        raise Invalid("entity_id is longer than 512 characters")
    return fields


def _epoch_seconds(payload: Mapping[str, Any], name: str, default: datetime) -> int:
    value = payload.get(name)
    if value is None or value == "":
        return int(default.timestamp())
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        raise Invalid(f"{name} must be a time in seconds since the epoch") from None
    if not math.isfinite(seconds) or not 0 <= seconds < 2**31:
        raise Invalid(f"{name} must be a time in seconds since the epoch")
    return int(seconds)
