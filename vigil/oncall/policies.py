"""Escalation policies of a team, their steps and entries: the one writer.

Entries name their target the VictorOps way (a username, a rotation slug, a policy slug, a
webhook slug or an e-mail address); they are stored by key, exactly one target each.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, delete, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from vigil import clock
from vigil.db import ids_or_query
from vigil.errors import Conflict, Invalid, NotFound
from vigil.identifiers import slug
from vigil.notify.models import Webhook
from vigil.oncall.models import (
    ENTRY_KINDS,
    ROTATION_ENTRY_KINDS,
    EscalationEntry,
    EscalationPolicy,
    EscalationStep,
    Rotation,
)
from vigil.people import validation
from vigil.people.models import Team, User

MAX_STEPS = 20
MAX_ENTRIES = 50
MAX_TIMEOUT_MINUTES = 24 * 60

T = TypeVar("T", User, Rotation, EscalationPolicy, Webhook)


@dataclass(frozen=True)
class EntrySpec:
    """`ref` is a username, rotation slug, policy slug, webhook slug or address, by `kind`."""

    kind: str
    ref: str


@dataclass(frozen=True)
class StepSpec:
    timeout_minutes: int
    entries: tuple[EntrySpec, ...]


@dataclass(frozen=True)
class EntryView:
    entry: EscalationEntry
    user: User | None = None
    rotation: Rotation | None = None
    policy: EscalationPolicy | None = None
    webhook: Webhook | None = None


@dataclass(frozen=True)
class StepView:
    step: EscalationStep
    entries: list[EntryView]


@dataclass(frozen=True)
class PolicyView:
    policy: EscalationPolicy
    team: Team
    steps: list[StepView]


def list_policies(
    session: Session, org_id: int, team: Team | None = None
) -> list[tuple[EscalationPolicy, Team]]:
    query = (
        select(EscalationPolicy, Team)
        .join(Team, Team.id == EscalationPolicy.team_id)
        .where(EscalationPolicy.org_id == org_id)
        .order_by(Team.name, EscalationPolicy.name, EscalationPolicy.id)
    )
    if team is not None:
        query = query.where(EscalationPolicy.team_id == team.id)
    return [(policy, owner) for policy, owner in session.execute(query)]


def get_policy(session: Session, org_id: int, policy_slug: str) -> EscalationPolicy:
    policy = session.scalar(
        select(EscalationPolicy).where(
            EscalationPolicy.org_id == org_id, EscalationPolicy.slug == policy_slug
        )
    )
    if policy is None:
        raise NotFound(f"Escalation policy {policy_slug} not found")
    return policy


def create_policy(
    session: Session,
    org_id: int,
    team: Team,
    name: str,
    steps: Sequence[StepSpec],
    ignore_custom_paging_policies: bool = False,
) -> EscalationPolicy:
    name = _valid_name(name)
    resolved = _resolve(session, org_id, steps)
    policy = EscalationPolicy(
        org_id=org_id,
        team_id=team.id,
        slug=slug("pol"),
        name=name,
        ignore_custom_paging_policies=ignore_custom_paging_policies,
        created_at=clock.now(),
    )
    session.add(policy)
    session.flush()
    _write_steps(session, policy, steps, resolved)
    return policy


def update_policy(
    session: Session,
    policy: EscalationPolicy,
    steps: Sequence[StepSpec],
    ignore_custom_paging_policies: bool | None = None,
    name: str | None = None,
) -> EscalationPolicy:
    """Replace a policy's steps (and its name or flag, when given)."""
    resolved = _resolve(session, policy.org_id, steps)
    targets = {target.id for target in resolved.values() if isinstance(target, EscalationPolicy)}
    _refuse_cycles(session, policy, targets)
    if name is not None:
        policy.name = _valid_name(name)
    if ignore_custom_paging_policies is not None:
        policy.ignore_custom_paging_policies = ignore_custom_paging_policies
    session.execute(delete(EscalationStep).where(EscalationStep.policy_id == policy.id))
    _write_steps(session, policy, steps, resolved)
    return policy


def policies_with_entries(session: Session, condition: ColumnElement[bool]) -> list[str]:
    """The slugs of the policies with an entry matching `condition` (paging a rotation, routing
    to a policy ...): what stands in the way of deleting that target."""
    return list(
        session.scalars(
            select(EscalationPolicy.slug)
            .join(EscalationStep, EscalationStep.policy_id == EscalationPolicy.id)
            .join(EscalationEntry, EscalationEntry.step_id == EscalationStep.id)
            .where(condition)
            .distinct()
        )
    )


