"""VictorOps reporting endpoints: incident history search, v2 and the deprecated v1.

Both answer `{offset, limit, total, incidents}`, newest first (start time, then incident number).
Reporting speaks lower case (`triggered|acknowledged|resolved`, `critical`, `service`),
unlike the public incident API. Times are RFC 3339 in UTC to the second, and a time that
does not exist (no acknowledgement, not resolved) is left out rather than sent empty.
"""

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from vigil.api.deps import DbSession, TransactionalRoute
from vigil.api.responses import FastJSONResponse
from vigil.api.victorops.auth import Caller
from vigil.api.victorops.incident_wire import rfc3339, transition_json
from vigil.incidents import reporting
from vigil.incidents.reporting import Reported
from vigil.people.models import User

router = APIRouter(tags=["Reporting"], route_class=TransactionalRoute)


# Query parameters are read as sent: the domain parser validates them and words the errors.
Offset = Annotated[str | None, Query(description="Incidents to skip (default 0)")]
Limit = Annotated[str | None, Query(description="Page size: default 20, at most 100")]
Phases = Annotated[
    str | None,
    Query(
        alias="currentPhase",
        description="Comma-separated triggered, acknowledged, resolved (default: resolved)",
    ),
]
EntityIds = Annotated[str | None, Query(alias="entityId", description="Comma-separated ids")]
Hosts = Annotated[str | None, Query(description="Comma-separated hosts")]
Services = Annotated[str | None, Query(description="Comma-separated services")]
Numbers = Annotated[
    str | None,
    Query(alias="incidentNumber", description="Numbers and inclusive ranges: 4,5,20:50"),
]
RoutingKeys = Annotated[
    str | None, Query(alias="routingKey", description="Comma-separated routing keys (v2 only)")
]
StartedAfter = Annotated[
    str | None,
    Query(alias="startedAfter", description="ISO 8601: started at or after (no zone: UTC)"),
]
StartedBefore = Annotated[
    str | None,
    Query(alias="startedBefore", description="ISO 8601: started before (no zone: UTC)"),
]


@dataclass(frozen=True)
class Search:
    paging: reporting.Paging
    report_filter: reporting.ReportFilter


def _search(
    offset: Offset = None,
    limit: Limit = None,
    current_phase: Phases = None,
    entity_id: EntityIds = None,
    host: Hosts = None,
    service: Services = None,
    incident_number: Numbers = None,
    routing_key: RoutingKeys = None,
    started_after: StartedAfter = None,
    started_before: StartedBefore = None,
) -> Search:
    """The query parameters of both versions, validated by the domain parser."""
    return Search(
        reporting.parse_paging(offset, limit),
        reporting.parse_filter(
            current_phase=current_phase,
            entity_id=entity_id,
            host=host,
            service=service,
            incident_number=incident_number,
            routing_key=routing_key,
            started_after=started_after,
            started_before=started_before,
        ),
    )


SearchQuery = Annotated[Search, Depends(_search)]


@router.get(
    "/api-reporting/v2/incidents",
    summary="Search incident history (newest first: by start time, then incident number)",
)
def incidents_v2(
    caller: Caller, session: DbSession, request: Request, query: SearchQuery
) -> FastJSONResponse:
    """Incidents matching every given filter, newest first (start time, then incident number).

    `timeToAck` and `timeToResolve` (seconds, as stored when they happened) are Vigil's own.
    """
    paging = query.paging
    total, found = reporting.search(
        session, caller.org_id, query.report_filter, paging.offset, paging.limit
    )
    base_url = _base_url(request)
    return _page(paging, total, [_incident_v2(reported, base_url) for reported in found])


@router.get(
    "/api-reporting/v1/incidents",
    summary="Search incident history, deprecated v1 shape (newest first; routingKey is v2 only)",
)
def incidents_v1(caller: Caller, session: DbSession, query: SearchQuery) -> FastJSONResponse:
    """The v2 search without `routingKey`, in v1 field names (`lastAlertID`, `ackUser` ...).

    Newest first, as v2. The reference documents an array of result
    objects; every client and real response seen use one object, as here.
    """
    paging = query.paging
    report_filter = replace(query.report_filter, routing_keys=())
    total, found = reporting.search(
        session, caller.org_id, report_filter, paging.offset, paging.limit, timelines=False
    )
    users = reporting.acknowledgers(session, caller.org_id, [r.incident for r in found])
    return _page(paging, total, [_incident_v1(reported, users) for reported in found])


def _page(
    paging: reporting.Paging, total: int, incidents: list[dict[str, Any]]
) -> FastJSONResponse:
    """The answer, rendered here: plain JSON values need no response model to check them."""
    body = {"offset": paging.offset, "limit": paging.limit, "total": total, "incidents": incidents}
    return FastJSONResponse(body)


def _base_url(request: Request) -> str:
    base_url: str = request.app.state.settings.base_url
    return base_url


def _incident_v2(reported: Reported, base_url: str) -> dict[str, Any]:
    incident = reported.incident
    body: dict[str, Any] = {
        "incidentNumber": str(incident.number),
        "startTime": rfc3339(incident.started_at),
        "currentPhase": incident.phase,
        "alertCount": incident.alert_count,
        "lastAlertTime": rfc3339(incident.last_alert_at),
        "lastAlertId": incident.last_alert_id,
        "entityId": incident.entity_id,
        "entityType": incident.entity_type.lower(),
        "entityState": incident.entity_state.lower(),
        "entityDisplayName": incident.entity_display_name,
        "routingKey": incident.routing_key,
        "host": incident.host,
        "service": incident.service,
        "pagedUsers": reported.paged_users,
        "pagedTeams": reported.paged_teams,
        # No policy names or teams are stored yet: the slug stands for the name, as VictorOps
        # itself shows for a team's built-in policy, and "team" is left out.
        "pagedPolicies": [
            {"policy": {"name": name, "slug": slug}} for slug, name in reported.paged_policies
        ],
        "transitions": [transition_json(t, base_url, "reporting") for t in reported.transitions],
        "endTime": _time(incident.resolved_at),
        "timeToAck": incident.seconds_to_acknowledge,
        "timeToResolve": incident.seconds_to_resolve,
    }
    return _present(body)


def _incident_v1(reported: Reported, users: dict[str, User]) -> dict[str, Any]:
    incident = reported.incident
    acked_by = incident.acknowledged_by
    user = users.get(acked_by) if acked_by else None
    body: dict[str, Any] = {
        "incidentNumber": str(incident.number),
        "startTime": rfc3339(incident.started_at),
        "currentPhase": incident.phase,
        "alertCount": incident.alert_count,
        "lastAlertTime": rfc3339(incident.last_alert_at),
        "lastAlertID": incident.last_alert_id,
        "ackUserId": acked_by,
        "ackTime": _time(incident.acknowledged_at),
        "ackUser": _ack_user(user) if user else None,
        "entityId": incident.entity_id,
        "host": incident.host,
        "service": incident.service,
        "endTime": _time(incident.resolved_at),
        "entityType": incident.entity_type.lower(),
        "entityDispName": incident.entity_display_name,
        "teams": ",".join(reported.paged_teams),
    }
    return _present(body)


def _ack_user(user: User) -> dict[str, str]:
    return {"email": user.email, "first": user.first_name, "last": user.last_name}


def _time(moment: datetime | None) -> str | None:
    return rfc3339(moment) if moment is not None else None


def _present(body: dict[str, Any]) -> dict[str, Any]:
    """Absent values are left out, never sent as null (Go decodes times from strings)."""
    return {name: value for name, value in body.items() if value is not None}
