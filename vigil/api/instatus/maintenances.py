"""A page's maintenances and their updates: `/v1/{page_id}/maintenances[/{id}]` and
`/v1/{page_id}/maintenances/{id}/maintenance-updates[/{update_id}]`.

A maintenance is a Vigil maintenance window that mutes no paging, published on the page
(`vigil.statuspages.publications`): `start` and `end` (or `duration` in minutes) are its
schedule in UTC, `autoStart`/`autoEnd` let the engine start and end it, `statuses` (else
UNDERMAINTENANCE for each of `components`) is what its components show while it is in
progress, `notifyEarly` with `notifyMinutes` sets a reminder that many minutes before the
start, and `message` is its first update.

Statuses: a scheduled window is NOTSTARTEDYET, one in progress INPROGRESS, and one completed
or canceled COMPLETED. Sending status INPROGRESS (on create, update, or with an update) starts
it; COMPLETED ends it (or cancels it if it had not started). A maintenance that has started
cannot be deleted (409): complete it instead.
"""

from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter
from sqlalchemy.orm import Session

from vigil import clock
from vigil.api.deps import DbSession, TransactionalRoute
from vigil.api.instatus import wire
from vigil.api.instatus.auth import Caller, page_of
from vigil.api.instatus.pages import PageNumber, PerPage
from vigil.errors import Invalid
from vigil.maintenance import windows
from vigil.maintenance.recurrence import Schedule, zone_info
from vigil.maintenance.windows import WindowChanges, WindowSpec, schedule_of
from vigil.statuspages import publications
from vigil.statuspages.models import StatusPage
from vigil.statuspages.publications import PublicationFields, UpdateFields

router = APIRouter(tags=["Instatus: maintenances"], route_class=TransactionalRoute)

BASE = "/v1/{page_id}/maintenances"
ONE = BASE + "/{maintenance_id}"
UPDATES = ONE + "/maintenance-updates"
UPDATE = UPDATES + "/{update_id}"
DEFAULT_NOTIFY_MINUTES = 60


@router.get(
    BASE,
    summary="List a page's maintenances (latest made first; page, per_page)",
    responses=wire.errors(400, 404),
)
def list_all(
    caller: Caller,
    session: DbSession,
    page_id: str,
    page: PageNumber = None,
    per_page: PerPage = None,
) -> list[dict[str, Any]]:
    offset, limit = wire.pagination(page, per_page)
    status_page = page_of(session, caller, page_id)
    found = publications.page_windows(session, status_page, offset=offset, limit=limit)
    return [wire.maintenance_json(shown, status_page) for shown in found]


@router.post(BASE, summary="Schedule a maintenance", responses=wire.errors(400, 403, 404, 409))
def create(
    caller: Caller, session: DbSession, page_id: str, body: wire.MaintenanceIn
) -> dict[str, Any]:
    status_page = page_of(session, caller, page_id)
    if not body.name or not body.name.strip():
        raise Invalid("name is required")
    if not body.start:
        raise Invalid("start is required")
    start = _wall_clock(body.start, "UTC", "start")
    if body.end:
        schedule = Schedule.between(start, _wall_clock(body.end, "UTC", "end"), "UTC")
    elif body.duration:
        schedule = Schedule(start=start, zone="UTC", duration=timedelta(minutes=body.duration))
    else:
        raise Invalid("Give end or duration (minutes): how long the maintenance lasts")
    spec = WindowSpec(
        title=body.name,
        schedule=schedule,
        description=body.message or "",
        mutes_paging=False,
        auto_start=True if body.autoStart is None else body.autoStart,
        auto_end=True if body.autoEnd is None else body.autoEnd,
        reminders=_reminders(body) or (),
    )
    window = publications.publish_window(
        session,
        status_page,
        spec,
        components=wire.statuses_of(body.components, body.statuses, "UNDERMAINTENANCE") or {},
        publication=_publication(body),
        first=UpdateFields(
            message=body.message,
            status=body.status,
            notify=body.notify,
            translations=wire.translations_of(body.translations, "message"),
        ),
        actor=wire.ACTOR,
        at=clock.now(),
    )
    return _one(session, status_page, window.key)


@router.get(ONE, summary="Get a maintenance", responses=wire.errors(404))
def get(caller: Caller, session: DbSession, page_id: str, maintenance_id: str) -> dict[str, Any]:
    return _one(session, page_of(session, caller, page_id), maintenance_id)


@router.put(ONE, summary="Change a maintenance", responses=wire.errors(400, 403, 404, 409))
def update(
    caller: Caller,
    session: DbSession,
    page_id: str,
    maintenance_id: str,
    body: wire.MaintenanceIn,
) -> dict[str, Any]:
    status_page = page_of(session, caller, page_id)
    shown = publications.page_window(session, status_page, maintenance_id)
    publications.change_window(
        session,
        status_page,
        maintenance_id,
        WindowChanges(
            title=body.name,
            description=body.message,
            schedule=_changed_schedule(body, schedule_of(shown.window)),
            auto_start=body.autoStart,
            auto_end=body.autoEnd,
            reminders=_reminders(body),
        ),
        components=wire.statuses_of(body.components, body.statuses, "UNDERMAINTENANCE"),
        publication=_publication(body),
        status=body.status,
        actor=wire.ACTOR,
        at=clock.now(),
    )
    return _one(session, status_page, maintenance_id)


