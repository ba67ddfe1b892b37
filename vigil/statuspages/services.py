"""Prod Manager's resource model: scopes (a region, an availability zone) and services
(Compute, Database), and maintenances that each belong to one scope and one service.

A Prod Manager maintenance is a Vigil maintenance window that mutes no paging (it names no
routing key), one-off, scheduled in UTC, started and ended by the engine on time
(`auto_start`/`auto_end`) or by hand through a status change; its `WindowService` row holds
its scope, service and the service's expected status (up, degraded, down) while it runs. Its
Prod Manager id is the window's integer primary key.

Status, in Prod Manager's words: `scheduled`, `in-progress`, `succeed` or `failed` (ended with
that outcome), `canceled`. Prod Manager lets a maintenance go back to an earlier status; Vigil
keeps each occurrence's history, so moving back (or from one outcome to the other) is
WrongState (409).

Plain Python over a session; `vigil.api.prodmanager` is the wire adapter.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar, TypeVarTuple

from sqlalchemy import ColumnElement, Select, and_, false, func, or_, select
from sqlalchemy.orm import Session

from vigil.errors import Conflict, Invalid, NotFound, WrongState
from vigil.maintenance import windows
from vigil.maintenance.models import (
    MaintenanceOccurrence,
    MaintenanceWindow,
    MaintenanceWindowEvent,
)
from vigil.maintenance.recurrence import Schedule
from vigil.maintenance.windows import WindowChanges, WindowSpec
from vigil.statuspages.components import replace_window_components
from vigil.statuspages.models import SERVICE_STATUSES, Component, Scope, Service, WindowService

__all__ = [
    "MAINTENANCE_STATUSES",
    "SERVICE_STATUSES",
    "Maintenance",
    "MaintenanceFields",
    "MaintenanceFilter",
    "comment_maintenance",
    "create_maintenance",
    "create_scope",
    "create_service",
    "delete_maintenance",
    "delete_scope",
    "delete_service",
    "get_maintenance",
    "get_scope",
    "get_service",
    "list_maintenances",
    "list_scopes",
    "list_services",
    "maintenance_counts",
    "maintenance_events",
    "maintenance_weather",
    "service_components",
    "update_maintenance",
    "update_scope",
    "update_service",
]

MAINTENANCE_STATUSES = ("scheduled", "in-progress", "succeed", "failed", "canceled")
SHOWN_AS = {"up": "OPERATIONAL", "degraded": "DEGRADEDPERFORMANCE", "down": "UNDERMAINTENANCE"}
"""The status a page shows of a service's component while a maintenance of the service runs,
by the maintenance's `service_status`: planned downtime shows as under maintenance."""
MAX_NAME_CHARS = 200
MAX_DESCRIPTION_CHARS = 20_000

Place = TypeVar("Place", Scope, Service)
"""A scope or a service: both have the same shape and rules."""


# --- scopes and services ----------------------------------------------------------------------


def create_scope(
    session: Session, org_id: int, name: str, description: str = "", *, at: datetime
) -> Scope:
    """A new scope; Conflict when the organization has one of that name."""
    return _create(session, Scope, org_id, name, description, at)


def get_scope(session: Session, org_id: int, scope_id: int) -> Scope:
    return _get(session, Scope, org_id, scope_id)


def list_scopes(session: Session, org_id: int, offset: int, limit: int) -> tuple[list[Scope], int]:
    """A page of scopes (by id) and how many there are."""
    return _list(session, Scope, org_id, offset, limit)


def update_scope(
    session: Session,
    org_id: int,
    scope_id: int,
    *,
    name: str | None = None,
    description: str | None = None,
) -> Scope:
    """Only the values given (not None) change."""
    return _update(session, Scope, org_id, scope_id, name, description)


def delete_scope(session: Session, org_id: int, scope_id: int) -> None:
    """Delete a scope no maintenance belongs to (WrongState, 409, otherwise)."""
    _delete(session, Scope, org_id, scope_id)


def create_service(
    session: Session,
    org_id: int,
    name: str,
    description: str = "",
    *,
    component: str | None = None,
    at: datetime,
) -> Service:
    """A new service; Conflict when the organization has one of that name. `component` (a
    status-page component's id) shows the service's maintenances on that component's page."""
    service = _create(session, Service, org_id, name, description, at)
    if component:
        service.component_id = _component_id(session, org_id, component)
        session.flush()
    return service


