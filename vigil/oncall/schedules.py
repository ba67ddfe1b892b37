"""Read views over on-call: who is on call now in every team, and schedules over a window.

Everything here is computed from the rotations, policies and substitutions as stored, with a
fixed number of queries however many teams, policies, rotations and users are involved.
"""

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.errors import Invalid
from vigil.oncall.models import (
    ROTATION_ENTRY_KINDS,
    EscalationEntry,
    EscalationPolicy,
    EscalationStep,
    Rotation,
)
from vigil.oncall.policies import entries_of
from vigil.oncall.rotations import RotationPlan, load_plans
from vigil.oncall.shifts import member_of_turn, next_handoff, slot_at, slots
from vigil.oncall.substitutions import Substitution, substitute, substitutions
from vigil.oncall.who import TURN_OFFSETS, paged_users
from vigil.people.models import Team, User

MAX_DAYS_FORWARD = 30
MAX_DAYS_SKIP = 90
MAX_STEP = 3


@dataclass(frozen=True)
class Window:
    """The stretch of time a schedule covers, and which escalation step it shows."""

    start: datetime
    end: datetime
    step: int = 0


@dataclass(frozen=True)
class Roll:
    start: datetime
    end: datetime
    user: User
    is_roll: bool


@dataclass(frozen=True)
class ScheduleEntry:
    kind: str  # the entry's executionType (VictorOps onCallType)
    time_zone: str
    rotation: Rotation | None
    shift_name: str | None
    on_call: User | None  # as scheduled at the window's start
    override: User | None  # who stands in for them then, if anyone
    shift_roll: datetime | None  # the next handoff after the window's start
    rolls: list[Roll]


@dataclass(frozen=True)
class OverrideWindow:
    original: User
    stand_in: User
    start: datetime
    end: datetime
    policy: EscalationPolicy


@dataclass(frozen=True)
class PolicySchedule:
    policy: EscalationPolicy
    entries: list[ScheduleEntry]
    overrides: list[OverrideWindow]


@dataclass(frozen=True)
class TeamSchedule:
    team: Team
    policies: list[PolicySchedule]


@dataclass(frozen=True)
class PolicyOnCall:
    policy: EscalationPolicy
    users: list[User]


@dataclass(frozen=True)
class TeamOnCall:
    team: Team
    policies: list[PolicyOnCall]


def window(now: datetime, days_forward: int = 14, days_skip: int = 0, step: int = 0) -> Window:
    """The schedule window of the VictorOps query parameters, checked against their ranges."""
    if not 0 <= days_forward <= MAX_DAYS_FORWARD:
        raise Invalid(f"daysForward must be 0 to {MAX_DAYS_FORWARD}")
    if not 0 <= days_skip <= MAX_DAYS_SKIP:
        raise Invalid(f"daysSkip must be 0 to {MAX_DAYS_SKIP}")
    if not 0 <= step <= MAX_STEP:
        raise Invalid(f"step must be 0 to {MAX_STEP}")
    start = now + timedelta(days=days_skip)
    return Window(start, start + timedelta(days=days_forward), step)


@dataclass(frozen=True)
class Loaded:
    policies: list[EscalationPolicy]
    entries: dict[int, list[EscalationEntry]]  # by policy id
    plans: dict[int, RotationPlan]
    subs: dict[int, list[Substitution]]
    users: dict[int, User]


def load(
    session: Session,
    teams: Sequence[Team],
    start: datetime,
    end: datetime,
    step: int | None,
    with_users: bool = True,
    org_id: int | None = None,
) -> Loaded:
    """The teams' policies with the entries of one step (or all), their rotations,
    substitutions over [start, end) and (unless not wanted) every user they name: eight
    queries at most."""
    if org_id is not None:  # every team of the organization: no list of ids to send
        wanted = EscalationPolicy.org_id == org_id
    else:
        wanted = EscalationPolicy.team_id.in_([team.id for team in teams])
    policies = list(
        session.scalars(
            select(EscalationPolicy)
            .where(wanted)
            .order_by(EscalationPolicy.name, EscalationPolicy.id)
        )
    )
    policy_ids = select(EscalationPolicy.id).where(wanted)
    steps = select(EscalationStep.id, EscalationStep.policy_id).where(
        EscalationStep.policy_id.in_(policy_ids)
    )
    if step is not None:
        steps = steps.where(EscalationStep.position == step)
    chosen: dict[int, int] = dict(session.execute(steps).all())
    step_ids = select(steps.subquery().c.id)
    by_step = entries_of(session, step_ids)
    entries: dict[int, list[EscalationEntry]] = {p.id: [] for p in policies}
    for step_id, step_entries in by_step.items():
        entries[chosen[step_id]].extend(step_entries)
    rotation_ids = select(EscalationEntry.rotation_id).where(
        EscalationEntry.step_id.in_(step_ids), EscalationEntry.rotation_id.is_not(None)
    )
    plans = load_plans(session, rotation_ids)
    subs = substitutions(session, policy_ids, start, end)
    if not with_users:
        return Loaded(policies, entries, plans, subs, {})
    user_ids = (
        {e.user_id for es in entries.values() for e in es if e.user_id}
        | {m for plan in plans.values() for rule in plan.rules for m in rule.members}
        | {u for ss in subs.values() for s in ss for u in (s.from_user_id, s.to_user_id)}
    )
    return Loaded(policies, entries, plans, subs, _users(session, user_ids))


