"""Users: /api-public/v1/user and /api-public/v2/user."""

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query
from pydantic import BaseModel, ConfigDict, Field

from vigil.api.deps import DbSession, TransactionalRoute
from vigil.api.victorops.auth import Caller
from vigil.api.victorops.wire import V1, team_links, user_json
from vigil.people import teams, users
from vigil.people.users import UserFields

router = APIRouter(tags=["Users"], route_class=TransactionalRoute)

Name = Annotated[str, Field(min_length=1, max_length=100)]


class UserIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    firstName: Name
    lastName: Name
    username: Annotated[str, Field(min_length=1, max_length=100)]
    email: Annotated[str, Field(min_length=3, max_length=320)]
    admin: bool | None = None
    expirationHours: int | None = None


class UserChange(BaseModel):
    """PUT takes the same fields as POST; any left out keep their stored value."""

    model_config = ConfigDict(extra="ignore")

    firstName: Name | None = None
    lastName: Name | None = None
    username: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    email: Annotated[str, Field(min_length=3, max_length=320)] | None = None
    admin: bool | None = None


class Replacement(BaseModel):
    model_config = ConfigDict(extra="ignore")

    replacement: str | None = None


@router.get(f"{V1}/user", summary="List users (v1: the list is nested in an outer array)")
def list_users_v1(caller: Caller, session: DbSession) -> dict[str, Any]:
    found = users.list_users(session, caller.org_id)
    return {"users": [[user_json(user) for user in found]], "_selfUrl": f"{V1}/user"}


@router.get("/api-public/v2/user", summary="List users (v2: a flat list, optionally by e-mail)")
def list_users_v2(
    caller: Caller, session: DbSession, email: Annotated[str | None, Query()] = None
) -> dict[str, Any]:
    found = users.list_users(session, caller.org_id, email=email)
    return {"users": [user_json(user, display_name=True) for user in found]}


@router.post(f"{V1}/user", summary="Add a user")
def add_user(caller: Caller, session: DbSession, body: UserIn) -> dict[str, Any]:
    fields = UserFields(
        username=body.username,
        first_name=body.firstName,
        last_name=body.lastName,
        email=body.email,
        is_admin=bool(body.admin),
    )
    return user_json(users.create_user(session, caller.org_id, fields))


@router.get(f"{V1}/user/{{username}}", summary="Get a user")
def get_user(caller: Caller, session: DbSession, username: str) -> dict[str, Any]:
    return user_json(users.get_user(session, caller.org_id, username))


@router.put(f"{V1}/user/{{username}}", summary="Update a user")
def update_user(
    caller: Caller, session: DbSession, username: str, body: UserChange
) -> dict[str, Any]:
    current = users.get_user(session, caller.org_id, username)
    fields = UserFields(
        username=body.username or current.username,
        first_name=body.firstName or current.first_name,
        last_name=body.lastName or current.last_name,
        email=body.email or current.email,
        is_admin=current.is_admin if body.admin is None else body.admin,
    )
    return user_json(users.update_user(session, caller.org_id, username, fields))


@router.delete(f"{V1}/user/{{username}}", summary="Remove a user, naming who replaces them")
def delete_user(
    caller: Caller,
    session: DbSession,
    username: str,
    body: Annotated[Replacement | None, Body()] = None,
) -> dict[str, Any]:
    users.delete_user(session, caller.org_id, username, body.replacement if body else None)
    return {"result": f"{username} deleted"}


@router.get(f"{V1}/user/{{username}}/teams", summary="The teams a user belongs to")
def user_teams(caller: Caller, session: DbSession, username: str) -> dict[str, Any]:
    user = users.get_user(session, caller.org_id, username)
    return {
        "teams": [
            {"name": team.name, "slug": team.slug, **team_links(team)}
            for team in teams.teams_of_user(session, user)
        ]
    }
