"""Incident commands as the APIs ask for them: by number, by user, in batches.

Orchestration over `service` (the only writer of incidents): look up what a request names,
refuse bad input before anything is written, then change each incident through the service
and report the outcome per incident. No HTTP here; the adapters translate these results.
"""

import re
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from vigil.errors import NotFound
from vigil.incidents import service
from vigil.incidents.models import Incident, Recipient, Target, Transition
from vigil.incidents.recipients import recipients_of
from vigil.incidents.service import TargetRef
from vigil.oncall.models import EscalationPolicy
from vigil.people.models import User
from vigil.people.users import get_user

RECENTLY_RESOLVED = timedelta(hours=24)
"""How long a resolved incident stays in the list of current incidents."""

OPEN_PHASES = ("triggered", "acknowledged")
_NUMBER = re.compile(r"^[0-9]{1,10}$")
_LARGEST_NUMBER = 2**31 - 1


@dataclass(frozen=True)
class IncidentView:
    """An incident with its timeline and whom it paged, as the APIs show it."""

    incident: Incident
    transitions: list[Transition]
    recipients: list[Recipient]


@dataclass(frozen=True)
class CommandResult:
    """The outcome of acknowledging or resolving one incident; `number` as it was asked for."""

    number: str
    entity_id: str | None
    accepted: bool
    message: str


@dataclass(frozen=True)
class RerouteRequest:
    number: str
    targets: Sequence[TargetRef]
    add_targets: bool = False


@dataclass(frozen=True)
class TargetStatus:
    slug: str
    success: bool
    message: str


@dataclass(frozen=True)
class RerouteResult:
    number: str
    success: bool
    message: str
    targets: list[TargetStatus]


Change = Callable[..., bool]


def parse_number(text: str) -> int | None:
    """An incident number from its wire form (a string of digits); None if it cannot be one."""
    if not _NUMBER.match(text):
        return None
    number = int(text)
    return number if 0 < number <= _LARGEST_NUMBER else None


def recent_incidents(session: Session, org_id: int, now: datetime) -> list[IncidentView]:
    """Open incidents and those resolved within RECENTLY_RESOLVED, by number: three queries."""
    incidents = list(
        session.scalars(
            select(Incident)
            .where(
                Incident.org_id == org_id,
                or_(Incident.phase != "resolved", Incident.resolved_at >= now - RECENTLY_RESOLVED),
            )
            .order_by(Incident.number)
        )
    )
    return views_of(session, incidents)


def get_incident(session: Session, org_id: int, number: str) -> IncidentView:
    parsed = parse_number(number)
    incident = service.by_numbers(session, org_id, [parsed]).get(parsed) if parsed else None
    if incident is None:
        raise NotFound(f"Incident {number} not found")
    return views_of(session, [incident])[0]


def views_of(session: Session, incidents: Sequence[Incident]) -> list[IncidentView]:
    """Timelines and recipients of all the incidents in one query each."""
    ids = [incident.id for incident in incidents]
    transitions = service.transitions_of(session, ids)
    recipients = recipients_of(session, ids)
    return [IncidentView(i, transitions[i.id], recipients[i.id]) for i in incidents]


def acknowledge_numbers(
    session: Session,
    org_id: int,
    username: str,
    numbers: Sequence[str],
    at: datetime,
    message: str | None = None,
) -> list[CommandResult]:
    """Acknowledge incidents by number: one result per number asked for, in order."""
    by = get_user(session, org_id, username).username
    return _by_numbers(session, org_id, service.acknowledge, by, numbers, at, message)


def resolve_numbers(
    session: Session,
    org_id: int,
    username: str,
    numbers: Sequence[str],
    at: datetime,
    message: str | None = None,
) -> list[CommandResult]:
    """Resolve incidents by number: one result per number asked for, in order."""
    by = get_user(session, org_id, username).username
    return _by_numbers(session, org_id, service.resolve, by, numbers, at, message)


def for_user(
    session: Session, org_id: int, username: str, phases: Collection[str] = OPEN_PHASES
) -> list[Incident]:
    """Incidents in `phases` that target the user, by number."""
    return list(
        session.scalars(
            select(Incident)
            .join(Target, Target.incident_id == Incident.id)
            .where(
                Incident.org_id == org_id,
                Incident.phase.in_(phases),
                Target.kind == "user",
                Target.slug == username,
            )
            .order_by(Incident.number)
        )
    )


def acknowledge_for_user(
    session: Session, org_id: int, username: str, at: datetime, message: str | None = None
) -> list[CommandResult]:
    """Acknowledge every triggered incident that targets the user."""
    by = get_user(session, org_id, username).username
    return [
        _apply(session, service.acknowledge, incident, str(incident.number), by, at, message)
        for incident in for_user(session, org_id, by, ("triggered",))
    ]


