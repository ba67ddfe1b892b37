"""Scheduled overrides with their per-policy assignments, and take-on-call: the one writer.

An override says a user is away from `start` to `end`. It gets one assignment per escalation
policy that pages the user (directly or through a rotation they are a member of); assigning a
user to it makes that user stand in for the absent one in that policy for the whole window.
Taking on-call makes one user stand in for another in a policy until the end of the other's
current stretch.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil import parser as dateparser
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from vigil import clock
from vigil.errors import Conflict, Invalid, NotFound
from vigil.identifiers import slug
from vigil.oncall.models import (
    ROTATION_ENTRY_KINDS,
    EscalationEntry,
    EscalationPolicy,
    EscalationStep,
    OnCallTake,
    OverrideAssignment,
    RotationMember,
    RotationShift,
    ScheduledOverride,
)
from vigil.oncall.policies import entries_of, steps_of
from vigil.oncall.rotations import load_plans, valid_zone
from vigil.oncall.substitutions import substitutions
from vigil.oncall.who import effective_slots
from vigil.people.models import Team, User
from vigil.people.users import named_user

MAX_OVERRIDE = timedelta(days=366)


@dataclass(frozen=True)
class AssignmentView:
    override: ScheduledOverride
    assignment: OverrideAssignment
    policy: EscalationPolicy
    team: Team
    user: User | None


@dataclass(frozen=True)
class OverrideView:
    override: ScheduledOverride
    user: User
    assignments: list[AssignmentView]


def parse_moment(text: str, zone: str, field: str) -> datetime:
    """An ISO 8601 date-time; one without an offset is read in `zone`."""
    try:
        moment = dateparser.isoparse(text)
    except (ValueError, OverflowError):
        raise Invalid(f"{field} {text!r} is not an ISO 8601 date-time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(valid_zone(zone)))
    return moment


def create_override(
    session: Session, org_id: int, username: str, time_zone: str, start: datetime, end: datetime
) -> ScheduledOverride:
    user = named_user(session, org_id, username, "User")
    if end <= start:
        raise Invalid("An override's end must be after its start")
    if end - start > MAX_OVERRIDE:
        raise Invalid("An override lasts at most 366 days")
    override = ScheduledOverride(
        org_id=org_id,
        public_id=slug("ovrprd"),
        user_id=user.id,
        time_zone=valid_zone(time_zone),
        start_at=start,
        end_at=end,
        created_at=clock.now(),
    )
    session.add(override)
    session.flush()
    for policy_id in policies_paging(session, user.id):
        session.add(OverrideAssignment(org_id=org_id, override_id=override.id, policy_id=policy_id))
    session.flush()
    return override


def policies_paging(session: Session, user_id: int) -> list[int]:
    """Policies with an entry for the user or for a rotation the user is a member of."""
    in_rotations = (
        select(RotationShift.rotation_id)
        .join(RotationMember, RotationMember.shift_id == RotationShift.id)
        .where(RotationMember.user_id == user_id)
    )
    return list(
        session.scalars(
            select(EscalationStep.policy_id)
            .join(EscalationEntry, EscalationEntry.step_id == EscalationStep.id)
            .where(
                or_(
                    EscalationEntry.user_id == user_id,
                    EscalationEntry.rotation_id.in_(in_rotations),
                )
            )
            .distinct()
            .order_by(EscalationStep.policy_id)
        )
    )


def list_overrides(session: Session, org_id: int) -> list[ScheduledOverride]:
    return list(
        session.scalars(
            select(ScheduledOverride)
            .where(ScheduledOverride.org_id == org_id)
            .order_by(ScheduledOverride.start_at, ScheduledOverride.id)
        )
    )


def get_override(session: Session, org_id: int, public_id: str) -> ScheduledOverride:
    override = session.scalar(
        select(ScheduledOverride).where(
            ScheduledOverride.org_id == org_id, ScheduledOverride.public_id == public_id
        )
    )
    if override is None:
        raise NotFound(f"Scheduled override {public_id} not found")
    return override


def delete_override(session: Session, override: ScheduledOverride) -> None:
    session.delete(override)
    session.flush()


def override_views(session: Session, overrides: Sequence[ScheduledOverride]) -> list[OverrideView]:
    """Overrides with their user and assignments: three queries whatever their number."""
    if not overrides:
        return []
    users = {
        user.id: user
        for user in session.scalars(select(User).where(User.id.in_({o.user_id for o in overrides})))
    }
    by_override: dict[int, list[AssignmentView]] = defaultdict(list)
    rows = session.execute(
        select(OverrideAssignment, EscalationPolicy, Team, User)
        .join(EscalationPolicy, EscalationPolicy.id == OverrideAssignment.policy_id)
        .join(Team, Team.id == EscalationPolicy.team_id)
        .outerjoin(User, User.id == OverrideAssignment.user_id)
        .where(OverrideAssignment.override_id.in_([o.id for o in overrides]))
        .order_by(OverrideAssignment.override_id, EscalationPolicy.name, EscalationPolicy.id)
    )
    known = {o.id: o for o in overrides}
    for assignment, policy, team, user in rows:
        by_override[assignment.override_id].append(
            AssignmentView(known[assignment.override_id], assignment, policy, team, user)
        )
    return [OverrideView(o, users[o.user_id], by_override[o.id]) for o in overrides]


def get_assignment(
    session: Session, override: ScheduledOverride, policy_slug: str
) -> AssignmentView:
    view = override_views(session, [override])[0]
    for assignment in view.assignments:
        if assignment.policy.slug == policy_slug:
            return assignment
    raise NotFound(f"Override {override.public_id} has no assignment for policy {policy_slug}")


def assign(
    session: Session,
    override: ScheduledOverride,
    policy_slug: str,
    username: str,
    accept_overlap: bool = False,
) -> AssignmentView:
    """Make `username` cover the override's user in one policy for the override's window.

    A stand-in who is away themselves in that window is refused unless `accept_overlap`.
    """
    found = get_assignment(session, override, policy_slug)
    user = named_user(session, override.org_id, username, "User")
    if user.id == override.user_id:
        raise Invalid(f"{username} cannot cover their own override")
    if not accept_overlap:
        away = session.scalar(
            select(ScheduledOverride.public_id).where(
                ScheduledOverride.user_id == user.id,
                ScheduledOverride.start_at < override.end_at,
                ScheduledOverride.end_at > override.start_at,
            )
        )
        if away is not None:
            raise Conflict(
                f"{username} is away during this override ({away}); "
                "send acceptOverlap: true to assign them anyway"
            )
    found.assignment.user_id = user.id
    session.flush()
    return AssignmentView(override, found.assignment, found.policy, found.team, user)


def unassign(session: Session, override: ScheduledOverride, policy_slug: str) -> AssignmentView:
    found = get_assignment(session, override, policy_slug)
    found.assignment.user_id = None
    session.flush()
    return AssignmentView(override, found.assignment, found.policy, found.team, None)


def take_on_call(
    session: Session,
    org_id: int,
    policy: EscalationPolicy,
    from_username: str,
    to_username: str,
    at: datetime,
) -> OnCallTake:
    """`to_username` takes the on-call of `from_username` in the policy, until the end of the
    stretch `from_username` is on call for at `at` (through any of the policy's rotations)."""
    taker, giver = _take_users(session, org_id, from_username, to_username)
    end = on_call_until(session, policy, giver.id, at)
    if end is None:
        raise Invalid(f"User {from_username} is not on call in escalation policy {policy.slug}")
    take = OnCallTake(
        org_id=org_id,
        policy_id=policy.id,
        from_user_id=giver.id,
        to_user_id=taker.id,
        start_at=at,
        end_at=end,
        created_at=clock.now(),
    )
    session.add(take)
    session.flush()
    return take


def take_team_on_call(
    session: Session, org_id: int, team: Team, from_username: str, to_username: str, at: datetime
) -> list[OnCallTake]:
    """Take on-call in every policy of the team where `from_username` is on call now."""
    _, giver = _take_users(session, org_id, from_username, to_username)
    policies = session.scalars(
        select(EscalationPolicy)
        .where(EscalationPolicy.team_id == team.id)
        .order_by(EscalationPolicy.id)
    ).all()
    takes = []
    for policy in policies:
        if on_call_until(session, policy, giver.id, at) is not None:
            takes.append(take_on_call(session, org_id, policy, from_username, to_username, at))
    if not takes:
        raise Invalid(f"User {from_username} is not on call for team {team.name}")
    return takes


def on_call_until(
    session: Session, policy: EscalationPolicy, user_id: int, at: datetime
) -> datetime | None:
    """When the user's current on-call stretch in the policy's rotations ends; None if off."""
    steps = steps_of(session, [policy.id])[policy.id]
    entries = entries_of(session, [s.id for s in steps])
    rotation_ids = {
        e.rotation_id
        for es in entries.values()
        for e in es
        if e.rotation_id is not None and e.kind == ROTATION_ENTRY_KINDS[0]
    }
    plans = load_plans(session, rotation_ids)
    subs = substitutions(session, [policy.id], at, at + timedelta(microseconds=1))[policy.id]
    ends = [
        piece.end
        for plan in plans.values()
        for rule in plan.rules
        for piece in effective_slots(rule, subs, at, at + timedelta(microseconds=1))
        if piece.user_id == user_id and piece.start <= at < piece.end
    ]
    return max(ends) if ends else None


def _take_users(
    session: Session, org_id: int, from_username: str, to_username: str
) -> tuple[User, User]:
    giver = named_user(session, org_id, from_username, "fromUser")
    taker = named_user(session, org_id, to_username, "toUser")
    if giver.id == taker.id:
        raise Invalid("fromUser and toUser are the same user")
    return taker, giver