def get_service(session: Session, org_id: int, service_id: int) -> Service:
    return _get(session, Service, org_id, service_id)


def list_services(
    session: Session, org_id: int, offset: int, limit: int
) -> tuple[list[Service], int]:
    """A page of services (by id) and how many there are."""
    return _list(session, Service, org_id, offset, limit)


def update_service(
    session: Session,
    org_id: int,
    service_id: int,
    *,
    name: str | None = None,
    description: str | None = None,
    component: str | None = None,
) -> Service:
    """Only the values given (not None) change; `component` "" shows the service on no page.
    A new component applies to the service's maintenances not over yet; those over keep the
    component they were shown on."""
    service = _update(session, Service, org_id, service_id, name, description)
    if component is None:
        return service
    component_id = _component_id(session, org_id, component) if component else None
    if component_id != service.component_id:
        service.component_id = component_id
        session.flush()
        open_maintenances = _maintenances(org_id).where(
            WindowService.service_id == service.id,
            MaintenanceOccurrence.status.in_(("scheduled", "in_progress")),
        )
        for _, _, link in session.execute(open_maintenances):
            _show_on(session, link, component_id)
    return service


def delete_service(session: Session, org_id: int, service_id: int) -> None:
    """Delete a service no maintenance belongs to (WrongState, 409, otherwise)."""
    _delete(session, Service, org_id, service_id)


def service_components(session: Session, services: Sequence[Service]) -> dict[int, str | None]:
    """The id of the component each service shows on (None for none), in one query."""
    found: dict[int, str | None] = {service.id: None for service in services}
    linked = {service.component_id for service in services} - {None}
    if linked:
        rows = session.execute(select(Component.id, Component.key).where(Component.id.in_(linked)))
        keys: dict[int, str] = dict(rows.all())
        found.update({s.id: keys.get(s.component_id) for s in services if s.component_id})
    return found


def maintenance_counts(
    session: Session, kind: type[Scope] | type[Service], ids: Sequence[int]
) -> dict[int, int]:
    """How many maintenances each scope (or service) of `ids` has, in one query."""
    if not ids:
        return {}
    column = WindowService.scope_id if kind is Scope else WindowService.service_id
    rows = session.execute(
        select(column, func.count()).where(column.in_(ids)).group_by(column)
    ).all()
    counts = {place_id: 0 for place_id in ids}
    counts.update({place_id: count for place_id, count in rows})
    return counts


def _label(kind: type[Scope] | type[Service]) -> str:
    return "scope" if kind is Scope else "service"


def _checked_name(kind: type[Scope] | type[Service], name: str) -> str:
    name = name.strip()
    if not name:
        raise Invalid(f"name: a {_label(kind)} needs a name")
    if len(name) > MAX_NAME_CHARS:
        raise Invalid(f"name: at most {MAX_NAME_CHARS} characters")
    return name


def _checked_description(description: str) -> str:
    if len(description) > MAX_DESCRIPTION_CHARS:
        raise Invalid(f"description: at most {MAX_DESCRIPTION_CHARS} characters")
    return description.strip()


def _check_free(
    session: Session, kind: type[Place], org_id: int, name: str, but: int | None = None
) -> None:
    taken = session.scalar(
        select(kind.id).where(kind.org_id == org_id, kind.name == name, kind.id != (but or 0))
    )
    if taken is not None:
        raise Conflict(f"name: a {_label(kind)} named {name!r} already exists")


def _create(
    session: Session, kind: type[Place], org_id: int, name: str, description: str, at: datetime
) -> Place:
    name = _checked_name(kind, name)
    description = _checked_description(description)
    _check_free(session, kind, org_id, name)
    place = kind(org_id=org_id, name=name, description=description, created_at=at)
    session.add(place)
    session.flush()
    return place


def _get(session: Session, kind: type[Place], org_id: int, place_id: int) -> Place:
    place = session.scalar(select(kind).where(kind.org_id == org_id, kind.id == place_id))
    if place is None:
        raise NotFound(f"No {_label(kind)} {place_id}")
    return place


def _list(
    session: Session, kind: type[Place], org_id: int, offset: int, limit: int
) -> tuple[list[Place], int]:
    total = session.scalar(select(func.count()).select_from(kind).where(kind.org_id == org_id))
    found = session.scalars(
        select(kind).where(kind.org_id == org_id).order_by(kind.id).offset(offset).limit(limit)
    )
    return list(found), total or 0