def on_call_now(
    session: Session, org_id: int, at: datetime, *, team_ids: Collection[int] | None = None
) -> list[TeamOnCall]:
    """Every team (or those of `team_ids`) with, per escalation policy, who its rotations page
    at `at`."""
    query = select(Team).where(Team.org_id == org_id).order_by(Team.name)
    if team_ids is not None:
        query = query.where(Team.id.in_(team_ids))
    teams = list(session.scalars(query))
    moment = (at, at + timedelta(microseconds=1))
    everyone = org_id if team_ids is None else None
    loaded = load(session, teams, *moment, None, with_users=False, org_id=everyone)
    on_call: dict[int, list[int]] = {}
    for policy in loaded.policies:
        subs = loaded.subs.get(policy.id, [])
        found = on_call[policy.id] = []
        for entry in loaded.entries[policy.id]:
            plan = loaded.plans.get(entry.rotation_id) if entry.rotation_id else None
            if plan is None or entry.kind != ROTATION_ENTRY_KINDS[0]:
                continue
            found.extend(u for u in paged_users(plan, at, subs) if u not in found)
    users = _users(session, {u for found in on_call.values() for u in found})
    by_team: dict[int, list[PolicyOnCall]] = {team.id: [] for team in teams}
    for policy in loaded.policies:
        people = [users[u] for u in on_call[policy.id]]
        by_team[policy.team_id].append(PolicyOnCall(policy, people))
    return [TeamOnCall(team, by_team[team.id]) for team in teams]


def team_schedules(session: Session, teams: Sequence[Team], span: Window) -> list[TeamSchedule]:
    """Each team's policies with the entries of step `span.step` scheduled over the window."""
    loaded = load(session, teams, span.start, span.end, span.step)
    by_team: dict[int, list[PolicySchedule]] = {team.id: [] for team in teams}
    for policy in loaded.policies:
        subs = loaded.subs.get(policy.id, [])
        schedule = [
            scheduled
            for entry in loaded.entries[policy.id]
            for scheduled in _entry_schedule(entry, loaded, subs, span)
        ]
        overrides = [
            OverrideWindow(
                loaded.users[sub.from_user_id],
                loaded.users[sub.to_user_id],
                sub.start,
                sub.end,
                policy,
            )
            for sub in subs
        ]
        by_team[policy.team_id].append(PolicySchedule(policy, schedule, overrides))
    return [TeamSchedule(team, by_team[team.id]) for team in teams]


def _entry_schedule(
    entry: EscalationEntry, loaded: Loaded, subs: Sequence[Substitution], span: Window
) -> Iterable[ScheduleEntry]:
    if entry.user_id is not None:
        user = loaded.users[entry.user_id]
        stand_in = substitute(user.id, subs, span.start)
        yield ScheduleEntry(
            kind=entry.kind,
            time_zone="UTC",
            rotation=None,
            shift_name=None,
            on_call=user,
            override=loaded.users[stand_in] if stand_in != user.id else None,
            shift_roll=None,
            rolls=[Roll(span.start, span.end, user, False)] if span.end > span.start else [],
        )
        return
    plan = loaded.plans.get(entry.rotation_id) if entry.rotation_id else None
    if plan is None:
        return
    offset = TURN_OFFSETS[entry.kind]
    for rule in plan.rules:
        current = slot_at(rule, span.start)
        scheduled = member_of_turn(rule, current.turn + offset) if current else None
        covering = substitute(scheduled, subs, span.start) if scheduled is not None else None
        rolls = []
        for stretch in slots(rule, span.start, span.end):
            member = member_of_turn(rule, stretch.turn + offset)
            if member is not None:
                rolls.append(Roll(stretch.start, stretch.end, loaded.users[member], True))
        yield ScheduleEntry(
            kind=entry.kind,
            time_zone=rule.time_zone,
            rotation=plan.rotation,
            shift_name=rule.name,
            on_call=loaded.users[scheduled] if scheduled is not None else None,
            override=(
                loaded.users[covering] if covering is not None and covering != scheduled else None
            ),
            shift_roll=next_handoff(rule, span.start),
            rolls=rolls,
        )


def _users(session: Session, ids: set[int]) -> dict[int, User]:
    if not ids:
        return {}
    return {user.id: user for user in session.scalars(select(User).where(User.id.in_(ids)))}
