"""Scheduled maintenance windows: /api/v1/maintenance/windows, Vigil's native API.

A thin adapter over `vigil.maintenance.windows` (changes) and `vigil.maintenance.window_queries`
(lists and planned occurrences); the JSON shapes are in `maintenance_wire`. Authenticated with
the VictorOps API headers (read-only keys may only read).

Errors: 400 for bad values (with what is wrong), 404 for an unknown window, 409 when the
window's current occurrence is not in a state that allows the verb (ending one not started,
deleting one that has started).
"""

from dataclasses import replace
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy.orm import Session

from vigil import clock
from vigil.api.deps import DbSession, TransactionalRoute
from vigil.api.native import maintenance_wire as wire
from vigil.api.native.maintenance_wire import (
    BASE,
    CancelIn,
    EndIn,
    ErrorOut,
    ExtendIn,
    NoteIn,
    StartIn,
    WindowFields,
    WindowIn,
)
from vigil.api.victorops.auth import Caller
from vigil.errors import Invalid
from vigil.maintenance import window_queries, windows
from vigil.maintenance.window_queries import WindowFilter
from vigil.maintenance.windows import WindowChanges, WindowSpec, WindowState

router = APIRouter(tags=["Maintenance windows"], route_class=TransactionalRoute)

WINDOW = f"{BASE}/{{window_id}}"
DEFAULT_LIMIT = 50
MAX_LIMIT = 200
DEFAULT_OCCURRENCE_LIMIT = 100
MAX_OCCURRENCE_LIMIT = 1000
DEFAULT_HORIZON = timedelta(days=30)


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    described = {
        400: "Bad input: the message says what is wrong",
        401: "Missing or unknown API id or key",
        403: "The API key is read-only",
        404: "No such maintenance window",
        409: "The window is not in a state that allows this",
    }
    return {code: {"model": ErrorOut, "description": described[code]} for code in (401, *codes)}


def _answer(
    description: str, example: dict[str, Any], *codes: int, status: int = 200
) -> dict[int | str, dict[str, Any]]:
    """The success answer (described, with an example) and the errors a route may give."""
    success = {"description": description, "content": {"application/json": {"example": example}}}
    return {status: success, **_errors(*codes)}


# Query parameters are read as sent and checked here, so a bad one gets a worded 400.
Statuses = Annotated[
    list[str] | None,
    Query(
        alias="status",
        description="Current occurrence status: scheduled, in_progress, completed, canceled "
        "(repeat the parameter or separate with commas)",
    ),
]
RoutingKey = Annotated[
    str | None, Query(alias="routingKey", description="Windows muting this key (or all keys)")
]
Global = Annotated[str | None, Query(alias="global", description="true or false")]
StartAfter = Annotated[
    str | None, Query(alias="startAfter", description="ISO 8601 instant (no offset: UTC)")
]
StartBefore = Annotated[
    str | None, Query(alias="startBefore", description="ISO 8601 instant (no offset: UTC)")
]
EndAfter = Annotated[
    str | None, Query(alias="endAfter", description="ISO 8601 instant (no offset: UTC)")
]
EndBefore = Annotated[
    str | None, Query(alias="endBefore", description="ISO 8601 instant (no offset: UTC)")
]
ExternalRef = Annotated[str | None, Query(alias="externalRef", description="Exact match")]
Limit = Annotated[
    str | None, Query(description=f"Page size: default {DEFAULT_LIMIT}, 1 to {MAX_LIMIT}")
]
Offset = Annotated[str | None, Query(description="Windows to skip (default 0)")]


# --- windows --------------------------------------------------------------------------------