def _update(
    session: Session,
    kind: type[Place],
    org_id: int,
    place_id: int,
    name: str | None,
    description: str | None,
) -> Place:
    place = _get(session, kind, org_id, place_id)
    if name is not None:
        name = _checked_name(kind, name)
        if name != place.name:
            _check_free(session, kind, org_id, name, but=place.id)
            place.name = name
    if description is not None:
        place.description = _checked_description(description)
    session.flush()
    return place


def _delete(session: Session, kind: type[Place], org_id: int, place_id: int) -> None:
    place = _get(session, kind, org_id, place_id)
    used = maintenance_counts(session, kind, [place.id])[place.id]
    if used:
        raise WrongState(
            f"The {_label(kind)} has {used} maintenance{'s' if used != 1 else ''}:"
            " delete them (or move them to another one) first"
        )
    session.delete(place)
    session.flush()


# --- maintenances -----------------------------------------------------------------------------


@dataclass(frozen=True)
class MaintenanceFields:
    """A maintenance's values in; on update only those given (not None) change. Instants are
    aware (UTC). `status`, `start` and `end` are for updates: `start`/`end` are when the
    maintenance actually started or ended, used when `status` moves it (default: now)."""

    name: str | None = None
    description: str | None = None
    scope_id: int | None = None
    service_id: int | None = None
    service_status: str | None = None
    external_ref: str | None = None
    external_link: str | None = None
    scheduled_start: datetime | None = None
    scheduled_end: datetime | None = None
    status: str | None = None
    start: datetime | None = None
    end: datetime | None = None


@dataclass
class Maintenance:
    """A Prod Manager maintenance: its window, the window's (only) occurrence and its link."""

    window: MaintenanceWindow
    occurrence: MaintenanceOccurrence
    link: WindowService

    @property
    def id(self) -> int:
        return self.window.id

    @property
    def status(self) -> str:
        return status_of(self.occurrence.status, self.occurrence.outcome)


def status_of(status: str, outcome: str | None) -> str:
    """Prod Manager's status of an occurrence's: completed becomes its outcome."""
    if status == "in_progress":
        return "in-progress"
    if status == "completed":
        return "failed" if outcome == "failed" else "succeed"
    return status


def create_maintenance(
    session: Session, org_id: int, fields: MaintenanceFields, *, actor: str, at: datetime
) -> Maintenance:
    """A new maintenance: scope, service, name, service status and both scheduled dates are
    required (Invalid naming each one missing); the schedule must end after it starts and
    not be over already."""
    missing = [
        name
        for name, value in (
            ("scope", fields.scope_id),
            ("service", fields.service_id),
            ("name", fields.name),
            ("service_status", fields.service_status),
            ("scheduled_start_date", fields.scheduled_start),
            ("scheduled_end_date", fields.scheduled_end),
        )
        if value is None or (isinstance(value, str) and not value.strip())
    ]
    if missing:
        raise Invalid("; ".join(f"{name}: this field is required" for name in missing))
    assert fields.scope_id is not None and fields.service_id is not None
    assert fields.name is not None and fields.service_status is not None
    assert fields.scheduled_start is not None and fields.scheduled_end is not None
    service_status = _checked_service_status(fields.service_status)
    _known(session, Scope, org_id, fields.scope_id)
    _known(session, Service, org_id, fields.service_id)
    spec = WindowSpec(
        title=fields.name,
        schedule=_schedule(fields.scheduled_start, fields.scheduled_end),
        description=_checked_description(fields.description or ""),
        mutes_paging=False,
        auto_start=True,
        auto_end=True,
        external_ref=fields.external_ref,
        external_link=fields.external_link,
    )
    state = windows.create_window(session, org_id, spec, actor=actor, at=at)
    link = WindowService(
        org_id=org_id,
        window_id=state.window.id,
        scope_id=fields.scope_id,
        service_id=fields.service_id,
        service_status=service_status,
    )
    session.add(link)
    session.flush()
    _show_on_page(session, link)
    return Maintenance(state.window, state.current, link)


def get_maintenance(session: Session, org_id: int, maintenance_id: int) -> Maintenance:
    """The maintenance with this id (a window made as a Prod Manager maintenance)."""
    row = session.execute(
        _maintenances(org_id).where(MaintenanceWindow.id == maintenance_id)
    ).one_or_none()
    if row is None:
        raise NotFound(f"No maintenance {maintenance_id}")
    return Maintenance(row[0], row[1], row[2])