@router.delete(
    ONE, summary="Delete a maintenance that has not started", responses=wire.errors(403, 404, 409)
)
def delete(caller: Caller, session: DbSession, page_id: str, maintenance_id: str) -> dict[str, str]:
    status_page = page_of(session, caller, page_id)
    publications.page_window(session, status_page, maintenance_id)
    windows.delete_window(session, status_page.org_id, maintenance_id)
    return {"id": maintenance_id}


# --- maintenance updates ----------------------------------------------------------------------


@router.get(
    UPDATES, summary="List a maintenance's updates (newest first)", responses=wire.errors(404)
)
def list_updates(
    caller: Caller, session: DbSession, page_id: str, maintenance_id: str
) -> list[dict[str, Any]]:
    status_page = page_of(session, caller, page_id)
    shown = publications.page_window(session, status_page, maintenance_id)
    return [wire.maintenance_update_json(event) for event in shown.updates]


@router.post(
    UPDATES,
    summary="Post a maintenance update (its status moves the maintenance)",
    responses=wire.errors(400, 403, 404, 409),
)
def add_update(
    caller: Caller, session: DbSession, page_id: str, maintenance_id: str, body: wire.UpdateIn
) -> dict[str, Any]:
    status_page = page_of(session, caller, page_id)
    if not body.message or not body.message.strip():
        raise Invalid("message is required")
    event = publications.post_update(
        session,
        status_page,
        maintenance_id,
        _update_fields(body),
        actor=wire.ACTOR,
        at=clock.now(),
    )
    return wire.maintenance_update_json(event)


@router.get(UPDATE, summary="Get a maintenance update", responses=wire.errors(404))
def get_update(
    caller: Caller, session: DbSession, page_id: str, maintenance_id: str, update_id: str
) -> dict[str, Any]:
    status_page = page_of(session, caller, page_id)
    event = publications.get_update(session, status_page, maintenance_id, update_id)
    return wire.maintenance_update_json(event)


@router.put(
    UPDATE,
    summary="Correct a maintenance update (the maintenance itself does not move)",
    responses=wire.errors(400, 403, 404),
)
def edit_update(
    caller: Caller,
    session: DbSession,
    page_id: str,
    maintenance_id: str,
    update_id: str,
    body: wire.UpdateIn,
) -> dict[str, Any]:
    status_page = page_of(session, caller, page_id)
    event = publications.edit_update(
        session, status_page, maintenance_id, update_id, _update_fields(body), at=clock.now()
    )
    return wire.maintenance_update_json(event)


@router.delete(
    UPDATE, summary="Take a maintenance update off the page", responses=wire.errors(403, 404)
)
def delete_update(
    caller: Caller, session: DbSession, page_id: str, maintenance_id: str, update_id: str
) -> dict[str, str]:
    status_page = page_of(session, caller, page_id)
    publications.delete_update(
        session, status_page, maintenance_id, update_id, actor=wire.ACTOR, at=clock.now()
    )
    return {"id": update_id}


# --- helpers --------------------------------------------------------------------------------


def _one(session: Session, page: StatusPage, key: str) -> dict[str, Any]:
    return wire.maintenance_json(publications.page_window(session, page, key), page)


def _wall_clock(text: str, zone: str, name: str) -> datetime:
    """An instant sent on the wire as naive wall-clock time in `zone` (a window's schedule)."""
    return wire.instant(text, name).astimezone(zone_info(zone)).replace(tzinfo=None)


def _changed_schedule(body: wire.MaintenanceIn, stored: Schedule) -> Schedule | None:
    if body.start is None and body.end is None and body.duration is None:
        return None
    zone = stored.zone
    start = stored.start if body.start is None else _wall_clock(body.start, zone, "start")
    if body.end is not None:
        return Schedule.between(start, _wall_clock(body.end, zone, "end"), zone, stored.rrule)
    duration = timedelta(minutes=body.duration) if body.duration else stored.duration
    return Schedule(start=start, zone=zone, duration=duration, rrule=stored.rrule)


def _reminders(body: wire.MaintenanceIn) -> list[int] | None:
    """The window's reminders for `notifyEarly`/`notifyMinutes`: None when neither is sent
    (unchanged), [] for no early notice, else [minutes before the start]."""
    if body.notifyEarly is None and body.notifyMinutes is None:
        return None
    if body.notifyEarly is False:
        return []
    return [body.notifyMinutes or DEFAULT_NOTIFY_MINUTES]


def _publication(body: wire.MaintenanceIn) -> PublicationFields:
    return PublicationFields(
        translations=body.translations, notify_start=body.notifyStart, notify_end=body.notifyEnd
    )


def _update_fields(body: wire.UpdateIn) -> UpdateFields:
    return UpdateFields(
        message=body.message, status=body.status, notify=body.notify, translations=body.translations
    )