def delete_policy(session: Session, policy: EscalationPolicy) -> None:
    """Remove a policy; refused while another policy routes to it."""
    routing = policies_with_entries(session, EscalationEntry.target_policy_id == policy.id)
    if routing:
        raise Conflict(
            f"Escalation policy {policy.slug} is the target of policy "
            f"{', '.join(sorted(routing))}; remove those entries first"
        )
    session.delete(policy)
    session.flush()


def policy_views(session: Session, policies: Sequence[EscalationPolicy]) -> list[PolicyView]:
    """Policies with their team, steps and entries' targets: a fixed number of queries."""
    if not policies:
        return []
    teams = {
        team.id: team
        for team in session.scalars(select(Team).where(Team.id.in_({p.team_id for p in policies})))
    }
    steps = steps_of(session, [policy.id for policy in policies])
    entries = entries_of(session, [step.id for ss in steps.values() for step in ss])
    views = entry_views(session, [e for es in entries.values() for e in es])
    return [
        PolicyView(
            policy,
            teams[policy.team_id],
            [
                StepView(step, [views[entry.id] for entry in entries[step.id]])
                for step in steps[policy.id]
            ],
        )
        for policy in policies
    ]


def steps_of(session: Session, policy_ids: Iterable[int]) -> dict[int, list[EscalationStep]]:
    found: dict[int, list[EscalationStep]] = defaultdict(list)
    ids = set(policy_ids)
    if not ids:
        return found
    for step in session.scalars(
        select(EscalationStep)
        .where(EscalationStep.policy_id.in_(ids))
        .order_by(EscalationStep.policy_id, EscalationStep.position)
    ):
        found[step.policy_id].append(step)
    return found


def entries_of(
    session: Session, step_ids: Iterable[int] | Select[Any]
) -> dict[int, list[EscalationEntry]]:
    """The entries of steps (by id, or a query of them), in order, in one query."""
    found: dict[int, list[EscalationEntry]] = defaultdict(list)
    ids = ids_or_query(step_ids)
    if ids is None:
        return found
    for entry in session.scalars(
        select(EscalationEntry)
        .where(EscalationEntry.step_id.in_(ids))
        .order_by(EscalationEntry.step_id, EscalationEntry.position)
    ):
        found[entry.step_id].append(entry)
    return found


def entry_views(session: Session, entries: Sequence[EscalationEntry]) -> dict[int, EntryView]:
    """Each entry with its target loaded: one query per kind of target present."""
    users = _by_id(session, User, {e.user_id for e in entries if e.user_id})
    rotations = _by_id(session, Rotation, {e.rotation_id for e in entries if e.rotation_id})
    policies = _by_id(
        session, EscalationPolicy, {e.target_policy_id for e in entries if e.target_policy_id}
    )
    webhooks = _by_id(session, Webhook, {e.webhook_id for e in entries if e.webhook_id})
    return {
        entry.id: EntryView(
            entry,
            user=users.get(entry.user_id) if entry.user_id else None,
            rotation=rotations.get(entry.rotation_id) if entry.rotation_id else None,
            policy=policies.get(entry.target_policy_id) if entry.target_policy_id else None,
            webhook=webhooks.get(entry.webhook_id) if entry.webhook_id else None,
        )
        for entry in entries
    }


def _by_id(session: Session, model: type[T], ids: set[int]) -> dict[int, T]:
    if not ids:
        return {}
    return {row.id: row for row in session.scalars(select(model).where(model.id.in_(ids)))}


Target = User | Rotation | EscalationPolicy | Webhook | str


