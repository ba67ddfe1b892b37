"""Alerts: /api-public/v1/alerts/{uuid}, every alert as it was sent in."""

from typing import Any

from fastapi import APIRouter

from vigil.alerts.queries import get_alert
from vigil.api.deps import DbSession, TransactionalRoute
from vigil.api.victorops.auth import Caller
from vigil.api.victorops.incident_wire import alert_json
from vigil.api.victorops.wire import V1

router = APIRouter(tags=["Alerts"], route_class=TransactionalRoute)


@router.get(f"{V1}/alerts/{{uuid}}", summary="One alert, with its original payload in `raw`")
def get_one_alert(caller: Caller, session: DbSession, uuid: str) -> dict[str, Any]:
    return alert_json(get_alert(session, caller.org_id, uuid))
