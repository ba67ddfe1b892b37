"""Rotations (rotation groups) of a team: /api-public/v1/team/{team}/rotations.

VictorOps only lists rotation groups (`GET /api-public/v1/teams/{team}/rotations`, reference
section 3.15, served here too); creating, changing and removing them is Vigil's own, in the
same style. A shift:

    {"label": "primary", "shiftType": "24/7" | "partial_day" | "multi_day",
     "timezone": "Europe/Paris", "start": "2026-03-02", "handoffTime": "09:00",
     "handoffEveryDays": 7, "durationMinutes": 480, "days": ["mon", …],
     "members": ["ada", "bob"]}

`durationMinutes` is how long the member is on call from each handoff (multi-day) or each day
(partial-day); `days` the weekdays of a partial-day shift (default: every day).
"""

from datetime import date, time
from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from vigil.api.deps import DbSession, TransactionalRoute
from vigil.api.victorops.auth import Caller
from vigil.api.victorops.oncall_wire import WEEKDAYS, rotation_json
from vigil.api.victorops.wire import V1
from vigil.errors import Invalid
from vigil.oncall import rotations
from vigil.oncall.models import ALL_WEEKDAYS
from vigil.oncall.rotations import ShiftSpec
from vigil.people import teams

router = APIRouter(tags=["Rotations"], route_class=TransactionalRoute)

BASE = f"{V1}/team/{{team}}/rotations"
Label = Annotated[str, Field(min_length=1, max_length=200)]


class MemberRef(BaseModel):
    model_config = ConfigDict(extra="ignore")

    username: Annotated[str, Field(min_length=1, max_length=100)]


class ShiftIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    label: Label = "primary"
    shiftType: Annotated[str, Field(max_length=20)] = "24/7"
    timezone: Annotated[str, Field(min_length=1, max_length=64)] = "UTC"
    start: date
    handoffTime: time = time(9, 0)
    handoffEveryDays: int = 7
    durationMinutes: int | None = None
    days: Annotated[list[str], Field(max_length=7)] | None = None
    members: Annotated[list[str | MemberRef], Field(max_length=200)]

    def spec(self) -> ShiftSpec:
        return ShiftSpec(
            name=self.label,
            kind=self.shiftType,
            time_zone=self.timezone,
            start_date=self.start,
            handoff_time=self.handoffTime,
            period_days=self.handoffEveryDays,
            usernames=tuple(m if isinstance(m, str) else m.username for m in self.members),
            duration_minutes=self.durationMinutes,
            weekdays=_weekdays(self.days),
        )


class RotationIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    label: Label
    shifts: Annotated[list[ShiftIn], Field(max_length=20)]


def _weekdays(days: list[str] | None) -> int:
    if days is None:
        return ALL_WEEKDAYS
    mask = 0
    for day in days:
        name = day.strip().lower()[:3]
        if name not in WEEKDAYS:
            raise Invalid(f"Day {day!r} is not a weekday (mon, tue, wed, thu, fri, sat, sun)")
        mask |= 1 << WEEKDAYS.index(name)
    return mask


@router.get(BASE, summary="A team's rotation groups")
def list_rotations(caller: Caller, session: DbSession, team: str) -> dict[str, Any]:
    found = teams.get_team(session, caller.org_id, team)
    rows = rotations.rotation_views(
        session, rotations.list_rotations(session, caller.org_id, found)
    )
    return {"rotationGroups": [rotation_json(view) for view in rows]}


@router.get(f"{V1}/teams/{{team}}/rotations", summary="A team's rotation groups (VictorOps path)")
def list_rotations_plural(caller: Caller, session: DbSession, team: str) -> dict[str, Any]:
    return list_rotations(caller, session, team)


@router.post(BASE, summary="Add a rotation group to a team")
def add_rotation(caller: Caller, session: DbSession, team: str, body: RotationIn) -> dict[str, Any]:
    found = teams.get_team(session, caller.org_id, team)
    rotation = rotations.create_rotation(
        session, caller.org_id, found, body.label, [shift.spec() for shift in body.shifts]
    )
    return rotation_json(rotations.rotation_views(session, [rotation])[0])


@router.get(f"{BASE}/{{rotation}}", summary="A rotation group with its shifts")
def get_rotation(caller: Caller, session: DbSession, team: str, rotation: str) -> dict[str, Any]:
    found = teams.get_team(session, caller.org_id, team)
    row = rotations.get_rotation(session, caller.org_id, rotation, found)
    return rotation_json(rotations.rotation_views(session, [row])[0])


@router.put(f"{BASE}/{{rotation}}", summary="Replace a rotation group's label and shifts")
def update_rotation(
    caller: Caller, session: DbSession, team: str, rotation: str, body: RotationIn
) -> dict[str, Any]:
    found = teams.get_team(session, caller.org_id, team)
    row = rotations.get_rotation(session, caller.org_id, rotation, found)
    rotations.update_rotation(session, row, body.label, [shift.spec() for shift in body.shifts])
    return rotation_json(rotations.rotation_views(session, [row])[0])


@router.delete(f"{BASE}/{{rotation}}", summary="Remove a rotation group")
def delete_rotation(caller: Caller, session: DbSession, team: str, rotation: str) -> dict[str, str]:
    found = teams.get_team(session, caller.org_id, team)
    rotations.delete_rotation(
        session, rotations.get_rotation(session, caller.org_id, rotation, found)
    )
    return {"result": "success"}