def update_maintenance(
    session: Session,
    org_id: int,
    maintenance_id: int,
    fields: MaintenanceFields,
    *,
    actor: str,
    at: datetime,
) -> Maintenance:
    """Change what is given: values, scope and service, the schedule (moved while scheduled;
    only its end, extended or shortened, while in progress), then the status (in-progress
    starts it, succeed and failed end it with that outcome, canceled cancels it)."""
    found = get_maintenance(session, org_id, maintenance_id)
    key = found.window.key
    if fields.status is not None and fields.status not in MAINTENANCE_STATUSES:
        raise Invalid(f"status: expected one of {', '.join(MAINTENANCE_STATUSES)}")
    _relink(session, org_id, found, fields, actor=actor, at=at)
    changes = WindowChanges(
        title=_changed(fields.name, found.window.title),
        description=_changed(
            None if fields.description is None else _checked_description(fields.description),
            found.window.description,
        ),
        external_ref=_changed(fields.external_ref, found.window.external_ref or ""),
        external_link=_changed(fields.external_link, found.window.external_link or ""),
    )
    if any(value is not None for value in vars(changes).values()):
        windows.update_window(session, org_id, key, changes, actor=actor, at=at)
    _reschedule(session, org_id, found, fields, actor=actor, at=at)
    if fields.status is not None:
        _move(session, org_id, get_maintenance(session, org_id, maintenance_id), fields, actor, at)
    return get_maintenance(session, org_id, maintenance_id)


def delete_maintenance(session: Session, org_id: int, maintenance_id: int) -> None:
    """Remove a maintenance that never started (WrongState, 409, once it has: cancel it)."""
    found = get_maintenance(session, org_id, maintenance_id)
    windows.delete_window(session, org_id, found.window.key)


def comment_maintenance(
    session: Session,
    org_id: int,
    maintenance_id: int,
    comment: str,
    *,
    internal: bool,
    actor: str,
    at: datetime,
) -> MaintenanceWindowEvent:
    """A comment on the timeline: public (shown to anonymous readers) or internal."""
    found = get_maintenance(session, org_id, maintenance_id)
    if not comment.strip():
        raise Invalid("comment: this field is required")
    return windows.add_note(
        session, org_id, found.window.key, body=comment, public=not internal, actor=actor, at=at
    )


def maintenance_events(
    session: Session, maintenance: Maintenance, *, public_only: bool
) -> list[MaintenanceWindowEvent]:
    """The maintenance's timeline, oldest first; `public_only` for anonymous readers."""
    query = select(MaintenanceWindowEvent).where(
        MaintenanceWindowEvent.window_id == maintenance.window.id
    )
    if public_only:
        query = query.where(MaintenanceWindowEvent.public)
    return list(
        session.scalars(query.order_by(MaintenanceWindowEvent.at, MaintenanceWindowEvent.id))
    )


@dataclass(frozen=True)
class MaintenanceFilter:
    """Prod Manager's list filters: values within one filter are OR-ed, filters AND-ed. Dates
    compare strictly with the scheduled start and end."""

    statuses: Sequence[str] = ()
    scopes: Sequence[int] = ()
    services: Sequence[int] = ()
    service_statuses: Sequence[str] = ()
    external_refs: Sequence[str] = ()
    start_before: datetime | None = None
    start_after: datetime | None = None
    end_before: datetime | None = None
    end_after: datetime | None = None

    def where(self) -> list[ColumnElement[bool]]:
        occurrence = MaintenanceOccurrence
        found: list[ColumnElement[bool]] = []
        if self.statuses:
            unknown = sorted(set(self.statuses) - set(MAINTENANCE_STATUSES))
            if unknown:
                raise Invalid(f"status: expected one of {', '.join(MAINTENANCE_STATUSES)}")
            found.append(or_(*(_status_is(status) for status in self.statuses)))
        if self.service_statuses:
            for status in self.service_statuses:
                _checked_service_status(status)
            found.append(WindowService.service_status.in_(self.service_statuses))
        if self.scopes:
            found.append(WindowService.scope_id.in_(self.scopes))
        if self.services:
            found.append(WindowService.service_id.in_(self.services))
        if self.external_refs:
            found.append(MaintenanceWindow.external_ref.in_(self.external_refs))
        if self.start_before is not None:
            found.append(occurrence.planned_start < self.start_before)
        if self.start_after is not None:
            found.append(occurrence.planned_start > self.start_after)
        if self.end_before is not None:
            found.append(occurrence.planned_end < self.end_before)
        if self.end_after is not None:
            found.append(occurrence.planned_end > self.end_after)
        return found


