"""Builders for on-call domain tests: people, rotations and policies in a few lines."""

from datetime import date, time

from sqlalchemy.orm import Session

from vigil.oncall import policies, rotations
from vigil.oncall.models import EscalationPolicy, Rotation
from vigil.oncall.policies import EntrySpec, StepSpec
from vigil.oncall.rotations import ShiftSpec
from vigil.people import teams, users
from vigil.people.models import Team, User
from vigil.people.users import UserFields


def person(session: Session, org_id: int, username: str) -> User:
    return users.create_user(
        session,
        org_id,
        UserFields(username, username.title(), "Tester", f"{username}@example.com"),
    )


def team(session: Session, org_id: int, name: str = "Ops") -> Team:
    return teams.create_team(session, org_id, name)


def weekly(
    *usernames: str,
    zone: str = "UTC",
    start: date = date(2026, 3, 2),
    handoff: time = time(9, 0),
    name: str = "primary",
) -> ShiftSpec:
    """A 24/7 shift handing off every Monday (2026-03-02 is one) at 09:00 local time."""
    return ShiftSpec(name, "24/7", zone, start, handoff, 7, tuple(usernames))


def rotation(
    session: Session, org_id: int, owner: Team, *shifts: ShiftSpec, name: str = "Primary"
) -> Rotation:
    return rotations.create_rotation(session, org_id, owner, name, list(shifts))


def policy(
    session: Session,
    org_id: int,
    owner: Team,
    *steps: list[tuple[str, str]],
    timeout: int = 5,
    name: str = "Main",
) -> EscalationPolicy:
    """A policy whose steps are lists of (executionType, target) pairs."""
    return policies.create_policy(
        session,
        org_id,
        owner,
        name,
        [StepSpec(timeout, tuple(EntrySpec(kind, ref) for kind, ref in step)) for step in steps],
    )
