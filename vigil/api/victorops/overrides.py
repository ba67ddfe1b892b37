"""Scheduled overrides and their per-policy assignments: /api-public/v1/overrides (section 3.6).

Creating answers under `schedule` (the swagger and the Node client) and `override` (go v2 reads
it first); an assignment PUT accepts `policy` (optional: the path names it), `username` and
go v2's `acceptOverlap`.
"""

from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from vigil.api.deps import DbSession, TransactionalRoute
from vigil.api.victorops.auth import Caller
from vigil.api.victorops.oncall_wire import assignment_json, override_json, override_url
from vigil.api.victorops.wire import V1
from vigil.errors import Invalid
from vigil.oncall import overrides
from vigil.oncall.models import ScheduledOverride

router = APIRouter(tags=["Scheduled overrides"], route_class=TransactionalRoute)

BASE = f"{V1}/overrides"
Text = Annotated[str, Field(min_length=1, max_length=100)]


class OverrideIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    username: Text
    timezone: Annotated[str, Field(min_length=1, max_length=64)] = "UTC"
    start: Text
    end: Text


class AssignmentIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    username: Text | None = None
    policy: Annotated[str, Field(max_length=40)] | None = None
    acceptOverlap: bool = False


def _view(session: DbSession, override: ScheduledOverride) -> dict[str, Any]:
    return override_json(overrides.override_views(session, [override])[0])


@router.get(BASE, summary="All scheduled overrides")
def list_overrides(caller: Caller, session: DbSession) -> dict[str, Any]:
    found = overrides.list_overrides(session, caller.org_id)
    return {
        "overrides": [override_json(view) for view in overrides.override_views(session, found)],
        "_selfUrl": BASE,
    }


@router.post(BASE, summary="Schedule an override (a user away for a while)")
def add_override(caller: Caller, session: DbSession, body: OverrideIn) -> dict[str, Any]:
    start = overrides.parse_moment(body.start, body.timezone, "start")
    end = overrides.parse_moment(body.end, body.timezone, "end")
    created = overrides.create_override(
        session, caller.org_id, body.username, body.timezone, start, end
    )
    shown = _view(session, created)
    return {"schedule": shown, "override": shown, "_selfUrl": override_url(created.public_id)}


@router.get(f"{BASE}/{{public_id}}", summary="A scheduled override")
def get_override(caller: Caller, session: DbSession, public_id: str) -> dict[str, Any]:
    found = overrides.get_override(session, caller.org_id, public_id)
    return {"override": _view(session, found), "_selfUrl": override_url(public_id)}


@router.delete(f"{BASE}/{{public_id}}", summary="Remove a scheduled override")
def delete_override(caller: Caller, session: DbSession, public_id: str) -> dict[str, Any]:
    found = overrides.get_override(session, caller.org_id, public_id)
    shown = _view(session, found)
    overrides.delete_override(session, found)
    return {"override": shown, "_selfUrl": override_url(public_id)}


@router.get(f"{BASE}/{{public_id}}/assignments", summary="An override's assignments (an array)")
def list_assignments(caller: Caller, session: DbSession, public_id: str) -> list[dict[str, Any]]:
    found = overrides.get_override(session, caller.org_id, public_id)
    view = overrides.override_views(session, [found])[0]
    return [assignment_json(assignment) for assignment in view.assignments]


@router.get(f"{BASE}/{{public_id}}/assignments/{{policy}}", summary="One assignment")
def get_assignment(
    caller: Caller, session: DbSession, public_id: str, policy: str
) -> dict[str, Any]:
    found = overrides.get_override(session, caller.org_id, public_id)
    return assignment_json(overrides.get_assignment(session, found, policy))


@router.put(f"{BASE}/{{public_id}}/assignments/{{policy}}", summary="Assign who covers a policy")
def assign(
    caller: Caller, session: DbSession, public_id: str, policy: str, body: AssignmentIn
) -> dict[str, Any]:
    if not body.username:
        raise Invalid("username is required: the user who covers this policy")
    if body.policy and body.policy != policy:
        raise Invalid(f"policy {body.policy} in the body differs from {policy} in the path")
    found = overrides.get_override(session, caller.org_id, public_id)
    return assignment_json(
        overrides.assign(session, found, policy, body.username, body.acceptOverlap)
    )


@router.delete(f"{BASE}/{{public_id}}/assignments/{{policy}}", summary="Unassign a policy")
def unassign(caller: Caller, session: DbSession, public_id: str, policy: str) -> dict[str, Any]:
    found = overrides.get_override(session, caller.org_id, public_id)
    return assignment_json(overrides.unassign(session, found, policy))
