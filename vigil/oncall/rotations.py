"""Rotations (rotation groups) of a team, their shifts and ordered members: the one writer."""

from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Select, delete, select
from sqlalchemy.orm import Session

from vigil import clock
from vigil.db import ids_or_query
from vigil.errors import Conflict, Invalid, NotFound
from vigil.identifiers import slug
from vigil.oncall.models import (
    ALL_WEEKDAYS,
    SHIFT_KINDS,
    EscalationEntry,
    Rotation,
    RotationMember,
    RotationShift,
)
from vigil.oncall.policies import policies_with_entries
from vigil.oncall.shifts import ShiftRule
from vigil.people.models import Team, User

MINUTES_PER_DAY = 24 * 60
MAX_PERIOD_DAYS = 366
MAX_SHIFTS = 20
MAX_MEMBERS = 200


@dataclass(frozen=True)
class ShiftSpec:
    """A shift as a request describes it; `duration_minutes` is ignored for 24/7 shifts."""

    name: str
    kind: str
    time_zone: str
    start_date: date
    handoff_time: time
    period_days: int
    usernames: tuple[str, ...]
    duration_minutes: int | None = None
    weekdays: int = ALL_WEEKDAYS


@dataclass(frozen=True)
class ShiftView:
    shift: RotationShift
    members: list[User]


@dataclass(frozen=True)
class RotationView:
    rotation: Rotation
    team: Team
    shifts: list[ShiftView]


@dataclass(frozen=True)
class RotationPlan:
    """A rotation with its shifts as plain rules, ready for `vigil.oncall.shifts`."""

    rotation: Rotation
    rules: tuple[ShiftRule, ...]


def valid_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise Invalid(
            f"Time zone {name!r} is not an IANA time zone (such as Europe/Paris)"
        ) from None
    return name


def list_rotations(session: Session, org_id: int, team: Team | None = None) -> list[Rotation]:
    query = select(Rotation).where(Rotation.org_id == org_id).order_by(Rotation.name, Rotation.id)
    if team is not None:
        query = query.where(Rotation.team_id == team.id)
    return list(session.scalars(query))


def get_rotation(
    session: Session, org_id: int, rotation_slug: str, team: Team | None = None
) -> Rotation:
    query = select(Rotation).where(Rotation.org_id == org_id, Rotation.slug == rotation_slug)
    if team is not None:
        query = query.where(Rotation.team_id == team.id)
    rotation = session.scalar(query)
    if rotation is None:
        raise NotFound(f"Rotation {rotation_slug} not found")
    return rotation


def create_rotation(
    session: Session, org_id: int, team: Team, name: str, shifts: Sequence[ShiftSpec]
) -> Rotation:
    name = _valid_name(name)
    _ensure_name_available(session, team, name)
    users = _users_by_name(session, org_id, shifts)
    rotation = Rotation(
        org_id=org_id, team_id=team.id, slug=slug("rtg"), name=name, created_at=clock.now()
    )
    session.add(rotation)
    session.flush()
    _add_shifts(session, rotation, shifts, users)
    return rotation


def update_rotation(
    session: Session, rotation: Rotation, name: str, shifts: Sequence[ShiftSpec]
) -> Rotation:
    """Replace the rotation's name and all its shifts."""
    name = _valid_name(name)
    if name != rotation.name:
        team = session.get(Team, rotation.team_id)
        assert team is not None
        _ensure_name_available(session, team, name)
    users = _users_by_name(session, rotation.org_id, shifts)
    rotation.name = name
    session.execute(delete(RotationShift).where(RotationShift.rotation_id == rotation.id))
    _add_shifts(session, rotation, shifts, users)
    return rotation


def delete_rotation(session: Session, rotation: Rotation) -> None:
    """Remove a rotation; refused while an escalation policy pages it."""
    using = policies_with_entries(session, EscalationEntry.rotation_id == rotation.id)
    if using:
        raise Conflict(
            f"Rotation {rotation.slug} is paged by escalation policy {', '.join(sorted(using))}; "
            "remove it from those policies first"
        )
    session.delete(rotation)
    session.flush()


def rotation_views(session: Session, rotations: Sequence[Rotation]) -> list[RotationView]:
    """Rotations with their team, shifts and members: three queries whatever their number."""
    if not rotations:
        return []
    teams = {
        team.id: team
        for team in session.scalars(select(Team).where(Team.id.in_({r.team_id for r in rotations})))
    }
    shifts = _shifts_of(session, [r.id for r in rotations])
    members = _member_users(session, [s.id for ss in shifts.values() for s in ss])
    return [
        RotationView(
            rotation,
            teams[rotation.team_id],
            [ShiftView(shift, members[shift.id]) for shift in shifts[rotation.id]],
        )
        for rotation in rotations
    ]


def load_plans(
    session: Session, rotation_ids: Iterable[int] | Select[Any]
) -> dict[int, RotationPlan]:
    """Rotations by id (a list, or a query of them) as plans for the shift arithmetic: three
    queries whatever their number."""
    ids = ids_or_query(rotation_ids)
    if ids is None:
        return {}
    rotations = session.scalars(select(Rotation).where(Rotation.id.in_(ids))).all()
    shifts = _shifts_of(session, ids)
    members: dict[int, list[int]] = defaultdict(list)
    rows = session.execute(
        select(RotationMember.shift_id, RotationMember.user_id)
        .join(RotationShift, RotationShift.id == RotationMember.shift_id)
        .where(RotationShift.rotation_id.in_(ids))
        .order_by(RotationMember.shift_id, RotationMember.position)
    )
    for shift_id, user_id in rows:
        members[shift_id].append(user_id)
    return {
        rotation.id: RotationPlan(
            rotation, tuple(rule_of(shift, members[shift.id]) for shift in shifts[rotation.id])
        )
        for rotation in rotations
    }


