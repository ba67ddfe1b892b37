"""Incidents: /api-public/v1/incidents, and the ack, resolve and reroute commands."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from vigil import clock
from vigil.alerts.manual import ManualIncident, create_manual_incident
from vigil.api.deps import DbSession, TransactionalRoute
from vigil.api.victorops.auth import Caller
from vigil.api.victorops.incident_wire import (
    command_results_json,
    incident_json,
    reroute_json,
)
from vigil.api.victorops.wire import V1
from vigil.incidents import flows
from vigil.incidents.service import TargetRef

router = APIRouter(tags=["Incidents"], route_class=TransactionalRoute)

BASE = f"{V1}/incidents"
UserName = Annotated[str, Field(min_length=1, max_length=100)]
Message = Annotated[str, Field(max_length=20_480)]
# Incident numbers are strings on the wire; a bare JSON number is taken as its text.
NumberText = Annotated[
    str,
    BeforeValidator(lambda v: str(v) if isinstance(v, int) and not isinstance(v, bool) else v),
    Field(min_length=1, max_length=20),
]
TARGET_KINDS = {"User": "user", "EscalationPolicy": "policy"}


class TargetIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    type: Literal["User", "EscalationPolicy"]
    slug: Annotated[str, Field(min_length=1, max_length=200)]

    def ref(self) -> TargetRef:
        return TargetRef(TARGET_KINDS[self.type], self.slug)


Targets = Annotated[list[TargetIn], Field(min_length=1, max_length=100)]


class ManualIncidentIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    summary: Annotated[str, Field(min_length=1, max_length=10_000)]
    details: Message | None = None
    userName: UserName
    targets: Targets
    isMultiResponder: bool | None = None


class CommandIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    userName: UserName
    incidentNames: Annotated[list[NumberText], Field(max_length=1000)]
    message: Message | None = None


class ByUserIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    userName: UserName
    message: Message | None = None


class RerouteEntry(BaseModel):
    model_config = ConfigDict(extra="ignore")

    incidentNumber: NumberText
    targets: Targets
    addTargets: bool | None = None


class RerouteIn(BaseModel):
    """`addTargets` per entry (S1, S6) or at the top level (go v2 at one revision)."""

    model_config = ConfigDict(extra="ignore")

    userName: UserName
    reroutes: Annotated[list[RerouteEntry], Field(min_length=1, max_length=1000)]
    addTargets: bool | None = None


def _base_url(request: Request) -> str:
    base: str = request.app.state.settings.base_url
    return base


@router.get(BASE, summary="Open, acknowledged and recently resolved (24 hours) incidents")
def list_incidents(caller: Caller, session: DbSession, request: Request) -> dict[str, Any]:
    base_url = _base_url(request)
    views = flows.recent_incidents(session, caller.org_id, clock.now())
    return {
        "incidents": [
            incident_json(view.incident, view.transitions, view.recipients, base_url)
            for view in views
        ]
    }


@router.post(BASE, summary="Open an incident by hand, paging the given targets")
def create_incident(caller: Caller, session: DbSession, body: ManualIncidentIn) -> dict[str, Any]:
    manual = ManualIncident(
        summary=body.summary,
        details=body.details,
        username=body.userName,
        targets=[target.ref() for target in body.targets],
        is_multi_responder=bool(body.isMultiResponder),
    )
    created = create_manual_incident(session, caller.org_id, manual, clock.now())
    return {"incidentNumber": str(created.number), "entityId": created.entity_id}


@router.patch(f"{BASE}/ack", summary="Acknowledge incidents by number")
def acknowledge(caller: Caller, session: DbSession, body: CommandIn) -> dict[str, Any]:
    results = flows.acknowledge_numbers(
        session, caller.org_id, body.userName, body.incidentNames, clock.now(), body.message
    )
    return command_results_json(results)


@router.patch(f"{BASE}/resolve", summary="Resolve incidents by number")
def resolve(caller: Caller, session: DbSession, body: CommandIn) -> dict[str, Any]:
    results = flows.resolve_numbers(
        session, caller.org_id, body.userName, body.incidentNames, clock.now(), body.message
    )
    return command_results_json(results)


@router.patch(f"{BASE}/byUser/ack", summary="Acknowledge the triggered incidents paging a user")
def acknowledge_for_user(caller: Caller, session: DbSession, body: ByUserIn) -> dict[str, Any]:
    results = flows.acknowledge_for_user(
        session, caller.org_id, body.userName, clock.now(), body.message
    )
    return command_results_json(results)


@router.patch(f"{BASE}/byUser/resolve", summary="Resolve the open incidents paging a user")
def resolve_for_user(caller: Caller, session: DbSession, body: ByUserIn) -> dict[str, Any]:
    results = flows.resolve_for_user(
        session, caller.org_id, body.userName, clock.now(), body.message
    )
    return command_results_json(results)


@router.post(f"{BASE}/reroute", summary="Page other users or escalation policies")
def reroute(caller: Caller, session: DbSession, body: RerouteIn) -> dict[str, Any]:
    requests = [
        flows.RerouteRequest(
            number=entry.incidentNumber,
            targets=[target.ref() for target in entry.targets],
            add_targets=bool(entry.addTargets if entry.addTargets is not None else body.addTargets),
        )
        for entry in body.reroutes
    ]
    results = flows.reroute_incidents(session, caller.org_id, body.userName, requests, clock.now())
    return reroute_json(results)


@router.get(f"{BASE}/{{number}}", summary="One incident by number (a bare incident object)")
def get_incident(
    caller: Caller, session: DbSession, request: Request, number: str
) -> dict[str, Any]:
    view = flows.get_incident(session, caller.org_id, number)
    return incident_json(view.incident, view.transitions, view.recipients, _base_url(request))
