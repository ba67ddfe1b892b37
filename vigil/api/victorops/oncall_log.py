"""A team's on-call log: /api-reporting/v1/team/{team}/oncall/log (reference section 3.14)."""

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query

from vigil import clock
from vigil.api.deps import DbSession, TransactionalRoute
from vigil.api.victorops.auth import Caller
from vigil.api.victorops.oncall_wire import millis, policy_ref
from vigil.clock import rfc3339
from vigil.oncall import log
from vigil.people import teams, users

router = APIRouter(tags=["Reporting"], route_class=TransactionalRoute)

Moment = Annotated[str | None, Query(description="ISO 8601 (no offset: UTC); default: today")]
UserName = Annotated[str | None, Query(alias="userName", description="Only this user")]


def hours_minutes(span: timedelta) -> dict[str, int]:
    minutes = int(span.total_seconds()) // 60
    return {"hours": minutes // 60, "minutes": minutes % 60}


@router.get("/api-reporting/v1/team/{team}/oncall/log", summary="A team's on-call shifts")
def oncall_log(
    caller: Caller,
    session: DbSession,
    team: str,
    start: Moment = None,
    end: Moment = None,
    user_name: UserName = None,
) -> dict[str, Any]:
    begin, finish = log.log_window(start, end, clock.now())
    found = teams.get_team(session, caller.org_id, team)
    only = users.get_user(session, caller.org_id, user_name) if user_name else None
    logs = log.on_call_log(session, found, begin, finish, only)
    return {
        "teamSlug": found.slug,
        "start": millis(begin),
        "end": millis(finish),
        "results": len(logs),
        "userLogs": [
            {
                "userId": entry.user.username,
                "total": hours_minutes(entry.total),
                "adjustedTotal": hours_minutes(entry.adjusted_total),
                "log": [
                    {
                        "on": rfc3339(stretch.on),
                        "off": rfc3339(stretch.off),
                        "duration": hours_minutes(stretch.off - stretch.on),
                        "escalationPolicy": policy_ref(stretch.policy),
                    }
                    for stretch in entry.entries
                ],
            }
            for entry in logs
        ],
    }
