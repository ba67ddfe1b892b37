"""Maintenance mode: /api-public/v1/maintenancemode, its start and its end (VictorOps wire format).

Errors as VictorOps clients expect: 409 when a second global mode is asked for, 420 when the
organization's limit of active modes is reached, 404 for an unknown (or already ended) instance,
400 for unknown routing keys.
"""

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, ConfigDict, Field

from vigil import clock
from vigil.api.deps import DbSession, TransactionalRoute
from vigil.api.victorops.auth import Caller
from vigil.api.victorops.wire import V1
from vigil.maintenance import modes, windows
from vigil.maintenance.models import MaintenanceMode

router = APIRouter(tags=["Maintenance mode"], route_class=TransactionalRoute)

API_USER = "api"
"""Who started or ended a mode when the request does not say (VictorOps clients never do)."""


class StartIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    type: Literal["RoutingKeys"] = "RoutingKeys"
    names: list[Annotated[str, Field(min_length=1, max_length=200)]] | None = Field(
        default=None, max_length=1000, description="Routing key names; empty or absent: global"
    )
    purpose: Annotated[str, Field(max_length=modes.MAX_PURPOSE_CHARS)] | None = None
    endBehavior: Literal["repage", "digest", "none"] = Field(
        default="repage",
        description=(
            "Vigil extension: what ending the mode does with incidents it left muted and still "
            "triggered: page them again from the first step (repage, as VictorOps does), e-mail "
            "the on-call one list of them (digest), or nothing (none)"
        ),
    )
    userName: Annotated[str, Field(min_length=1, max_length=200)] | None = Field(
        default=None, description="Vigil extension: who starts the mode (default: api)"
    )


class EndIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    userName: Annotated[str, Field(min_length=1, max_length=200)] | None = Field(
        default=None, description="Vigil extension: who ends the mode (default: api)"
    )


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def epoch_ms(mode: MaintenanceMode) -> int:
    """`startedAt` as VictorOps sends it: integer milliseconds since the epoch."""
    return (mode.started_at - EPOCH) // timedelta(milliseconds=1)


def instance_json(active: modes.ActiveMode) -> dict[str, Any]:
    mode = active.mode
    return {
        "instanceId": mode.instance_id,
        "startedBy": mode.started_by,
        "startedAt": epoch_ms(mode),
        "purpose": mode.purpose,
        "targets": [{"type": "RoutingKeys", "names": list(active.names)}],
        "isGlobal": mode.is_global,
        "routingKeys": list(active.names),
        "endBehavior": mode.end_behavior,
    }


def state_json(session: DbSession, org_id: int) -> dict[str, Any]:
    found = modes.state(session, org_id)
    return {
        "companyId": found.company_id,
        "activeInstances": [instance_json(active) for active in found.active],
    }


@router.get(f"{V1}/maintenancemode", summary="The active maintenance modes")
def get_state(caller: Caller, session: DbSession) -> dict[str, Any]:
    return state_json(session, caller.org_id)


@router.post(f"{V1}/maintenancemode/start", summary="Start a maintenance mode")
def start(caller: Caller, session: DbSession, body: StartIn) -> dict[str, Any]:
    try:
        modes.start_mode(
            session,
            caller.org_id,
            names=body.names or [],
            purpose=body.purpose or "",
            started_by=body.userName or API_USER,
            at=clock.now(),
            end_behavior=body.endBehavior,
        )
    except modes.GlobalModeActive as error:
        raise HTTPException(409, error.message) from error
    except modes.ModeLimitReached as error:
        raise HTTPException(420, error.message) from error
    return state_json(session, caller.org_id)


@router.put(f"{V1}/maintenancemode/{{instance_id}}/end", summary="End a maintenance mode")
def end(
    caller: Caller, session: DbSession, instance_id: str, body: EndIn | None = None
) -> dict[str, Any]:
    ended_by = body.userName if body is not None and body.userName else API_USER
    windows.end_mode_or_window(session, caller.org_id, instance_id, actor=ended_by, at=clock.now())
    return state_json(session, caller.org_id)
