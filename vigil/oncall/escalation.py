"""What the paging engine asks of on-call: who an escalation policy's step pages at a moment.

    step_targets(session, policy_id, step_index, at) -> StepTargets | None
    policy_team(session, policy_id) -> PolicyTeam | None

`step_targets` returns None once the policy has no step `step_index` (the escalation ends).
Rotation entries are resolved at `at` (current, next or previous member of each shift that is
on), then the policy's scheduled overrides and take-on-calls active at `at` replace users, for
rotation and direct user entries alike. Policy-routing entries are only named: the engine runs
those policies itself.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.oncall.models import ROTATION_ENTRY_KINDS, EscalationPolicy, EscalationStep
from vigil.oncall.policies import entries_of
from vigil.oncall.rotations import load_plans
from vigil.oncall.substitutions import Substitution, substitute, substitutions
from vigil.oncall.who import paged_users
from vigil.people.models import Team


@dataclass(frozen=True)
class StepTargets:
    timeout: timedelta  # how long before the next step (0: the next step at once)
    user_ids: tuple[int, ...]  # users paged now, deduplicated, in entry order
    emails: tuple[str, ...]
    webhook_ids: tuple[int, ...]
    policy_ids: tuple[int, ...]  # policy_routing targets: the engine runs those too
    team_ids: tuple[int, ...]  # the policy's team and the teams of paged rotations


@dataclass(frozen=True)
class PolicyTeam:
    """Names for an incident's pagedTeams / pagedPolicies."""

    team_id: int
    team_slug: str
    team_name: str
    policy_slug: str
    policy_name: str


def policy_team(session: Session, policy_id: int) -> PolicyTeam | None:
    row = session.execute(
        select(Team.id, Team.slug, Team.name, EscalationPolicy.slug, EscalationPolicy.name)
        .join(Team, Team.id == EscalationPolicy.team_id)
        .where(EscalationPolicy.id == policy_id)
    ).first()
    return PolicyTeam(*row) if row else None


def step_targets(
    session: Session, policy_id: int, step_index: int, at: datetime
) -> StepTargets | None:
    """Who and what step `step_index` (0 first) of the policy pages at `at`."""
    found = session.execute(
        select(EscalationStep, EscalationPolicy.team_id)
        .join(EscalationPolicy, EscalationPolicy.id == EscalationStep.policy_id)
        .where(EscalationStep.policy_id == policy_id, EscalationStep.position == step_index)
    ).first()
    if found is None:
        return None
    step, team_id = found
    entries = entries_of(session, [step.id])[step.id]
    plans = load_plans(session, {e.rotation_id for e in entries if e.rotation_id is not None})
    subs: list[Substitution] = []
    if any(e.user_id is not None or e.rotation_id is not None for e in entries):
        subs = substitutions(session, [policy_id], at, at + timedelta(microseconds=1))[policy_id]
    users: list[int] = []
    emails: list[str] = []
    webhooks: list[int] = []
    policies: list[int] = []
    teams: list[int] = [team_id]
    for entry in entries:
        if entry.user_id is not None:
            _add(users, [substitute(entry.user_id, subs, at)])
        elif entry.rotation_id is not None and entry.kind in ROTATION_ENTRY_KINDS:
            plan = plans.get(entry.rotation_id)
            if plan is not None:
                _add(users, paged_users(plan, at, subs, entry.kind))
                _add(teams, [plan.rotation.team_id])
        elif entry.email is not None:
            _add(emails, [entry.email])
        elif entry.webhook_id is not None:
            _add(webhooks, [entry.webhook_id])
        elif entry.target_policy_id is not None:
            _add(policies, [entry.target_policy_id])
    return StepTargets(
        timeout=timedelta(minutes=step.timeout_minutes),
        user_ids=tuple(users),
        emails=tuple(emails),
        webhook_ids=tuple(webhooks),
        policy_ids=tuple(policies),
        team_ids=tuple(teams),
    )


def _add(into: list[Any], items: list[Any]) -> None:
    for item in items:
        if item not in into:
            into.append(item)