def resolve_for_user(
    session: Session, org_id: int, username: str, at: datetime, message: str | None = None
) -> list[CommandResult]:
    """Resolve every open incident that targets the user."""
    by = get_user(session, org_id, username).username
    return [
        _apply(session, service.resolve, incident, str(incident.number), by, at, message)
        for incident in for_user(session, org_id, by, OPEN_PHASES)
    ]


def reroute_incidents(
    session: Session,
    org_id: int,
    username: str,
    requests: Sequence[RerouteRequest],
    at: datetime,
) -> list[RerouteResult]:
    """Reroute each incident to the targets that exist; unknown targets are reported, not paged."""
    by = get_user(session, org_id, username).username
    problems = target_problems(session, org_id, [t for r in requests for t in r.targets])
    parsed = {request.number: parse_number(request.number) for request in requests}
    found = service.by_numbers(session, org_id, {n for n in parsed.values() if n is not None})
    results = []
    for request in requests:
        number = parsed[request.number]
        incident = found.get(number) if number is not None else None
        results.append(_reroute(session, incident, request, problems, by, at))
    return results


def target_problems(
    session: Session, org_id: int, targets: Iterable[TargetRef]
) -> dict[TargetRef, str]:
    """What is wrong with each target that names nothing, in one query per kind."""
    targets = list(targets)
    users = _existing_usernames(session, org_id, {t.slug for t in targets if t.kind == "user"})
    policies = _existing_policies(session, org_id, {t.slug for t in targets if t.kind == "policy"})
    problems = {}
    for target in targets:
        if target.kind == "user" and target.slug not in users:
            problems[target] = f"User {target.slug} not found"
        elif target.kind == "policy" and target.slug not in policies:
            problems[target] = f"Escalation policy {target.slug} not found"
    return problems


def _by_numbers(
    session: Session,
    org_id: int,
    change: Change,
    by: str,
    numbers: Sequence[str],
    at: datetime,
    message: str | None,
) -> list[CommandResult]:
    parsed = {text: parse_number(text) for text in numbers}
    found = service.by_numbers(session, org_id, {n for n in parsed.values() if n is not None})
    results = []
    for text in numbers:
        number = parsed[text]
        incident = found.get(number) if number is not None else None
        if incident is None:
            results.append(CommandResult(text, None, False, f"Incident {text} not found"))
        else:
            results.append(_apply(session, change, incident, text, by, at, message))
    return results


def _apply(
    session: Session,
    change: Change,
    incident: Incident,
    label: str,
    by: str,
    at: datetime,
    message: str | None,
) -> CommandResult:
    if change(session, incident, at, by=by, message=message):
        return CommandResult(label, incident.entity_id, True, "")
    acceptable = ("triggered",) if change is service.acknowledge else OPEN_PHASES
    if incident.phase in acceptable:  # changed by someone else since it was read
        session.refresh(incident, ["phase"])
    return CommandResult(
        label, incident.entity_id, False, f"Incident {label} is already {incident.phase}"
    )


def _reroute(
    session: Session,
    incident: Incident | None,
    request: RerouteRequest,
    problems: dict[TargetRef, str],
    by: str,
    at: datetime,
) -> RerouteResult:
    if incident is None:
        return RerouteResult(request.number, False, f"Incident {request.number} not found", [])
    resolved = RerouteResult(request.number, False, f"Incident {request.number} is resolved", [])
    if incident.phase == "resolved":
        return resolved
    statuses = [
        TargetStatus(target.slug, target not in problems, problems.get(target, ""))
        for target in request.targets
    ]
    valid = [target for target in dict.fromkeys(request.targets) if target not in problems]
    if not valid:
        return RerouteResult(request.number, False, "No target exists; nothing changed", statuses)
    if not service.reroute(session, incident, valid, at, by=by, keep_existing=request.add_targets):
        return resolved
    return RerouteResult(request.number, True, "", statuses)


def _existing_usernames(session: Session, org_id: int, usernames: set[str]) -> set[str]:
    if not usernames:
        return set()
    return set(
        session.scalars(
            select(User.username).where(User.org_id == org_id, User.username.in_(usernames))
        )
    )


def _existing_policies(session: Session, org_id: int, slugs: set[str]) -> set[str]:
    """The slugs among `slugs` that name one of the organization's escalation policies."""
    if not slugs:
        return set()
    return set(
        session.scalars(
            select(EscalationPolicy.slug).where(
                EscalationPolicy.org_id == org_id, EscalationPolicy.slug.in_(slugs)
            )
        )
    )
