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

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from vigil.db import table_of
from vigil.engine import timers
from vigil.incidents.models import Incident, Target, Transition
from vigil.incidents.numbers import take_numbers
from vigil.incidents.recipients import acknowledge_responder

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
    pages: bool = True
    """False when nothing would be paged (a routing key with no escalation policy): no paging
    is requested, and the engine has no work for it."""


def page_timer_key(incident_id: int) -> str:
    return f"{PAGE_TIMER}:{incident_id}"


def responder_timer_key(incident_id: int, user_id: int) -> str:
    """The one pending step of a paged user's own paging policy on an incident."""
    return f"{page_timer_key(incident_id)}:user:{user_id}"


def escalation_subject(incident_id: int) -> str:
    """The subject of an incident's escalation timers: acknowledging cancels them."""
    return f"incident:{incident_id}"


def responders_subject(incident_id: int) -> str:
    """The subject of the timers paging an incident's responders through their own policies:
    acknowledging cancels them, except on a multi-responder incident (each responder acknowledges
    for themselves); resolving always does."""
    return f"incident:{incident_id}:responders"


@dataclass(frozen=True)
class OpenIncident:
    """The few columns the hot ingestion path needs about an incident."""

    id: int
    number: int


@dataclass(frozen=True)
class Joined:
    """What one or more further alerts on an open incident's entity change: counted, and the
    latest state (and any display name or message they bring) taken over."""

    count: int
    last_alert_id: str
    last_alert_at: datetime
    entity_state: str
    entity_display_name: str | None
    state_message: str | None

    def then(self, later: "Joined") -> "Joined":
        """This followed by `later`, as one change."""
        return Joined(
            count=self.count + later.count,
            last_alert_id=later.last_alert_id,
            last_alert_at=later.last_alert_at,
            entity_state=later.entity_state,
            entity_display_name=later.entity_display_name or self.entity_display_name,
            state_message=later.state_message or self.state_message,
        )


@dataclass(frozen=True)
class Opening:
    """An incident to open for an alert (`alert_id` at `at`), with the alerts that joined it
    before it was written, if any (a batch of alerts)."""

    new: NewIncident
    at: datetime
    alert_id: str
    joined: Joined | None = None


# The hot path's statements are built once, with bind parameters, so each call only executes.
_FIND_OPEN = select(Incident.id, Incident.number).where(
    Incident.org_id == bindparam("org_id"),
    Incident.routing_key == bindparam("routing_key"),
    Incident.entity_id == bindparam("entity_id"),
    Incident.phase != "resolved",
)
_FIND_OPEN_MANY = select(
    Incident.routing_key, Incident.entity_id, Incident.id, Incident.number
).where(
    Incident.org_id == bindparam("org_id"),
    Incident.routing_key.in_(bindparam("routing_keys", expanding=True)),
    Incident.entity_id.in_(bindparam("entity_ids", expanding=True)),
    Incident.phase != "resolved",
)
_INSERT_INCIDENT = insert(table_of(Incident)).returning(Incident.number, Incident.id)
_INSERT_TRANSITION = insert(table_of(Transition))


def find_open(
    session: Session, org_id: int, routing_key: str, entity_id: str
) -> OpenIncident | None:
    """The open incident of an entity on a routing key, if any."""
    row = (
        session.connection()
        .execute(_FIND_OPEN, {"org_id": org_id, "routing_key": routing_key, "entity_id": entity_id})
        .first()
    )
    return OpenIncident(row[0], row[1]) if row else None


def find_open_many(
    session: Session, org_id: int, entities: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], OpenIncident]:
    """The open incidents of several (routing key, entity) pairs, in one indexed query."""
    wanted = set(entities)
    if not wanted:
        return {}
    rows = session.connection().execute(
        _FIND_OPEN_MANY,
        {
            "org_id": org_id,
            "routing_keys": sorted({key for key, _ in wanted}),
            "entity_ids": sorted({entity for _, entity in wanted}),
        },
    )
    found = {(row[0], row[1]): OpenIncident(row[2], row[3]) for row in rows}
    return {pair: incident for pair, incident in found.items() if pair in wanted}


