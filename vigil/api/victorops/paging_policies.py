"""Personal paging policies: /api-public/v1/profile/{user}/policies (steps and their rules),
/api-public/v2/profile/{user}/policies and /api-public/v1/user/{user}/policies."""

from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from vigil.api.deps import DbSession, TransactionalRoute
from vigil.api.victorops.auth import Caller
from vigil.api.victorops.wire import V1
from vigil.people import paging_policies, users
from vigil.people.models import User
from vigil.people.paging_policies import ALL_DEVICES, NewRule, Rule, Step

router = APIRouter(tags=["Personal paging policies"], route_class=TransactionalRoute)

BASE = f"{V1}/profile/{{username}}/policies"
CONTACT_TYPES = {"email": "Email", "phone": "Phone", "device": "Device"}
PRIMARY_POLICY = {"rank": 0, "name": "Primary Paging Policy", "slug": "primary"}
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
ALWAYS: dict[str, Any] = {
    **dict.fromkeys(DAYS, True),
    "timeZone": "UTC",
    "startTime": "00:00",
    "endTime": "23:59",
}


class ContactIn(BaseModel):
    """`type` (email/phone, any case) is ignored: the contact method's own kind is checked."""

    model_config = ConfigDict(extra="ignore")

    id: int = ALL_DEVICES
    type: str | None = None


class RuleIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    type: Annotated[str, Field(min_length=1, max_length=20)]
    contact: ContactIn | None = None

    def new_rule(self) -> NewRule:
        return NewRule(self.type, self.contact.id if self.contact else ALL_DEVICES)


class StepIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    timeout: Annotated[Any, Field(description="Minutes: 1, 5, 10, 15, 20, 25, 30, 45 or 60")]
    rules: list[RuleIn] | None = None

    def new_rules(self) -> list[NewRule]:
        return [rule.new_rule() for rule in self.rules or []]


def policies_url(user: User) -> str:
    return f"{V1}/profile/{user.username}/policies"


def rule_json(rule: Rule) -> dict[str, Any]:
    contact = rule.contact
    return {
        "index": rule.index,
        "type": rule.type,
        "contact": {
            "id": ALL_DEVICES if contact is None else contact.id,
            "type": CONTACT_TYPES["device" if contact is None else contact.kind],
        },
    }


def step_json(step: Step) -> dict[str, Any]:
    return {
        "index": step.index,
        "timeout": step.timeout_minutes,
        "rules": [rule_json(rule) for rule in step.rules],
    }


def _step_document(user: User, step: Step) -> dict[str, Any]:
    return {"step": step_json(step), "_selfUrl": f"{policies_url(user)}/{step.index}"}


def _rule_document(user: User, step_index: int, rule: Rule) -> dict[str, Any]:
    return {
        "stepRule": rule_json(rule),
        "_selfUrl": f"{policies_url(user)}/{step_index}/{rule.index}",
    }


@router.get(BASE, summary="A user's paging policy (the default one until it is changed)")
def get_policy(caller: Caller, session: DbSession, username: str) -> dict[str, Any]:
    user = users.get_user(session, caller.org_id, username)
    steps = paging_policies.policy(session, user)
    return {"steps": [step_json(step) for step in steps], "_selfUrl": policies_url(user)}


@router.post(BASE, summary="Add a step to a user's paging policy")
def add_step(caller: Caller, session: DbSession, username: str, body: StepIn) -> dict[str, Any]:
    user = users.get_user(session, caller.org_id, username)
    step = paging_policies.add_step(session, user, body.timeout, body.new_rules())
    return _step_document(user, step)


@router.get(f"{BASE}/{{step}}", summary="One step of a user's paging policy")
def get_step(caller: Caller, session: DbSession, username: str, step: int) -> dict[str, Any]:
    user = users.get_user(session, caller.org_id, username)
    return _step_document(user, paging_policies.get_step(session, user, step))


@router.put(f"{BASE}/{{step}}", summary="Replace a step's timeout and rules")
def replace_step(
    caller: Caller, session: DbSession, username: str, step: int, body: StepIn
) -> dict[str, Any]:
    user = users.get_user(session, caller.org_id, username)
    changed = paging_policies.replace_step(session, user, step, body.timeout, body.new_rules())
    return _step_document(user, changed)


@router.post(f"{BASE}/{{step}}", summary="Add a rule to a step")
def add_rule(
    caller: Caller, session: DbSession, username: str, step: int, body: RuleIn
) -> dict[str, Any]:
    user = users.get_user(session, caller.org_id, username)
    rule = paging_policies.add_rule(session, user, step, body.new_rule())
    return _rule_document(user, step, rule)


@router.get(f"{BASE}/{{step}}/{{rule}}", summary="One rule of a step")
def get_rule(
    caller: Caller, session: DbSession, username: str, step: int, rule: int
) -> dict[str, Any]:
    user = users.get_user(session, caller.org_id, username)
    return _rule_document(user, step, paging_policies.get_rule(session, user, step, rule))


@router.put(f"{BASE}/{{step}}/{{rule}}", summary="Change a rule's type and contact method")
def replace_rule(
    caller: Caller, session: DbSession, username: str, step: int, rule: int, body: RuleIn
) -> dict[str, Any]:
    user = users.get_user(session, caller.org_id, username)
    changed = paging_policies.replace_rule(session, user, step, rule, body.new_rule())
    return _rule_document(user, step, changed)


@router.delete(f"{BASE}/{{step}}/{{rule}}", summary="Remove a rule (later rules move up)")
def delete_rule(
    caller: Caller, session: DbSession, username: str, step: int, rule: int
) -> dict[str, Any]:
    user = users.get_user(session, caller.org_id, username)
    return _rule_document(user, step, paging_policies.delete_rule(session, user, step, rule))


@router.get(
    "/api-public/v2/profile/{username}/policies",
    summary="A user's paging policies (v2): the primary policy, active at all times",
)
def get_policies_v2(caller: Caller, session: DbSession, username: str) -> dict[str, Any]:
    user = users.get_user(session, caller.org_id, username)
    steps = paging_policies.policy(session, user)
    return {
        "policies": [
            {**PRIMARY_POLICY, "timeMask": ALWAYS, "steps": [step_json(step) for step in steps]}
        ]
    }


@router.get(f"{V1}/user/{{username}}/policies", summary="A user's paging policy, one line per rule")
def get_user_policies(caller: Caller, session: DbSession, username: str) -> dict[str, Any]:
    user = users.get_user(session, caller.org_id, username)
    lines = []
    for step in paging_policies.policy(session, user):
        for rule in step.rules:
            line: dict[str, Any] = {
                "order": step.index + 1,
                "timeout": step.timeout_minutes,
                "contactType": rule.type,
            }
            if rule.contact is not None:
                line["extId"] = rule.contact.ext_id
            lines.append(line)
    return {"username": user.username, "userId": user.id, "policies": lines}