@router.post(
    BASE,
    status_code=201,
    summary="Schedule a maintenance window",
    responses=_answer("The window made", wire.WINDOW_EXAMPLE, 400, 403, status=201),
)
def create(caller: Caller, session: DbSession, body: WindowIn) -> dict[str, Any]:
    spec = WindowSpec(
        title=body.title,
        schedule=wire.new_schedule(body),
        description=body.description or "",
        routing_keys=body.routingKeys or (),
        is_global=bool(body.is_global),
        mutes_paging=body.mutesPaging is not False,
        auto_start=True if body.autoStart is None else body.autoStart,
        auto_end=True if body.autoEnd is None else body.autoEnd,
        end_behavior=body.endBehavior or "repage",
        exceptions=[rule.rule() for rule in body.exceptions or ()],
        reminders=body.reminders or (),
        recipients=[recipient.spec() for recipient in body.recipients or ()],
        external_ref=body.externalRef,
        external_link=body.externalLink,
    )
    state = windows.create_window(
        session, caller.org_id, spec, actor=wire.actor(body.userName), at=clock.now()
    )
    return _window(session, state)


@router.get(
    BASE,
    summary="List maintenance windows (by their current occurrence's planned start)",
    responses=_answer(
        'A page of windows; a Link rel="next" header when more remain', wire.LIST_EXAMPLE, 400
    ),
)
def list_windows(
    caller: Caller,
    session: DbSession,
    request: Request,
    response: Response,
    status: Statuses = None,
    routing_key: RoutingKey = None,
    is_global: Global = None,
    start_after: StartAfter = None,
    start_before: StartBefore = None,
    end_after: EndAfter = None,
    end_before: EndBefore = None,
    external_ref: ExternalRef = None,
    limit: Limit = None,
    offset: Offset = None,
) -> dict[str, Any]:
    page_size = _whole(limit, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    skip = _whole(offset, "offset", 0, 0, None)
    wanted = WindowFilter(
        statuses=[s.strip() for text in status or () for s in text.split(",") if s.strip()],
        routing_key=routing_key or None,
        is_global=_flag(is_global, "global"),
        start_after=wire.query_instant(start_after, "startAfter"),
        start_before=wire.query_instant(start_before, "startBefore"),
        end_after=wire.query_instant(end_after, "endAfter"),
        end_before=wire.query_instant(end_before, "endBefore"),
        external_ref=external_ref or None,
    )
    total, found = window_queries.list_windows(
        session, caller.org_id, wanted, offset=skip, limit=page_size
    )
    if skip + len(found) < total:
        # A relative reference (RFC 8288 allows it): right behind any proxy.
        following = request.url.include_query_params(offset=skip + page_size, limit=page_size)
        response.headers["Link"] = f'<{following.path}?{following.query}>; rel="next"'
    instances = window_queries.mode_instances(session, found)
    return {
        "total": total,
        "offset": skip,
        "limit": page_size,
        "windows": [wire.window_json(state, instances) for state in found],
    }


@router.get(
    WINDOW,
    summary="One maintenance window, with its current occurrence",
    responses=_answer("The window", wire.WINDOW_EXAMPLE, 404),
)
def get_window(caller: Caller, session: DbSession, window_id: str) -> dict[str, Any]:
    return _window(session, windows.get_window(session, caller.org_id, window_id))


@router.patch(
    WINDOW,
    summary="Change a maintenance window (any subset of its fields)",
    description="Schedule fields (start, end or durationMinutes, timezone, rrule) combine with "
    "the stored schedule; a new schedule moves the current occurrence if it has not started. "
    "Routing keys, global, exceptions and endBehavior cannot change while it is in progress "
    "(409). Send null for description, externalRef, externalLink or rrule to clear them.",
    responses=_answer("The window changed", wire.WINDOW_EXAMPLE, 400, 403, 404, 409),
)
def update(
    caller: Caller, session: DbSession, window_id: str, body: WindowFields
) -> dict[str, Any]:
    given = body.model_fields_set
    stored = windows.get_window(session, caller.org_id, window_id)
    changes = WindowChanges(
        title=body.title,
        description=_cleared(body.description, "description" in given),
        schedule=wire.changed_schedule(body, stored.schedule),
        routing_keys=body.routingKeys,
        is_global=body.is_global,
        auto_start=body.autoStart,
        auto_end=body.autoEnd,
        end_behavior=body.endBehavior,
        exceptions=None if body.exceptions is None else [r.rule() for r in body.exceptions],
        reminders=body.reminders,
        recipients=None if body.recipients is None else [r.spec() for r in body.recipients],
        external_ref=_cleared(body.externalRef, "externalRef" in given),
        external_link=_cleared(body.externalLink, "externalLink" in given),
    )
    # One of routingKeys and global given: the other follows, so a scope is never both.
    if body.routingKeys and body.is_global is None and stored.window.is_global:
        changes = replace(changes, is_global=False)
    elif body.is_global and body.routingKeys is None and stored.keys:
        changes = replace(changes, routing_keys=[])
    state = windows.update_window(
        session,
        caller.org_id,
        window_id,
        changes,
        actor=wire.actor(body.userName),
        at=clock.now(),
    )
    return _window(session, state)


@router.delete(
    WINDOW,
    status_code=204,
    summary="Delete a maintenance window that never started (cancel one that has)",
    response_class=Response,
    responses={204: {"description": "Deleted"}, **_errors(403, 404, 409)},
)
def delete(caller: Caller, session: DbSession, window_id: str) -> Response:
    windows.delete_window(session, caller.org_id, window_id)
    return Response(status_code=204)


# --- verbs on the current occurrence --------------------------------------------------------


@router.post(
    f"{WINDOW}/start",
    summary="Start the current occurrence now (early, late, or by hand)",
    description="Opens the window's maintenance mode (see GET /api-public/v1/maintenancemode).",
    responses=_answer("The window, in progress", wire.WINDOW_EXAMPLE, 400, 403, 404, 409),
)
def start(
    caller: Caller, session: DbSession, window_id: str, body: StartIn | None = None
) -> dict[str, Any]:
    user = body.userName if body is not None else None
    state = windows.start_window(
        session, caller.org_id, window_id, actor=wire.actor(user), at=clock.now()
    )
    return _window(session, state)


@router.post(
    f"{WINDOW}/end",
    summary="End the occurrence in progress now, with its outcome",
    responses=_answer("The window", wire.WINDOW_EXAMPLE, 400, 403, 404, 409),
)
def end(
    caller: Caller, session: DbSession, window_id: str, body: EndIn | None = None
) -> dict[str, Any]:
    body = body or EndIn()
    state = windows.end_window(
        session,
        caller.org_id,
        window_id,
        actor=wire.actor(body.userName),
        at=clock.now(),
        outcome=body.outcome,
        note=body.note or None,
    )
    return _window(session, state)


@router.post(
    f"{WINDOW}/extend",
    summary="Move the planned end of the current occurrence",
    description="Give `end` (an instant, or wall-clock time in the window's zone) or `minutes` "
    "added to the planned end.",
    responses=_answer("The window", wire.WINDOW_EXAMPLE, 400, 403, 404, 409),
)
def extend(caller: Caller, session: DbSession, window_id: str, body: ExtendIn) -> dict[str, Any]:
    stored = windows.get_window(session, caller.org_id, window_id)
    if body.end is not None and body.minutes is not None:
        raise Invalid("Give end or minutes, not both")
    if body.end is not None:
        new_end = wire.instant(body.end, stored.window.zone, "end")
    elif body.minutes is not None:
        new_end = stored.current.planned_end + timedelta(minutes=body.minutes)
    else:
        raise Invalid("Give end (the new planned end) or minutes (added to the planned end)")
    state = windows.extend_window(
        session,
        caller.org_id,
        window_id,
        end=new_end,
        actor=wire.actor(body.userName),
        at=clock.now(),
    )
    return _window(session, state)


@router.post(
    f"{WINDOW}/cancel",
    summary="Cancel the current occurrence before it starts, or the whole series",
    responses=_answer("The window", wire.WINDOW_EXAMPLE, 400, 403, 404, 409),
)
def cancel(
    caller: Caller, session: DbSession, window_id: str, body: CancelIn | None = None
) -> dict[str, Any]:
    body = body or CancelIn()
    state = windows.cancel_window(
        session,
        caller.org_id,
        window_id,
        actor=wire.actor(body.userName),
        at=clock.now(),
        series=body.series,
        note=body.note or None,
    )
    return _window(session, state)


# --- occurrences and timeline ---------------------------------------------------------------


@router.get(
    f"{WINDOW}/occurrences",
    summary="The window's occurrences in a period: stored ones and those still to come",
    responses=_answer("By planned start", wire.OCCURRENCES_EXAMPLE, 400, 404),
)
def occurrences(
    caller: Caller,
    session: DbSession,
    window_id: str,
    after: Annotated[
        str | None, Query(alias="from", description="ISO 8601 instant (default: now)")
    ] = None,
    before: Annotated[
        str | None, Query(alias="to", description="ISO 8601 instant (default: from + 30 days)")
    ] = None,
    limit: Annotated[
        str | None,
        Query(
            description=f"At most this many (default {DEFAULT_OCCURRENCE_LIMIT}, "
            f"at most {MAX_OCCURRENCE_LIMIT})"
        ),
    ] = None,
) -> dict[str, Any]:
    count = _whole(limit, "limit", DEFAULT_OCCURRENCE_LIMIT, 1, MAX_OCCURRENCE_LIMIT)
    start = wire.query_instant(after, "from") or clock.now()
    stop = wire.query_instant(before, "to") or start + DEFAULT_HORIZON
    if stop <= start:
        raise Invalid("to must be after from")
    state = windows.get_window(session, caller.org_id, window_id)
    found = window_queries.planned_occurrences(session, state, start, stop, count)
    return {"occurrences": [wire.planned_json(planned) for planned in found]}


@router.get(
    f"{WINDOW}/timeline",
    summary="The window's timeline, oldest first",
    responses=_answer("Oldest first", wire.TIMELINE_EXAMPLE, 400, 404),
)
def get_timeline(
    caller: Caller,
    session: DbSession,
    window_id: str,
    public: Annotated[
        str | None, Query(description="true: only public updates and public changes")
    ] = None,
) -> dict[str, Any]:
    events = windows.timeline(
        session, caller.org_id, window_id, public_only=bool(_flag(public, "public"))
    )
    return {"events": [wire.event_json(event) for event in events]}


@router.post(
    f"{WINDOW}/timeline",
    status_code=201,
    summary="Add a public update or an internal comment to the timeline",
    responses=_answer("The event added", wire.EVENT_EXAMPLE, 400, 403, 404, status=201),
)
def add_note(caller: Caller, session: DbSession, window_id: str, body: NoteIn) -> dict[str, Any]:
    event = windows.add_note(
        session,
        caller.org_id,
        window_id,
        body=body.body,
        public=body.public,
        actor=wire.actor(body.userName),
        at=clock.now(),
    )
    return wire.event_json(event)


# --- helpers --------------------------------------------------------------------------------


def _window(session: Session, state: WindowState) -> dict[str, Any]:
    return wire.window_json(state, window_queries.mode_instances(session, [state]))


def _whole(text: str | None, name: str, default: int, lowest: int, highest: int | None) -> int:
    if text is None or text == "":
        return default
    try:
        value = int(text)
    except ValueError:
        value = None
    if value is None or value < lowest or (highest is not None and value > highest):
        bound = f"from {lowest} to {highest}" if highest is not None else f"at least {lowest}"
        raise Invalid(f"{name} must be a whole number {bound}; got {text!r}")
    return value


def _flag(text: str | None, name: str) -> bool | None:
    if text is None or text == "":
        return None
    if text.lower() in ("true", "1"):
        return True
    if text.lower() in ("false", "0"):
        return False
    raise Invalid(f"{name} must be true or false; got {text!r}")


def _cleared(value: str | None, given: bool) -> str | None:
    """A nullable text field on update: null clears it (""), absent leaves it."""
    if value is None and given:
        return ""
    return value
