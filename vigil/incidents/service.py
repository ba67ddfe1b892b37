"""The incident lifecycle: trigger, join, acknowledge, resolve, reroute.

This module is the only writer of incidents. Every change appends a transition through
`record`, so the timeline is the audit log. Paging is requested by writing a timer row
(`incident.page`) that the engine consumes, and cancelled the same way.

Changes are conditional UPDATEs (`... WHERE phase = 'triggered'`), never read-modify-write:
concurrent alerts and commands on one incident can neither lose a count nor undo each other.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from vigil.engine import timers
from vigil.incidents.models import Incident, Target, Transition
from vigil.incidents.numbers import next_number

PAGE_TIMER = "incident.page"


class IncidentChanged(Exception):
    """The incident was resolved by someone else meanwhile; the caller should start over."""


@dataclass(frozen=True)
class TargetRef:
    kind: str  # "user" or "policy"
    slug: str  # a username or an escalation policy slug


@dataclass(frozen=True)
class NewIncident:
    routing_key: str
    entity_id: str
    entity_state: str
    entity_display_name: str = ""
    state_message: str | None = None
    host: str | None = None
    service: str | None = None
    monitoring_tool: str | None = None
    is_multi_responder: bool = False
    muted: bool = False


def page_timer_key(incident_id: int) -> str:
    return f"{PAGE_TIMER}:{incident_id}"


def find_open(session: Session, org_id: int, routing_key: str, entity_id: str) -> Incident | None:
    return session.scalar(
        select(Incident).where(
            Incident.org_id == org_id,
            Incident.routing_key == routing_key,
            Incident.entity_id == entity_id,
            Incident.phase != "resolved",
        )
    )


def by_numbers(session: Session, org_id: int, numbers: Iterable[int]) -> dict[int, Incident]:
    wanted = list(numbers)
    if not wanted:
        return {}
    found = session.scalars(
        select(Incident).where(Incident.org_id == org_id, Incident.number.in_(wanted))
    )
    return {incident.number: incident for incident in found}


def trigger(
    session: Session,
    org_id: int,
    new: NewIncident,
    at: datetime,
    *,
    alert_id: str | None = None,
    by: str | None = None,
    targets: Sequence[TargetRef] = (),
) -> Incident:
    """Open an incident, record it, and ask the engine to page (unless muted)."""
    incident = Incident(
        org_id=org_id,
        number=next_number(session, org_id),
        phase="triggered",
        routing_key=new.routing_key,
        entity_id=new.entity_id,
        entity_display_name=new.entity_display_name,
        entity_state=new.entity_state,
        entity_type="SERVICE",
        state_message=new.state_message,
        host=new.host,
        service=new.service or new.entity_display_name or None,
        monitoring_tool=new.monitoring_tool,
        alert_count=1 if alert_id else 0,
        last_alert_id=alert_id,
        last_alert_at=at,
        started_at=at,
        muted=new.muted,
        is_multi_responder=new.is_multi_responder,
    )
    session.add(incident)
    session.flush()
    session.add_all(
        Target(org_id=org_id, incident_id=incident.id, kind=t.kind, slug=t.slug) for t in targets
    )
    record(session, incident, "triggered", at, by=by, manually=by is not None, alert_id=alert_id)
    if new.muted:
        record(session, incident, "muted", at, message="Paging is muted by maintenance mode")
    else:
        _request_paging(session, incident, at)
    return incident


def join(
    session: Session,
    incident: Incident,
    at: datetime,
    *,
    alert_id: str,
    entity_state: str,
    entity_display_name: str | None,
    state_message: str | None,
) -> None:
    """A further alert on an open incident's entity: counted, and its state taken over."""
    values: dict[str, Any] = {
        "alert_count": Incident.alert_count + 1,
        "last_alert_id": alert_id,
        "last_alert_at": at,
        "entity_state": entity_state,
    }
    if entity_display_name:
        values["entity_display_name"] = entity_display_name
    if state_message is not None:
        values["state_message"] = state_message
    if not _update_if(session, incident, ("triggered", "acknowledged"), values):
        raise IncidentChanged(f"incident {incident.number} was resolved meanwhile")


def acknowledge(
    session: Session,
    incident: Incident,
    at: datetime,
    *,
    by: str,
    message: str | None = None,
    manually: bool = True,
    alert_id: str | None = None,
) -> bool:
    """Acknowledge a triggered incident; False (and nothing changed) if it is not triggered."""
    values = {
        "phase": "acknowledged",
        "acknowledged_at": at,
        "acknowledged_by": by,
        "seconds_to_acknowledge": _seconds_between(incident.started_at, at),
    }
    if not _update_if(session, incident, ("triggered",), values):
        return False
    record(session, incident, "acknowledged", at, by, message, manually, alert_id)
    timers.cancel(session, page_timer_key(incident.id))
    return True


