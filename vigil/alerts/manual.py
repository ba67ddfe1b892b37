"""Incidents opened by hand (POST /incidents): stored with an alert like any other."""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from vigil.alerts.ingest import ParsedAlert, store_alerts
from vigil.alerts.routing_keys import DEFAULT_ROUTING_KEY
from vigil.errors import Invalid
from vigil.identifiers import new_uuid
from vigil.incidents import flows
from vigil.incidents import service as incidents
from vigil.incidents.service import NewIncident, TargetRef
from vigil.people.users import named_user

MANUAL_TOOL = "manual"


@dataclass(frozen=True)
class ManualIncident:
    summary: str
    details: str | None
    username: str
    targets: Sequence[TargetRef]
    is_multi_responder: bool = False


@dataclass(frozen=True)
class Created:
    number: int
    entity_id: str
    alert_id: str


def create_manual_incident(
    session: Session, org_id: int, request: ManualIncident, at: datetime
) -> Created:
    """Open an incident by hand, paging the named targets; stored with an alert like any other.

    The creator and every target must exist, or nothing is created.
    """
    creator = named_user(session, org_id, request.username, "User")
    if not request.targets:
        raise Invalid("An incident needs at least one target")
    targets = list(dict.fromkeys(request.targets))
    problems = flows.target_problems(session, org_id, targets)
    if problems:
        raise Invalid("; ".join(problems.values()))
    entity_id = new_uuid()
    alert_id = new_uuid()
    new = NewIncident(
        routing_key=DEFAULT_ROUTING_KEY,
        entity_id=entity_id,
        entity_state="CRITICAL",
        entity_display_name=request.summary,
        state_message=request.details or None,
        monitoring_tool=MANUAL_TOOL,
        is_multi_responder=request.is_multi_responder,
    )
    incident = incidents.trigger(
        session, org_id, new, at, alert_id=alert_id, by=creator.username, targets=targets
    )
    raw = {
        "created_by": creator.username,
        "monitoring_tool": MANUAL_TOOL,
        "entity_display_name": request.summary,
        "message_type": "CRITICAL",
        "alert_type": "CRITICAL",
        "entity_state": "CRITICAL",
        "entity_id": entity_id,
        "state_message": request.details or "",
        "monitor_name": f"vouser-{creator.username}",
    }
    seconds = int(at.timestamp())
    alert = ParsedAlert(
        id=alert_id,
        routing_key=DEFAULT_ROUTING_KEY,
        message_type="CRITICAL",
        entity_id=entity_id,
        entity_display_name=request.summary,
        state_message=request.details or None,
        monitoring_tool=MANUAL_TOOL,
        host_name=None,
        ack_msg=None,
        ack_author=None,
        timestamp=seconds,
        state_start_time=seconds,
        received_at=at,
        raw=json.dumps(raw, separators=(",", ":"), ensure_ascii=False),
    )
    store_alerts(session, [alert.columns(org_id, incident.id)])
    return Created(incident.number, entity_id, alert_id)