def rule_of(shift: RotationShift, member_ids: Sequence[int]) -> ShiftRule:
    return ShiftRule(
        shift_id=shift.id,
        name=shift.name,
        kind=shift.kind,
        time_zone=shift.time_zone,
        start_date=shift.start_date,
        handoff_time=shift.handoff_time,
        period_days=shift.period_days,
        duration_minutes=shift.duration_minutes,
        weekdays=shift.weekdays,
        members=tuple(member_ids),
    )


def _shifts_of(
    session: Session, rotation_ids: Collection[int] | Select[Any]
) -> dict[int, list[RotationShift]]:
    found: dict[int, list[RotationShift]] = defaultdict(list)
    for shift in session.scalars(
        select(RotationShift)
        .where(RotationShift.rotation_id.in_(rotation_ids))
        .order_by(RotationShift.rotation_id, RotationShift.position)
    ):
        found[shift.rotation_id].append(shift)
    return found


def _member_users(session: Session, shift_ids: Sequence[int]) -> dict[int, list[User]]:
    found: dict[int, list[User]] = defaultdict(list)
    if not shift_ids:
        return found
    rows = session.execute(
        select(RotationMember.shift_id, User)
        .join(User, User.id == RotationMember.user_id)
        .where(RotationMember.shift_id.in_(shift_ids))
        .order_by(RotationMember.shift_id, RotationMember.position)
    )
    for shift_id, user in rows:
        found[shift_id].append(user)
    return found


def _add_shifts(
    session: Session, rotation: Rotation, shifts: Sequence[ShiftSpec], users: dict[str, User]
) -> None:
    if not shifts:
        raise Invalid("A rotation needs at least one shift")
    if len(shifts) > MAX_SHIFTS:
        raise Invalid(f"A rotation has at most {MAX_SHIFTS} shifts")
    for position, spec in enumerate(shifts):
        row = RotationShift(
            org_id=rotation.org_id,
            rotation_id=rotation.id,
            position=position,
            **_shift_fields(spec),
        )
        session.add(row)
        session.flush()
        for member_position, username in enumerate(spec.usernames):
            session.add(
                RotationMember(
                    org_id=rotation.org_id,
                    shift_id=row.id,
                    user_id=users[username].id,
                    position=member_position,
                )
            )
    session.flush()


def _shift_fields(spec: ShiftSpec) -> dict[str, object]:
    name = spec.name.strip()
    if not name:
        raise Invalid("A shift's name must not be empty")
    if spec.kind not in SHIFT_KINDS:
        raise Invalid(f"Shift type {spec.kind!r} is not one of {', '.join(SHIFT_KINDS)}")
    if not 1 <= spec.period_days <= MAX_PERIOD_DAYS:
        raise Invalid(f"Shift {name}: handoff every 1 to {MAX_PERIOD_DAYS} days")
    if not spec.usernames:
        raise Invalid(f"Shift {name} needs at least one member")
    if len(spec.usernames) > MAX_MEMBERS:
        raise Invalid(f"Shift {name} has more than {MAX_MEMBERS} members")
    period_minutes = spec.period_days * MINUTES_PER_DAY
    duration = spec.duration_minutes
    weekdays = ALL_WEEKDAYS
    if spec.kind == "24/7":
        duration = period_minutes
    elif spec.kind == "partial_day":
        if duration is None or not 0 < duration < MINUTES_PER_DAY:
            raise Invalid(f"Shift {name}: a partial-day shift lasts 1 to 1439 minutes a day")
        if not 1 <= spec.weekdays <= ALL_WEEKDAYS:
            raise Invalid(f"Shift {name}: a partial-day shift needs at least one weekday")
        weekdays = spec.weekdays
    elif duration is None or not 0 < duration <= period_minutes:
        raise Invalid(
            f"Shift {name}: a multi-day shift lasts 1 minute to its {spec.period_days} days"
        )
    return {
        "name": name,
        "kind": spec.kind,
        "time_zone": valid_zone(spec.time_zone),
        "start_date": spec.start_date,
        "handoff_time": spec.handoff_time.replace(second=0, microsecond=0, tzinfo=None),
        "period_days": spec.period_days,
        "duration_minutes": duration,
        "weekdays": weekdays,
    }


def _users_by_name(session: Session, org_id: int, shifts: Sequence[ShiftSpec]) -> dict[str, User]:
    names = {name for spec in shifts for name in spec.usernames}
    if not names:
        return {}
    found = {
        user.username: user
        for user in session.scalars(
            select(User).where(User.org_id == org_id, User.username.in_(names))
        )
    }
    missing = sorted(names - found.keys())
    if missing:
        raise Invalid(f"Not users of this organization: {', '.join(missing)}")
    return found


def _valid_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise Invalid("Rotation label must not be empty")
    return name


def _ensure_name_available(session: Session, team: Team, name: str) -> None:
    taken = session.scalar(
        select(Rotation.id).where(Rotation.team_id == team.id, Rotation.name == name)
    )
    if taken is not None:
        raise Conflict(f"Team {team.name} already has a rotation named {name}")