def resolve(
    session: Session,
    incident: Incident,
    at: datetime,
    *,
    by: str,
    message: str | None = None,
    manually: bool = True,
    alert_id: str | None = None,
) -> bool:
    """Resolve an open incident; False (and nothing changed) if it is already resolved."""
    values = {
        "phase": "resolved",
        "resolved_at": at,
        "resolved_by": by,
        "seconds_to_resolve": _seconds_between(incident.started_at, at),
    }
    if not _update_if(session, incident, ("triggered", "acknowledged"), values):
        return False
    record(session, incident, "resolved", at, by, message, manually, alert_id)
    timers.cancel(session, page_timer_key(incident.id))
    return True


def reroute(
    session: Session,
    incident: Incident,
    targets: Sequence[TargetRef],
    at: datetime,
    *,
    by: str,
    keep_existing: bool = False,
) -> bool:
    """Page new targets for an open incident (acknowledged ones page again); False if resolved."""
    reopened = {"phase": "triggered", "acknowledged_at": None, "acknowledged_by": None}
    if not _update_if(session, incident, ("triggered", "acknowledged"), reopened):
        return False
    current = {(t.kind, t.slug): t for t in targets_of(session, [incident.id])[incident.id]}
    if not keep_existing:
        for key, target in list(current.items()):
            if TargetRef(*key) not in targets:
                session.delete(target)
                del current[key]
    session.add_all(
        Target(org_id=incident.org_id, incident_id=incident.id, kind=t.kind, slug=t.slug)
        for t in dict.fromkeys(targets)
        if (t.kind, t.slug) not in current
    )
    names = ", ".join(f"{t.kind} {t.slug}" for t in targets)
    record(session, incident, "rerouted", at, by, f"Rerouted to {names}", manually=True)
    _request_paging(session, incident, at)
    return True


def record(
    session: Session,
    incident: Incident,
    name: str,
    at: datetime,
    by: str | None = None,
    message: str | None = None,
    manually: bool = False,
    alert_id: str | None = None,
) -> Transition:
    """Append one entry to the incident's timeline: the only way transitions are written."""
    transition = Transition(
        org_id=incident.org_id,
        incident_id=incident.id,
        name=name,
        at=at,
        by=by,
        message=message,
        manually=manually,
        alert_id=alert_id,
    )
    session.add(transition)
    return transition


def transitions_of(session: Session, incident_ids: Sequence[int]) -> dict[int, list[Transition]]:
    """The timelines of several incidents in one query."""
    found: dict[int, list[Transition]] = {incident_id: [] for incident_id in incident_ids}
    if incident_ids:
        for transition in session.scalars(
            select(Transition)
            .where(Transition.incident_id.in_(incident_ids))
            .order_by(Transition.incident_id, Transition.id)
        ):
            found[transition.incident_id].append(transition)
    return found


def targets_of(session: Session, incident_ids: Sequence[int]) -> dict[int, list[Target]]:
    """The targets of several incidents in one query."""
    found: dict[int, list[Target]] = {incident_id: [] for incident_id in incident_ids}
    if incident_ids:
        for target in session.scalars(
            select(Target).where(Target.incident_id.in_(incident_ids)).order_by(Target.id)
        ):
            found[target.incident_id].append(target)
    return found


def _request_paging(session: Session, incident: Incident, at: datetime) -> None:
    timers.schedule(
        session,
        incident.org_id,
        PAGE_TIMER,
        at,
        {"incident_id": incident.id},
        key=page_timer_key(incident.id),
    )


def _update_if(
    session: Session, incident: Incident, phases: Sequence[str], values: dict[str, Any]
) -> bool:
    """Apply `values` only if the incident is still in one of `phases`; mirror them on the object."""
    result = session.execute(
        update(Incident)
        .where(Incident.id == incident.id, Incident.phase.in_(phases))
        .values(values)
        .returning(*(getattr(Incident, name) for name in values)),
        execution_options={"synchronize_session": False},
    ).first()
    if result is None:
        return False
    for name, value in zip(values, result, strict=True):
        set_committed_value(incident, name, value)
    return True


def _seconds_between(start: datetime, end: datetime) -> int:
    return max(0, round((end - start).total_seconds()))