def _resolve(session: Session, org_id: int, steps: Sequence[StepSpec]) -> dict[EntrySpec, Target]:
    """Every entry's target, looked up in one query per kind; bad input is refused with a reason."""
    if not steps:
        raise Invalid("An escalation policy needs at least one step")
    if len(steps) > MAX_STEPS:
        raise Invalid(f"An escalation policy has at most {MAX_STEPS} steps")
    specs: list[EntrySpec] = []
    for number, step in enumerate(steps):
        if not 0 <= step.timeout_minutes <= MAX_TIMEOUT_MINUTES:
            raise Invalid(f"Step {number}: timeout is 0 to {MAX_TIMEOUT_MINUTES} minutes")
        if not step.entries:
            raise Invalid(f"Step {number} needs at least one entry")
        if len(step.entries) > MAX_ENTRIES:
            raise Invalid(f"Step {number} has more than {MAX_ENTRIES} entries")
        for spec in step.entries:
            if spec.kind not in ENTRY_KINDS:
                raise Invalid(
                    f"Step {number}: executionType {spec.kind!r} is not one of "
                    f"{', '.join(ENTRY_KINDS)}"
                )
            if not spec.ref:
                raise Invalid(f"Step {number}: a {spec.kind} entry does not name its target")
            specs.append(spec)

    def refs(*kinds: str) -> set[str]:
        return {spec.ref for spec in specs if spec.kind in kinds}

    users = _named(session, User, User.username, org_id, refs("user"))
    rotations = _named(session, Rotation, Rotation.slug, org_id, refs(*ROTATION_ENTRY_KINDS))
    policies = _named(
        session, EscalationPolicy, EscalationPolicy.slug, org_id, refs("policy_routing")
    )
    webhooks = _named(session, Webhook, Webhook.slug, org_id, refs("webhook"))
    resolved: dict[EntrySpec, Target] = {}
    for spec in specs:
        target: Target | None
        if spec.kind == "user":
            target = users.get(spec.ref)
        elif spec.kind in ROTATION_ENTRY_KINDS:
            target = rotations.get(spec.ref)
        elif spec.kind == "policy_routing":
            target = policies.get(spec.ref)
        elif spec.kind == "webhook":
            target = webhooks.get(spec.ref)
        else:
            target = validation.email_address(spec.ref)
        if target is None:
            noun = {"user": "User", "policy_routing": "Escalation policy", "webhook": "Webhook"}
            raise Invalid(f"{noun.get(spec.kind, 'Rotation')} {spec.ref} not found")
        resolved[spec] = target
    return resolved


def _named(
    session: Session,
    model: type[T],
    column: InstrumentedAttribute[str],
    org_id: int,
    names: set[str],
) -> dict[str, T]:
    if not names:
        return {}
    key = column.key
    return {
        getattr(row, key): row
        for row in session.scalars(select(model).where(model.org_id == org_id, column.in_(names)))
    }


def _write_steps(
    session: Session,
    policy: EscalationPolicy,
    steps: Sequence[StepSpec],
    resolved: dict[EntrySpec, Target],
) -> None:
    for position, spec in enumerate(steps):
        step = EscalationStep(
            org_id=policy.org_id,
            policy_id=policy.id,
            position=position,
            timeout_minutes=spec.timeout_minutes,
        )
        session.add(step)
        session.flush()
        for entry_position, entry in enumerate(spec.entries):
            target = resolved[entry]
            session.add(
                EscalationEntry(
                    org_id=policy.org_id,
                    step_id=step.id,
                    position=entry_position,
                    kind=entry.kind,
                    user_id=target.id if isinstance(target, User) else None,
                    rotation_id=target.id if isinstance(target, Rotation) else None,
                    target_policy_id=target.id if isinstance(target, EscalationPolicy) else None,
                    webhook_id=target.id if isinstance(target, Webhook) else None,
                    email=target if isinstance(target, str) else None,
                )
            )
    session.flush()


def _refuse_cycles(session: Session, policy: EscalationPolicy, targets: set[int]) -> None:
    """A policy may not route, directly or through others, back to itself."""
    edges: dict[int, set[int]] = defaultdict(set)
    rows = session.execute(
        select(EscalationStep.policy_id, EscalationEntry.target_policy_id)
        .join(EscalationEntry, EscalationEntry.step_id == EscalationStep.id)
        .where(
            EscalationStep.org_id == policy.org_id,
            EscalationEntry.target_policy_id.is_not(None),
        )
    )
    for source, target in rows:
        if target is not None:
            edges[source].add(target)
    edges[policy.id] = targets
    seen: set[int] = set()
    pending = list(targets)
    while pending:
        current = pending.pop()
        if current == policy.id:
            raise Invalid(f"Escalation policy {policy.slug} would route back to itself")
        if current not in seen:
            seen.add(current)
            pending.extend(edges[current])


def _valid_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise Invalid("Escalation policy name must not be empty")
    return name
