"""Alert ingestion: store every alert whole, then open, join, acknowledge or resolve incidents.

CRITICAL and WARNING open an incident for (routing key, entity) or join the open one;
ACKNOWLEDGEMENT acknowledges it, RECOVERY resolves it; INFO is stored and opens nothing.
"""

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from vigil.alerts.models import Alert
from vigil.alerts.routing_keys import DEFAULT_ROUTING_KEY, KeyPaging, paging_of, valid_name
from vigil.db import is_retryable, table_of, transaction
from vigil.errors import Invalid
from vigil.identifiers import new_uuid
from vigil.incidents import service as incidents
from vigil.incidents.service import NewIncident
from vigil.maintenance.muting import mutings
from vigil.orgs.service import organization_for_rest_key

MESSAGE_TYPES = frozenset({"CRITICAL", "WARNING", "INFO", "ACKNOWLEDGEMENT", "RECOVERY"})
OPENING = frozenset({"CRITICAL", "WARNING"})
CLOSING = frozenset({"ACKNOWLEDGEMENT", "RECOVERY"})
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


@dataclass(frozen=True)
class ParsedAlert:
    """An alert whose body was checked, ready to be stored (`columns`) and applied."""

    id: str
    routing_key: str
    message_type: str
    entity_id: str
    entity_display_name: str | None
    state_message: str | None
    monitoring_tool: str | None
    host_name: str | None
    ack_msg: str | None
    ack_author: str | None
    timestamp: int
    state_start_time: int
    received_at: datetime
    raw: str

    def columns(self, org_id: int, incident_id: int | None) -> dict[str, Any]:
        """The alert's row in the alerts table."""
        row = self.__dict__.copy()
        row["org_id"] = org_id
        row["incident_id"] = incident_id
        return row

    def new_incident(self, paging: KeyPaging) -> NewIncident:
        """The incident this alert opens when its entity has none open."""
        return NewIncident(
            routing_key=self.routing_key,
            entity_id=self.entity_id,
            entity_state=self.message_type,
            entity_display_name=self.entity_display_name or self.entity_id,
            state_message=self.state_message,
            host=self.host_name,
            monitoring_tool=self.monitoring_tool,
            is_multi_responder=paging.multi_responder,
            pages=paging.pages,
            muted=paging.muting is not None
            and paging.muting.mutes(self.message_type, self.entity_id),
        )

    def joined(self) -> incidents.Joined:
        """What this alert does to the open incident it joins."""
        return incidents.Joined(
            count=1,
            last_alert_id=self.id,
            last_alert_at=self.received_at,
            entity_state=self.message_type,
            entity_display_name=self.entity_display_name,
            state_message=self.state_message,
        )


def parse_alert(
    routing_key: str | None, payload: Mapping[str, Any], raw: str, at: datetime
) -> ParsedAlert:
    """Check an alert body (raises Invalid with what is wrong); nothing is stored yet."""
    fields = _text_fields(payload)
    return ParsedAlert(
        id=new_uuid(),
        routing_key=valid_name(routing_key) if routing_key else DEFAULT_ROUTING_KEY,
        message_type=_message_type(payload),
        entity_id=fields["entity_id"] or new_uuid(),
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


def receive_with_key(
    sessions: sessionmaker[Session], rest_key: str, alert: ParsedAlert
) -> Ingested:
    """Authenticate the REST-endpoint key and ingest, in one transaction."""

    def work(session: Session) -> Ingested:
        org_id = organization_for_rest_key(session, rest_key) if rest_key else None
        if org_id is None:
            raise UnknownRestKey
        return ingest(session, org_id, alert)

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


def ingest(session: Session, org_id: int, alert: ParsedAlert) -> Ingested:
    """Apply one alert to its entity's incident and store it (see `vigil.alerts.bulk` for many)."""
    incident = incidents.find_open(session, org_id, alert.routing_key, alert.entity_id)
    if alert.message_type in OPENING:
        if incident is None:
            paging = opening_on(session, org_id, {alert.routing_key}, alert.received_at)
            new = alert.new_incident(paging[alert.routing_key])
            incident = incidents.open_incident(
                session, org_id, new, alert.received_at, alert_id=alert.id
            )
        else:
            incidents.join(session, incident, alert.joined())
    elif incident is not None and alert.message_type in CLOSING:
        change = (
            incidents.acknowledge if alert.message_type == "ACKNOWLEDGEMENT" else incidents.resolve
        )
        change(
            session,
            incidents.get(session, incident.id),
            alert.received_at,
            by=alert.ack_author or alert.monitoring_tool or "REST endpoint",
            message=alert.ack_msg,
            manually=False,
            alert_id=alert.id,
        )
    store_alerts(session, [alert.columns(org_id, incident.id if incident else None)])
    return Ingested(alert.id, alert.entity_id, incident.number if incident else None)


def opening_on(
    session: Session, org_id: int, names: set[str], at: datetime
) -> dict[str, KeyPaging]:
    """How incidents opened on these routing keys page at `at`, maintenance included: a muted
    incident is opened and recorded, and pages no one. Two queries."""
    paging = paging_of(session, org_id, names)
    muted = mutings(session, org_id, {p.key for p in paging.values()}, at)
    return {name: replace(p, muting=muted.get(p.key)) for name, p in paging.items()}


def store_alerts(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Store alerts: the only writer of the alerts table."""
    if rows:
        session.connection().execute(_INSERT_ALERT, list(rows))


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