def get(session: Session, incident_id: int) -> Incident:
    incident = session.get(Incident, incident_id)
    assert incident is not None, f"incident {incident_id} vanished"
    return incident


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
    """Open an incident with its targets, record it, and ask the engine to page (unless muted)."""
    opened = open_incident(session, org_id, new, at, alert_id=alert_id, by=by)
    if targets:
        session.execute(
            insert(Target),
            [
                {"org_id": org_id, "incident_id": opened.id, "kind": t.kind, "slug": t.slug}
                for t in dict.fromkeys(targets)
            ],
        )
    incident = session.get(Incident, opened.id)
    assert incident is not None
    return incident


def open_incident(
    session: Session,
    org_id: int,
    new: NewIncident,
    at: datetime,
    *,
    alert_id: str | None = None,
    by: str | None = None,
) -> OpenIncident:
    """Open one incident in a few plain INSERTs (the hot path of ingestion)."""
    return _open(session, org_id, [(new, at, alert_id, by, None)])[0]


def open_many(session: Session, org_id: int, openings: Sequence[Opening]) -> list[OpenIncident]:
    """Open several incidents for alerts with one statement per table (a batch of alerts)."""
    return _open(session, org_id, [(o.new, o.at, o.alert_id, None, o.joined) for o in openings])


def _open(
    session: Session,
    org_id: int,
    openings: Sequence[tuple[NewIncident, datetime, str | None, str | None, Joined | None]],
) -> list[OpenIncident]:
    if not openings:
        return []
    last = take_numbers(session, org_id, len(openings))
    numbers = range(last - len(openings) + 1, last + 1)
    connection = session.connection()
    rows = [
        _incident_row(org_id, number, new, at, alert_id, joined)
        for number, (new, at, alert_id, _, joined) in zip(numbers, openings, strict=True)
    ]
    # Rows come back in any order (asking for parameter order costs a statement per row on
    # SQLite); the numbers, unique and known, tell which id is whose.
    id_of = {number: id_ for number, id_ in connection.execute(_INSERT_INCIDENT, rows)}
    ids = [id_of[number] for number in numbers]
    entries = []
    paging = []
    for incident_id, (new, at, alert_id, by, _) in zip(ids, openings, strict=True):
        manually = by is not None
        entries.append(_entry(org_id, incident_id, "triggered", at, by, None, manually, alert_id))
        if new.muted:
            message = "Paging is muted by maintenance mode"
            entries.append(_entry(org_id, incident_id, "muted", at, None, message, False, None))
        elif new.pages:
            paging.append((incident_id, at))
    connection.execute(_INSERT_TRANSITION, entries)
    timers.add_new_many(
        session,
        org_id,
        PAGE_TIMER,
        [(at, {"incident_id": i}, page_timer_key(i), escalation_subject(i)) for i, at in paging],
    )
    return [OpenIncident(i, n) for i, n in zip(ids, numbers, strict=True)]


def _incident_row(
    org_id: int,
    number: int,
    new: NewIncident,
    at: datetime,
    alert_id: str | None,
    joined: Joined | None,
) -> dict[str, Any]:
    row: dict[str, Any] = {
        "org_id": org_id,
        "number": number,
        "phase": "triggered",
        "routing_key": new.routing_key,
        "entity_id": new.entity_id,
        "entity_display_name": new.entity_display_name,
        "entity_state": new.entity_state,
        "entity_type": "SERVICE",
        "state_message": new.state_message,
        "host": new.host,
        "service": new.service or new.entity_display_name or None,
        "monitoring_tool": new.monitoring_tool,
        "alert_count": 1 if alert_id else 0,
        "last_alert_id": alert_id,
        "last_alert_at": at,
        "started_at": at,
        "muted": new.muted,
        "is_multi_responder": new.is_multi_responder,
    }
    if joined is not None:
        row["alert_count"] += joined.count
        row["last_alert_id"] = joined.last_alert_id
        row["last_alert_at"] = joined.last_alert_at
        row["entity_state"] = joined.entity_state
        row["entity_display_name"] = joined.entity_display_name or new.entity_display_name
        row["state_message"] = joined.state_message or new.state_message
    return row


def join(session: Session, incident: OpenIncident, joined: Joined) -> None:
    """Further alerts on an open incident's entity: counted, and their state taken over."""
    join_many(session, [(incident.id, joined)])


