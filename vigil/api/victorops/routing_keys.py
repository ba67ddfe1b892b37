"""Routing keys: /api-public/v1/org/routing-keys, the default (catch-all) key first."""

from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from vigil.alerts.routing_keys import create_routing_key, list_routing_keys, targets_of
from vigil.api.deps import DbSession, TransactionalRoute
from vigil.api.victorops.auth import Caller
from vigil.api.victorops.wire import V1

router = APIRouter(tags=["Routing_keys"], route_class=TransactionalRoute)

BASE = f"{V1}/org/routing-keys"


class RoutingKeyIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    routingKey: Annotated[str, Field(min_length=1, max_length=200)]
    targets: Annotated[list[Annotated[str, Field(max_length=200)]], Field(max_length=100)] = []
    isMultiResponder: bool | None = None


@router.get(BASE, summary="All routing keys with their escalation policies")
def list_keys(caller: Caller, session: DbSession) -> dict[str, Any]:
    keys = list_routing_keys(session, caller.org_id)
    targets = targets_of(session, caller.org_id)
    return {
        "routingKeys": [
            {
                "routingKey": key.name,
                "targets": [
                    {
                        "policyName": target.policy_name,
                        "policySlug": target.policy_slug,
                        "_teamUrl": f"{V1}/team/{target.team_slug}",
                    }
                    for target in targets.get(key.id, [])
                ],
                "isDefault": key.is_default,
                "isMultiResponder": key.is_multi_responder,
            }
            for key in keys
        ],
        "_selfUrl": BASE,
    }


@router.post(BASE, summary="Add a routing key targeting escalation policies")
def add_key(caller: Caller, session: DbSession, body: RoutingKeyIn) -> dict[str, Any]:
    key = create_routing_key(
        session, caller.org_id, body.routingKey, body.targets, bool(body.isMultiResponder)
    )
    return {"routingKey": key.name, "targets": body.targets}