def list_maintenances(
    session: Session, org_id: int, wanted: MaintenanceFilter, offset: int, limit: int
) -> tuple[list[Maintenance], int]:
    """A page of the maintenances `wanted` selects, latest scheduled start first, and how many
    it selects in all (two queries)."""
    conditions = wanted.where()
    total = session.scalar(_joined(select(func.count()), org_id).where(*conditions))
    rows = session.execute(
        _maintenances(org_id)
        .where(*conditions)
        .order_by(MaintenanceOccurrence.planned_start.desc(), MaintenanceWindow.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return [Maintenance(w, o, link) for w, o, link in rows], total or 0


def _maintenances(
    org_id: int,
) -> Select[MaintenanceWindow, MaintenanceOccurrence, WindowService]:
    """Windows with their occurrence and link. A Prod Manager maintenance is a one-off window
    and never gets a second occurrence (its schedule changes only while it is scheduled, see
    `_reschedule`), so the join yields one row per maintenance."""
    return _joined(select(MaintenanceWindow, MaintenanceOccurrence, WindowService), org_id)


Columns = TypeVarTuple("Columns")


def _joined(query: Select[*Columns], org_id: int) -> Select[*Columns]:
    """`query` over the organization's maintenances: each window joined to its link and its
    occurrence."""
    return (
        query.select_from(MaintenanceWindow)
        .join(WindowService, WindowService.window_id == MaintenanceWindow.id)
        .join(MaintenanceOccurrence, MaintenanceOccurrence.window_id == MaintenanceWindow.id)
        .where(WindowService.org_id == org_id)
    )


def _status_is(status: str) -> ColumnElement[bool]:
    occurrence = MaintenanceOccurrence
    if status == "in-progress":
        return occurrence.status == "in_progress"
    if status in ("succeed", "failed"):
        outcome = "succeeded" if status == "succeed" else "failed"
        return and_(occurrence.status == "completed", occurrence.outcome == outcome)
    if status in ("scheduled", "canceled"):
        return occurrence.status == status
    return false()


def _checked_service_status(status: str) -> str:
    if status not in SERVICE_STATUSES:
        raise Invalid(f"service_status: expected one of {', '.join(SERVICE_STATUSES)}")
    return status


def _schedule(start: datetime, end: datetime) -> Schedule:
    if end <= start:
        raise Invalid("scheduled_end_date: must be after scheduled_start_date")
    return Schedule.between_instants(start, end)


def _changed(given: str | None, stored: str) -> str | None:
    """`given` when it differs from what is stored, else None (nothing to change)."""
    if given is None or given.strip() == stored.strip():
        return None
    return given


def _relink(
    session: Session,
    org_id: int,
    found: Maintenance,
    fields: MaintenanceFields,
    *,
    actor: str,
    at: datetime,
) -> None:
    """Move the maintenance to the scope, service and service status given, on its timeline;
    the page shows it on its new service's component."""
    link = found.link
    before = _place_of(link)
    if fields.scope_id is not None and fields.scope_id != link.scope_id:
        link.scope_id = _known(session, Scope, org_id, fields.scope_id)
    if fields.service_id is not None and fields.service_id != link.service_id:
        link.service_id = _known(session, Service, org_id, fields.service_id)
    if fields.service_status is not None:
        link.service_status = _checked_service_status(fields.service_status)
    after = _place_of(link)
    changed = {name: (before[name], after[name]) for name in before if before[name] != after[name]}
    if changed:
        session.flush()
        _show_on_page(session, link)
        windows.record_change(session, org_id, found.window.key, changed, actor=actor, at=at)


def _place_of(link: WindowService) -> dict[str, int | str]:
    return {
        "scope": link.scope_id,
        "service": link.service_id,
        "service_status": link.service_status,
    }


def _known(session: Session, kind: type[Place], org_id: int, place_id: int) -> int:
    """The id of a scope (or service) a maintenance names; Invalid (a bad field, not a
    missing resource) when the organization has none with that id."""
    found = session.scalar(select(kind.id).where(kind.org_id == org_id, kind.id == place_id))
    if found is None:
        raise Invalid(f"{_label(kind)}: no {_label(kind)} {place_id}")
    return found


def _component_id(session: Session, org_id: int, key: str) -> int:
    """The row id of the organization's component with this id (Invalid when none has it)."""
    found = session.scalar(
        select(Component.id).where(Component.org_id == org_id, Component.key == key)
    )
    if found is None:
        raise Invalid(f"component: no component {key}")
    return found


def _show_on_page(session: Session, link: WindowService) -> None:
    """Show the maintenance on its service's component, if the service has one, with the status
    its `service_status` gives (`SHOWN_AS`)."""
    component_id = session.scalar(select(Service.component_id).where(Service.id == link.service_id))
    _show_on(session, link, component_id)


def _show_on(session: Session, link: WindowService, component_id: int | None) -> None:
    """Show the maintenance on this component (on none for None)."""
    statuses = {component_id: SHOWN_AS[link.service_status]} if component_id else {}
    replace_window_components(session, link.org_id, link.window_id, statuses)


def _minute(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(second=0, microsecond=0)


def _reschedule(
    session: Session,
    org_id: int,
    found: Maintenance,
    fields: MaintenanceFields,
    *,
    actor: str,
    at: datetime,
) -> None:
    """Apply new scheduled dates; dates equal to the stored ones (to the minute, as they are
    shown) change nothing, so clients sending every field back move nothing."""
    occurrence = found.occurrence
    start = fields.scheduled_start or occurrence.planned_start
    end = fields.scheduled_end or occurrence.planned_end
    start_moved = _minute(start) != _minute(occurrence.planned_start)
    end_moved = _minute(end) != _minute(occurrence.planned_end)
    if not start_moved and not end_moved:
        return
    if occurrence.status == "scheduled":
        changes = WindowChanges(schedule=_schedule(start, end))
        windows.update_window(session, org_id, found.window.key, changes, actor=actor, at=at)
    elif occurrence.status == "in_progress" and not start_moved:
        windows.extend_window(session, org_id, found.window.key, end=end, actor=actor, at=at)
    elif occurrence.status == "in_progress":
        raise WrongState(
            "scheduled_start_date: the maintenance is in progress; only its end can move"
        )
    else:
        raise WrongState(f"The maintenance is {found.status}: its schedule can no longer change")


def _move(
    session: Session,
    org_id: int,
    found: Maintenance,
    fields: MaintenanceFields,
    actor: str,
    at: datetime,
) -> None:
    """Move the maintenance to `fields.status` from where it is."""
    target, current, key = fields.status, found.status, found.window.key
    if target == current:
        return
    start = _past(fields.start, at, "start_date")
    end = _past(fields.end, at, "end_date")
    if target in ("in-progress", "succeed", "failed") and current == "scheduled":
        windows.start_window(session, org_id, key, actor=actor, at=start or at)
        current = "in-progress"
    if target in ("succeed", "failed") and current == "in-progress":
        outcome = "succeeded" if target == "succeed" else "failed"
        windows.end_window(session, org_id, key, actor=actor, at=end or at, outcome=outcome)
    elif target == "canceled" and current == "scheduled":
        windows.cancel_window(session, org_id, key, actor=actor, at=at)
    elif target != current:
        raise WrongState(
            f"status: the maintenance is {found.status} and cannot become {target}"
            + (" (end it as succeed or failed)" if current == "in-progress" else "")
        )


def _past(moment: datetime | None, at: datetime, name: str) -> datetime | None:
    if moment is not None and moment > at:
        raise Invalid(f"{name}: cannot be in the future")
    return moment


def maintenance_weather(session: Session, org_id: int, wanted: MaintenanceFilter) -> dict[str, int]:
    """How many maintenances `wanted` selects, per status (every status named, one query)."""
    statuses = (MaintenanceOccurrence.status, MaintenanceOccurrence.outcome)
    rows = session.execute(
        _joined(select(*statuses, func.count()), org_id).where(*wanted.where()).group_by(*statuses)
    )
    counts = dict.fromkeys(MAINTENANCE_STATUSES, 0)
    for status, outcome, count in rows:
        counts[status_of(status, outcome)] += count
    return counts