def join_many(session: Session, joins: Sequence[tuple[int, Joined]]) -> None:
    """Join alerts to several open incidents (in id order, so batches lock alike); raises
    IncidentChanged when one of them was resolved meanwhile."""
    if not joins:
        return
    parameters = [
        {
            "incident_id": incident_id,
            "count": joined.count,
            "alert": joined.last_alert_id,
            "alert_at": joined.last_alert_at,
            "state": joined.entity_state,
            "display_name": joined.entity_display_name or None,
            "message": joined.state_message,
        }
        for incident_id, joined in sorted(joins, key=lambda pair: pair[0])
    ]
    updated = session.connection().execute(_JOIN, parameters)
    if updated.rowcount != len(parameters):
        raise IncidentChanged("an incident was resolved meanwhile")


_JOIN = (
    update(table_of(Incident))
    .where(Incident.id == bindparam("incident_id"), Incident.phase != "resolved")
    .values(
        alert_count=Incident.alert_count + bindparam("count"),
        last_alert_id=bindparam("alert"),
        last_alert_at=bindparam("alert_at"),
        entity_state=bindparam("state"),
        entity_display_name=func.coalesce(bindparam("display_name"), Incident.entity_display_name),
        state_message=func.coalesce(bindparam("message"), Incident.state_message),
    )
)


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
        return _acknowledge_as_responder(session, incident, at, by, message)
    acknowledge_responder(session, incident.id, by, at)
    record(session, incident, "acknowledged", at, by, message, manually, alert_id)
    paging = [escalation_subject(incident.id)]
    if not incident.is_multi_responder:
        paging.append(responders_subject(incident.id))
    timers.cancel_subjects(session, paging)
    return True


def _acknowledge_as_responder(
    session: Session, incident: Incident, at: datetime, by: str, message: str | None
) -> bool:
    """On a multi-responder incident someone acknowledged already, each paged user still
    acknowledges for themselves, which stops their own paging."""
    if not incident.is_multi_responder:
        return False
    session.refresh(incident, ["phase"])
    if incident.phase != "acknowledged":
        return False
    user_id = acknowledge_responder(session, incident.id, by, at)
    if user_id is None:
        return False
    record(
        session, incident, "acknowledged", at, by, message or "Acknowledged as a responder", True
    )
    timers.cancel(session, responder_timer_key(incident.id, user_id))
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
    timers.cancel_subjects(
        session, [escalation_subject(incident.id), responders_subject(incident.id)]
    )
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


def repage(
    session: Session,
    incident: Incident,
    at: datetime,
    *,
    message: str = "Paged again from the first escalation step",
) -> bool:
    """Page a still-triggered incident again from the first escalation step (a maintenance mode
    that muted it has ended): it is no longer muted. False (nothing changed) unless triggered."""
    if not _update_if(session, incident, ("triggered",), {"muted": False}):
        return False
    record(session, incident, "repaged", at, None, message)
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
        **_entry(incident.org_id, incident.id, name, at, by, message, manually, alert_id)
    )
    session.add(transition)
    return transition


def note(
    session: Session, org_id: int, incident_id: int, name: str, at: datetime, message: str
) -> None:
    """Append an entry to the timeline of an incident known only by its id (what happened to
    the notifications it sent, say)."""
    entry = _entry(org_id, incident_id, name, at, None, message, False, None)
    session.connection().execute(_INSERT_TRANSITION, [entry])


def _entry(
    org_id: int,
    incident_id: int,
    name: str,
    at: datetime,
    by: str | None,
    message: str | None,
    manually: bool,
    alert_id: str | None,
) -> dict[str, Any]:
    return {
        "org_id": org_id,
        "incident_id": incident_id,
        "name": name,
        "at": at,
        "by": by,
        "message": message,
        "manually": manually,
        "alert_id": alert_id,
    }


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
    """Page afresh: what was pending for the old targets is dropped."""
    timers.cancel_subjects(
        session, [escalation_subject(incident.id), responders_subject(incident.id)]
    )
    timers.schedule(
        session,
        incident.org_id,
        PAGE_TIMER,
        at,
        {"incident_id": incident.id},
        key=page_timer_key(incident.id),
        subject=escalation_subject(incident.id),
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
