"""The VictorOps public JSON shapes of incidents, their transitions and alerts.

Public vocabulary: `currentPhase` UNACKED|ACKED|RESOLVED, upper-case entity state and type,
RFC 3339 UTC times with second precision, alert times in epoch seconds. Reporting speaks lower
case and keeps its own shapes; it may share `transition_json` with `vocabulary="reporting"`.
"""

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

from vigil.alerts.models import Alert
from vigil.api.victorops.wire import V1
from vigil.incidents.flows import CommandResult, RerouteResult
from vigil.incidents.models import Incident, Recipient, Transition

Vocabulary = Literal["public", "reporting"]


class TimelineEntry(Protocol):
    """What a transition's JSON is made of: a stored `Transition` or a reported one."""

    @property
    def name(self) -> str: ...
    @property
    def at(self) -> datetime: ...
    @property
    def by(self) -> str | None: ...
    @property
    def message(self) -> str | None: ...
    @property
    def manually(self) -> bool: ...
    @property
    def alert_id(self) -> str | None: ...


PUBLIC_PHASES = {"triggered": "UNACKED", "acknowledged": "ACKED", "resolved": "RESOLVED"}
PUBLIC_TRANSITION_NAMES = {
    "triggered": "TRIGGERED",
    "acknowledged": "ACKED",
    "resolved": "RESOLVED",
}


def transition_name(stored: str, vocabulary: Vocabulary = "public") -> str:
    """A stored transition name in a dialect's vocabulary.

    Public: triggered/acknowledged/resolved become TRIGGERED/ACKED/RESOLVED and any other
    name is upper-cased; reporting keeps the stored lower-case names.
    """
    if vocabulary == "reporting":
        return stored
    return PUBLIC_TRANSITION_NAMES.get(stored, stored.upper())


def rfc3339(moment: datetime) -> str:
    """`vigil.clock.rfc3339` (RFC 3339 in UTC to the second: 2020-03-24T19:30:34Z), twice as fast.

    A page of reports formats about seven times per incident: `isoformat` instead of
    `strftime`, and no conversion when the time is already in UTC (as stored times are).
    """
    if moment.tzinfo is not UTC:
        moment = moment.astimezone(UTC)
    return moment.isoformat(timespec="seconds")[:19] + "Z"


def alert_url(base_url: str, alert_id: str) -> str:
    return f"{base_url.rstrip('/')}{V1}/alerts/{alert_id}"


def transition_json(
    transition: TimelineEntry, base_url: str, vocabulary: Vocabulary = "public"
) -> dict[str, Any]:
    """One timeline entry; `by`, `message` and the alert fields only when there are some."""
    body: dict[str, Any] = {
        "name": transition_name(transition.name, vocabulary),
        "at": rfc3339(transition.at),
    }
    if transition.by is not None:
        body["by"] = transition.by
    if transition.message is not None:
        body["message"] = transition.message
    body["manually"] = transition.manually
    if transition.alert_id is not None:
        body["alertId"] = transition.alert_id
        body["alertUrl"] = alert_url(base_url, transition.alert_id)
    return body


def incident_json(
    incident: Incident,
    transitions: Sequence[Transition],
    recipients: Sequence[Recipient],
    base_url: str,
) -> dict[str, Any]:
    """The incident object of GET /api-public/v1/incidents; paged lists from its recipients."""
    body: dict[str, Any] = {
        "incidentNumber": str(incident.number),
        "startTime": rfc3339(incident.started_at),
        "currentPhase": PUBLIC_PHASES[incident.phase],
        "alertCount": incident.alert_count,
        "lastAlertTime": rfc3339(incident.last_alert_at),
    }
    if incident.last_alert_id is not None:
        body["lastAlertId"] = incident.last_alert_id
    body |= {
        "entityId": incident.entity_id,
        "entityType": incident.entity_type.upper(),
        "entityState": incident.entity_state.upper(),
        "entityDisplayName": incident.entity_display_name,
        "routingKey": incident.routing_key,
    }
    if incident.host is not None:
        body["host"] = incident.host
    if incident.service is not None:
        body["service"] = incident.service
    body |= {
        "pagedUsers": [r.slug for r in recipients if r.kind == "user"],
        "pagedTeams": [r.slug for r in recipients if r.kind == "team"],
        "pagedPolicies": [
            {
                "policy": {"name": r.name, "slug": r.slug},
                "team": {"name": r.team_name, "slug": r.team_slug},
            }
            for r in recipients
            if r.kind == "policy"
        ],
        "transitions": [transition_json(t, base_url) for t in transitions],
    }
    return body


def alert_json(alert: Alert) -> dict[str, Any]:
    """GET /api-public/v1/alerts/{uuid}: fields the alert has, and the payload as sent in `raw`."""
    body: dict[str, Any] = {
        "messageType": alert.message_type,
        "entityId": alert.entity_id,
    }
    optional = {
        "entityDisplayName": alert.entity_display_name,
        "stateMessage": alert.state_message,
        "monitoringTool": alert.monitoring_tool,
        "ackMsg": alert.ack_msg,
        "ackAuthor": alert.ack_author,
    }
    body |= {name: value for name, value in optional.items() if value is not None}
    body |= {
        "timestamp": alert.timestamp,
        "stateStartTime": alert.state_start_time,
        "raw": alert.raw,
    }
    return body


def command_results_json(results: Sequence[CommandResult]) -> dict[str, Any]:
    """The answer of ack/resolve commands; `entityId` only for incidents that exist."""
    shaped = []
    for result in results:
        item: dict[str, Any] = {"incidentNumber": result.number}
        if result.entity_id is not None:
            item["entityId"] = result.entity_id
        shaped.append(item | {"cmdAccepted": result.accepted, "message": result.message})
    return {"results": shaped}


def reroute_json(results: Sequence[RerouteResult]) -> dict[str, Any]:
    return {
        "statuses": [
            {
                "incidentNumber": result.number,
                "success": result.success,
                "message": result.message,
                "targetStatus": [
                    {"slug": status.slug, "success": status.success, "message": status.message}
                    for status in result.targets
                ],
            }
            for result in results
        ]
    }
