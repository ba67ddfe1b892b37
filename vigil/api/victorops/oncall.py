"""On-call: who is on call now, take on-call, and team and user schedules (reference 3.4).

v2 schedules show times as RFC 3339 with the offset of the shift's time zone; the deprecated
v1 schedules show epoch milliseconds and, following the reference's recommendation, the
camelCase keys real consumers read (`onCall`, `overrideOnCall`, `origOnCall`) alongside the
swagger's lower-case spellings.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from vigil import clock
from vigil.api.deps import DbSession, TransactionalRoute
from vigil.api.victorops.auth import Caller
from vigil.api.victorops.oncall_wire import (
    epoch_ms,
    policy_ref,
    team_ref,
    username_json,
    with_offset,
)
from vigil.api.victorops.wire import V1
from vigil.clock import rfc3339
from vigil.oncall import overrides, policies, schedules
from vigil.oncall.schedules import PolicySchedule, ScheduleEntry, TeamSchedule
from vigil.people import teams, users

router = APIRouter(tags=["On-call"], route_class=TransactionalRoute)

DaysForward = Annotated[int, Query(alias="daysForward", description="0 to 30 (default 14)")]
DaysSkip = Annotated[int, Query(alias="daysSkip", description="0 to 90 (default 0)")]
Step = Annotated[int, Query(description="Escalation step, 0 to 3 (default 0)")]
Username = Annotated[str, Field(min_length=1, max_length=100)]


class TakeIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    fromUser: Username
    toUser: Username


@router.get(f"{V1}/oncall/current", summary="Everyone on call now, by team and policy")
def current(caller: Caller, session: DbSession) -> dict[str, Any]:
    return {
        "teamsOnCall": [
            {
                "team": team_ref(team.team),
                "onCallNow": [
                    {
                        "escalationPolicy": policy_ref(found.policy),
                        "users": [{"onCallUser": username_json(user)} for user in found.users],
                    }
                    for found in team.policies
                ],
            }
            for team in schedules.on_call_now(session, caller.org_id, clock.now())
        ]
    }


@router.patch(f"{V1}/policies/{{policy}}/oncall/user", summary="Take on-call in a policy")
def take_policy(caller: Caller, session: DbSession, policy: str, body: TakeIn) -> dict[str, str]:
    found = policies.get_policy(session, caller.org_id, policy)
    overrides.take_on_call(session, caller.org_id, found, body.fromUser, body.toUser, clock.now())
    return {"result": "ok"}


@router.patch(
    f"{V1}/team/{{team}}/oncall/user", summary="Take on-call in a team (deprecated by VictorOps)"
)
def take_team(caller: Caller, session: DbSession, team: str, body: TakeIn) -> dict[str, str]:
    found = teams.get_team(session, caller.org_id, team)
    overrides.take_team_on_call(
        session, caller.org_id, found, body.fromUser, body.toUser, clock.now()
    )
    return {"result": "ok"}


def _span(
    days_forward: DaysForward = 14, days_skip: DaysSkip = 0, step: Step = 0
) -> schedules.Window:
    """The schedule window the query asks for (all four schedule endpoints take it)."""
    return schedules.window(clock.now(), days_forward, days_skip, step)


Span = Annotated[schedules.Window, Depends(_span)]


@router.get("/api-public/v2/team/{team}/oncall/schedule", summary="A team's on-call schedule")
def team_schedule_v2(
    caller: Caller,
    session: DbSession,
    team: str,
    span: Span,
) -> dict[str, Any]:
    found = teams.get_team(session, caller.org_id, team)
    return _team_v2(schedules.team_schedules(session, [found], span)[0])


@router.get("/api-public/v2/user/{user}/oncall/schedule", summary="A user's teams' schedules")
def user_schedule_v2(
    caller: Caller,
    session: DbSession,
    user: str,
    span: Span,
) -> dict[str, Any]:
    found = teams.teams_of_user(session, users.get_user(session, caller.org_id, user))
    return {"teamSchedules": [_team_v2(s) for s in schedules.team_schedules(session, found, span)]}


@router.get(
    f"{V1}/team/{{team}}/oncall/schedule", summary="A team's schedule (v1, deprecated by VictorOps)"
)
def team_schedule_v1(
    caller: Caller,
    session: DbSession,
    team: str,
    span: Span,
) -> dict[str, Any]:
    found = teams.get_team(session, caller.org_id, team)
    return _team_v1(schedules.team_schedules(session, [found], span)[0])


@router.get(
    f"{V1}/user/{{user}}/oncall/schedule",
    summary="A user's schedules (v1, deprecated by VictorOps)",
)
def user_schedule_v1(
    caller: Caller,
    session: DbSession,
    user: str,
    span: Span,
) -> list[dict[str, Any]]:
    found = teams.teams_of_user(session, users.get_user(session, caller.org_id, user))
    return [_team_v1(s) for s in schedules.team_schedules(session, found, span)]


def _entry_v2(entry: ScheduleEntry) -> dict[str, Any]:
    zone = entry.time_zone
    body: dict[str, Any] = {"onCallType": entry.kind}
    if entry.on_call is not None:
        body["onCallUser"] = username_json(entry.on_call)
    if entry.override is not None:
        body["overrideOnCallUser"] = username_json(entry.override)
    if entry.rotation is not None:
        body["rotationName"] = entry.rotation.name
    if entry.shift_name is not None:
        body["shiftName"] = entry.shift_name
    if entry.shift_roll is not None:
        body["shiftRoll"] = with_offset(entry.shift_roll, zone)
    body["rolls"] = [
        {
            "start": with_offset(roll.start, zone),
            "end": with_offset(roll.end, zone),
            "onCallUser": username_json(roll.user),
            "isRoll": roll.is_roll,
        }
        for roll in entry.rolls
    ]
    return body


def _policy_v2(schedule: PolicySchedule) -> dict[str, Any]:
    return {
        "policy": policy_ref(schedule.policy),
        "schedule": [_entry_v2(entry) for entry in schedule.entries],
        "overrides": [
            {
                "origOnCallUser": username_json(override.original),
                "overrideOnCallUser": username_json(override.stand_in),
                "start": rfc3339(override.start),
                "end": rfc3339(override.end),
                "policy": policy_ref(override.policy),
            }
            for override in schedule.overrides
        ],
    }


def _team_v2(schedule: TeamSchedule) -> dict[str, Any]:
    return {
        "team": team_ref(schedule.team),
        "schedules": [_policy_v2(policy) for policy in schedule.policies],
    }


def _entry_v1(entry: ScheduleEntry) -> dict[str, Any]:
    body: dict[str, Any] = {"policyType": entry.kind}
    if entry.on_call is not None:
        body["onCall"] = body["oncall"] = entry.on_call.username
    if entry.override is not None:
        body["overrideOnCall"] = body["overrideoncall"] = entry.override.username
    if entry.rotation is not None:
        body["rotationName"] = entry.rotation.name
    if entry.shift_name is not None:
        body["shiftName"] = entry.shift_name
    if entry.shift_roll is not None:
        body["shiftRoll"] = epoch_ms(entry.shift_roll)
    body["rolls"] = [
        {
            "change": epoch_ms(roll.start),
            "until": epoch_ms(roll.end),
            "onCall": roll.user.username,
            "oncall": roll.user.username,
            "isRoll": roll.is_roll,
        }
        for roll in entry.rolls
    ]
    return body


def _team_v1(schedule: TeamSchedule) -> dict[str, Any]:
    return {
        "team": schedule.team.name,
        "schedule": [_entry_v1(e) for policy in schedule.policies for e in policy.entries],
        "overrides": [
            {
                "origOnCall": override.original.username,
                "orig": override.original.username,
                "overrideOnCall": override.stand_in.username,
                "over": override.stand_in.username,
                "start": epoch_ms(override.start),
                "end": epoch_ms(override.end),
            }
            for policy in schedule.policies
            for override in policy.overrides
        ],
    }
