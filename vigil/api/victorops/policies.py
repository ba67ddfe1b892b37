"""Escalation policies: /api-public/v1/policies and a team's policies (reference section 3.7).

Entries arrive the way go-victorops sends them: every companion object present, `null` when
unused; the one matching `executionType` names the target.
"""

from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from vigil.api.deps import DbSession, TransactionalRoute
from vigil.api.victorops.auth import Caller
from vigil.api.victorops.oncall_wire import policy_json, policy_url, team_ref
from vigil.api.victorops.wire import V1
from vigil.errors import Invalid, NotFound
from vigil.oncall import policies
from vigil.oncall.policies import EntrySpec, StepSpec
from vigil.people import teams
from vigil.people.models import Team

router = APIRouter(tags=["Escalation policies"], route_class=TransactionalRoute)

Ref = Annotated[str, Field(max_length=320)] | None


class _Companion(BaseModel):
    model_config = ConfigDict(extra="ignore")


class UserRef(_Companion):
    username: Ref = None


class SlugRef(_Companion):
    slug: Ref = None


class EmailRef(_Companion):
    address: Ref = None


class PolicyRef(_Companion):
    policySlug: Ref = None


class EntryIn(_Companion):
    executionType: Annotated[str, Field(max_length=40)]
    user: UserRef | None = None
    rotationGroup: SlugRef | None = None
    webhook: SlugRef | None = None
    email: EmailRef | None = None
    targetPolicy: PolicyRef | None = None

    def spec(self) -> EntrySpec:
        kind = self.executionType
        ref: str | None = None
        if kind == "user" and self.user:
            ref = self.user.username
        elif kind.startswith("rotation_group") and self.rotationGroup:
            ref = self.rotationGroup.slug
        elif kind == "webhook" and self.webhook:
            ref = self.webhook.slug
        elif kind == "email" and self.email:
            ref = self.email.address
        elif kind == "policy_routing" and self.targetPolicy:
            ref = self.targetPolicy.policySlug
        return EntrySpec(kind, ref or "")


class StepIn(_Companion):
    timeout: Annotated[int, Field(ge=0, description="Minutes before the next step")] = 0
    entries: Annotated[list[EntryIn], Field(max_length=100)] = []


Steps = Annotated[list[StepIn], Field(max_length=100)]


class PolicyIn(_Companion):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    teamSlug: Annotated[str, Field(min_length=1, max_length=200)]
    ignoreCustomPagingPolicies: bool = False
    steps: Steps = []


class PolicyChange(_Companion):
    """PUT (go-victorops v2): new steps; the name and flag keep their value when left out."""

    name: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    ignoreCustomPagingPolicies: bool | None = None
    steps: Steps = []


def _specs(steps: list[StepIn]) -> list[StepSpec]:
    return [StepSpec(step.timeout, tuple(entry.spec() for entry in step.entries)) for step in steps]


def _owner(session: Session, org_id: int, ref: str) -> Team:
    try:
        return teams.get_team(session, org_id, ref)
    except NotFound:
        raise Invalid(f"teamSlug {ref} names no team") from None


@router.get(f"{V1}/policies", summary="All escalation policies with their team")
def list_policies(caller: Caller, session: DbSession) -> dict[str, Any]:
    return {
        "policies": [
            {
                "policy": {
                    "name": policy.name,
                    "slug": policy.slug,
                    "_selfUrl": policy_url(policy),
                },
                "team": team_ref(team),
            }
            for policy, team in policies.list_policies(session, caller.org_id)
        ]
    }


@router.post(f"{V1}/policies", summary="Add an escalation policy")
def add_policy(caller: Caller, session: DbSession, body: PolicyIn) -> dict[str, Any]:
    owner = _owner(session, caller.org_id, body.teamSlug)
    policy = policies.create_policy(
        session,
        caller.org_id,
        owner,
        body.name,
        _specs(body.steps),
        body.ignoreCustomPagingPolicies,
    )
    return policy_json(policies.policy_views(session, [policy])[0])


@router.get(f"{V1}/policies/{{policy}}", summary="An escalation policy with its steps")
def get_policy(caller: Caller, session: DbSession, policy: str) -> dict[str, Any]:
    found = policies.get_policy(session, caller.org_id, policy)
    return policy_json(policies.policy_views(session, [found])[0])


@router.put(f"{V1}/policies/{{policy}}", summary="Replace an escalation policy's steps")
def update_policy(
    caller: Caller, session: DbSession, policy: str, body: PolicyChange
) -> dict[str, Any]:
    found = policies.get_policy(session, caller.org_id, policy)
    policies.update_policy(
        session, found, _specs(body.steps), body.ignoreCustomPagingPolicies, body.name
    )
    return policy_json(policies.policy_views(session, [found])[0])


@router.delete(f"{V1}/policies/{{policy}}", summary="Remove an escalation policy")
def delete_policy(caller: Caller, session: DbSession, policy: str) -> dict[str, str]:
    policies.delete_policy(session, policies.get_policy(session, caller.org_id, policy))
    return {"result": "success"}


@router.get(f"{V1}/team/{{team}}/policies", summary="A team's escalation policies")
def team_policies(caller: Caller, session: DbSession, team: str) -> dict[str, Any]:
    found = teams.get_team(session, caller.org_id, team)
    return {
        "policies": [
            {"name": policy.name, "slug": policy.slug}
            for policy, _ in policies.list_policies(session, caller.org_id, found)
        ]
    }
