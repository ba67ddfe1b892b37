"""Teams: /api-public/v1/team and its members and admins."""

from typing import Annotated, Any

from fastapi import APIRouter, Body
from pydantic import BaseModel, ConfigDict, Field

from vigil.api.deps import DbSession, TransactionalRoute
from vigil.api.victorops.auth import Caller
from vigil.api.victorops.users import Replacement
from vigil.api.victorops.wire import V1, admin_json, members_json, team_json
from vigil.people import teams

router = APIRouter(tags=["Teams"], route_class=TransactionalRoute)


class TeamIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: Annotated[str, Field(min_length=1, max_length=200)]
    description: Annotated[str, Field(max_length=10_000)] | None = None


class MemberIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    username: Annotated[str, Field(min_length=1, max_length=100)]
    isAdmin: bool | None = Field(
        default=None, description="Vigil extension: make (or unmake) the member a team admin"
    )


@router.get(f"{V1}/team", summary="List teams (a bare array)")
def list_teams(caller: Caller, session: DbSession) -> list[dict[str, Any]]:
    return [team_json(team, count) for team, count in teams.list_teams(session, caller.org_id)]


@router.post(f"{V1}/team", summary="Add a team")
def add_team(caller: Caller, session: DbSession, body: TeamIn) -> dict[str, Any]:
    team = teams.create_team(session, caller.org_id, body.name, body.description or "")
    return team_json(team, 0)


@router.get(f"{V1}/team/{{team}}", summary="Get a team by slug (or by name)")
def get_team(caller: Caller, session: DbSession, team: str) -> dict[str, Any]:
    found = teams.get_team(session, caller.org_id, team)
    return team_json(found, teams.member_count(session, found))


@router.put(f"{V1}/team/{{team}}", summary="Update a team")
def update_team(caller: Caller, session: DbSession, team: str, body: TeamIn) -> dict[str, Any]:
    updated = teams.update_team(session, caller.org_id, team, body.name, body.description)
    return team_json(updated, teams.member_count(session, updated))


@router.delete(f"{V1}/team/{{team}}", summary="Remove a team")
def delete_team(caller: Caller, session: DbSession, team: str) -> dict[str, Any]:
    found = teams.get_team(session, caller.org_id, team)
    count = teams.member_count(session, found)
    return team_json(teams.delete_team(session, found), count)


@router.get(f"{V1}/team/{{team}}/admins", summary="The team's admins")
def team_admins(caller: Caller, session: DbSession, team: str) -> dict[str, Any]:
    found = teams.get_team(session, caller.org_id, team)
    return {"teamAdmins": [admin_json(user) for user in teams.members(session, found, True)]}


@router.get(f"{V1}/team/{{team}}/members", summary="The team's members")
def team_members(caller: Caller, session: DbSession, team: str) -> dict[str, Any]:
    found = teams.get_team(session, caller.org_id, team)
    return members_json(found, teams.members(session, found))


@router.post(f"{V1}/team/{{team}}/members", summary="Add a member to the team")
def add_member(caller: Caller, session: DbSession, team: str, body: MemberIn) -> dict[str, Any]:
    found = teams.get_team(session, caller.org_id, team)
    teams.add_member(session, caller.org_id, found, body.username, body.isAdmin)
    return members_json(found, teams.members(session, found))


@router.delete(f"{V1}/team/{{team}}/members/{{username}}", summary="Remove a member")
def remove_member(
    caller: Caller,
    session: DbSession,
    team: str,
    username: str,
    body: Annotated[Replacement | None, Body()] = None,
) -> dict[str, Any]:
    found = teams.get_team(session, caller.org_id, team)
    teams.remove_member(session, caller.org_id, found, username, body.replacement if body else None)
    return members_json(found, teams.members(session, found))
