"""Public incidents of a status page: open one with the components it affects, post updates,
resolve, list, delete. The only writer of `status_incidents`, their components and updates.

An incident's status is that of its latest update: posting an update (or changing the
incident's status) appends a `StatusIncidentUpdate`, so the page shows what was said and when.
Its components show the status it gives them until it is RESOLVED (see
`vigil.statuspages.status`); the components' own status is never touched.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from vigil.errors import Invalid, NotFound
from vigil.incidents.models import Incident
from vigil.statuspages.components import (
    check_status,
    check_translations,
    components_by_key,
    translated,
)
from vigil.statuspages.models import (
    INCIDENT_STATUSES,
    Component,
    StatusIncident,
    StatusIncidentComponent,
    StatusIncidentUpdate,
    StatusPage,
)
from vigil.statuspages.pages import new_key
from vigil.statuspages.subscribers import tell_subscribers

DEFAULT_COMPONENT_STATUS = "MAJOROUTAGE"
"""What an incident shows on a component named without a status of its own."""
MAX_NAME_CHARS = 300
MAX_MESSAGE_CHARS = 20_000
INCIDENT_TRANSLATED = ("name",)
UPDATE_TRANSLATED = ("message",)
NEWEST_FIRST = (StatusIncidentUpdate.created_at.desc(), StatusIncidentUpdate.id.desc())
"""The order of an incident's updates: the first is the one whose status the incident has."""


@dataclass(frozen=True)
class IncidentUpdateFields:
    """What one update says; on an edit, None leaves a field as it is."""

    message: str | None = None
    status: str | None = None
    notify: bool | None = None
    translations: Mapping[str, Mapping[str, str]] | None = None


@dataclass
class IncidentView:
    """An incident with its components (and the status it gives each) and its updates, newest
    first."""

    incident: StatusIncident
    components: list[tuple[Component, str]]
    updates: list[StatusIncidentUpdate]
    paging_number: int | None = None
    """The number of the paging incident behind it, when linked."""


def check_incident_status(status: str) -> str:
    if status not in INCIDENT_STATUSES:
        raise Invalid(
            f"Unknown incident status {status!r}; expected one of {', '.join(INCIDENT_STATUSES)}"
        )
    return status


def create_incident(
    session: Session,
    page: StatusPage,
    *,
    name: str,
    components: Mapping[str, str],
    first: IncidentUpdateFields,
    at: datetime,
    started: datetime | None = None,
    translations: Mapping[str, Mapping[str, str]] | None = None,
    incident_id: int | None = None,
) -> StatusIncident:
    """A new incident on `page` affecting `components` (component id → the status it shows
    them), opened with its first update (status INVESTIGATING unless given)."""
    status = check_incident_status(first.status or "INVESTIGATING")
    incident = StatusIncident(
        org_id=page.org_id,
        page_id=page.id,
        key=new_key(),
        name=_checked_name(name),
        status=status,
        started_at=started or at,
        resolved_at=(started or at) if status == "RESOLVED" else None,
        incident_id=incident_id,
        translations=check_translations(translations or {}, INCIDENT_TRANSLATED),
    )
    session.add(incident)
    session.flush()
    _set_components(session, page, incident, components)
    _append_update(session, incident, first, status, at)
    return incident


def update_incident(
    session: Session,
    page: StatusPage,
    key: str,
    *,
    at: datetime,
    name: str | None = None,
    components: Mapping[str, str] | None = None,
    translations: Mapping[str, Mapping[str, str]] | None = None,
    update: IncidentUpdateFields | None = None,
) -> StatusIncident:
    """Change an incident; a status or a message in `update` appends an update with them."""
    incident = get_incident(session, page, key)
    if name is not None:
        incident.name = _checked_name(name)
    if translations is not None:
        incident.translations = check_translations(translations, INCIDENT_TRANSLATED)
    if components is not None:
        _set_components(session, page, incident, components)
    if update is not None and (update.status is not None or update.message):
        _add_update(session, incident, update, at)
    session.flush()
    return incident


def resolve_incident(
    session: Session, page: StatusPage, key: str, *, at: datetime, message: str = ""
) -> StatusIncident:
    """RESOLVED now, with an update saying so (`message`, or "Resolved")."""
    incident = get_incident(session, page, key)
    fields = IncidentUpdateFields(message=message or "Resolved", status="RESOLVED")
    _add_update(session, incident, fields, at)
    return incident


def delete_incident(session: Session, page: StatusPage, key: str) -> None:
    incident = get_incident(session, page, key)
    session.delete(incident)
    session.flush()


def get_incident(session: Session, page: StatusPage, key: str) -> StatusIncident:
    found = session.scalars(
        select(StatusIncident).where(StatusIncident.page_id == page.id, StatusIncident.key == key)
    ).one_or_none()
    if found is None:
        raise NotFound(f"No incident {key} on page {page.key}")
    return found


def incident_page(session: Session, org_id: int, key: str) -> StatusPage | None:
    """The page of the organization's public incident with this id (None: no such incident)."""
    page_id = session.scalar(
        select(StatusIncident.page_id).where(
            StatusIncident.org_id == org_id, StatusIncident.key == key
        )
    )
    return session.get(StatusPage, page_id) if page_id is not None else None


def list_incidents(
    session: Session, page: StatusPage, *, offset: int = 0, limit: int = 50
) -> list[StatusIncident]:
    """The page's incidents, latest started first."""
    return list(
        session.scalars(
            select(StatusIncident)
            .where(StatusIncident.page_id == page.id)
            .order_by(StatusIncident.started_at.desc(), StatusIncident.id.desc())
            .offset(offset)
            .limit(limit)
        )
    )


def views(session: Session, incidents: Sequence[StatusIncident]) -> list[IncidentView]:
    """The incidents with their components and updates, in two queries."""
    ids = [incident.id for incident in incidents]
    components: dict[int, list[tuple[Component, str]]] = {i: [] for i in ids}
    updates: dict[int, list[StatusIncidentUpdate]] = {i: [] for i in ids}
    if ids:
        for incident_id, component, status in session.execute(
            select(
                StatusIncidentComponent.status_incident_id,
                Component,
                StatusIncidentComponent.status,
            )
            .join(Component, Component.id == StatusIncidentComponent.component_id)
            .where(StatusIncidentComponent.status_incident_id.in_(ids))
            .order_by(Component.position, Component.id)
        ):
            components[incident_id].append((component, status))
        for update in session.scalars(
            select(StatusIncidentUpdate)
            .where(StatusIncidentUpdate.status_incident_id.in_(ids))
            .order_by(*NEWEST_FIRST)
        ):
            updates[update.status_incident_id].append(update)
    linked = {i.incident_id for i in incidents if i.incident_id is not None}
    numbers = (
        dict(
            session.execute(
                select(Incident.id, Incident.number).where(Incident.id.in_(linked))
            ).all()
        )
        if linked
        else {}
    )
    return [
        IncidentView(
            i,
            components[i.id],
            updates[i.id],
            numbers.get(i.incident_id) if i.incident_id is not None else None,
        )
        for i in incidents
    ]


def paging_incident_id(session: Session, org_id: int, number: int) -> int:
    """The id of the organization's paging incident `number` (raises Invalid when none), to
    link a public incident to what paged the team."""
    found = session.scalar(
        select(Incident.id).where(Incident.org_id == org_id, Incident.number == number)
    )
    if found is None:
        raise Invalid(f"No incident #{number} to link")
    return found


def view(session: Session, incident: StatusIncident) -> IncidentView:
    return views(session, [incident])[0]


# --- updates --------------------------------------------------------------------------------


def add_update(
    session: Session,
    page: StatusPage,
    key: str,
    fields: IncidentUpdateFields,
    *,
    at: datetime,
) -> StatusIncidentUpdate:
    """Post an update; its status (the incident's, when not given) becomes the incident's."""
    return _add_update(session, get_incident(session, page, key), fields, at)


def list_updates(session: Session, page: StatusPage, key: str) -> list[StatusIncidentUpdate]:
    """The incident's updates, newest first (two queries)."""
    incident = get_incident(session, page, key)
    return list(
        session.scalars(
            select(StatusIncidentUpdate)
            .where(StatusIncidentUpdate.status_incident_id == incident.id)
            .order_by(*NEWEST_FIRST)
        )
    )


def get_update(
    session: Session, page: StatusPage, key: str, update_key: str
) -> StatusIncidentUpdate:
    return _update_of(session, get_incident(session, page, key), update_key)


def edit_update(
    session: Session,
    page: StatusPage,
    key: str,
    update_key: str,
    fields: IncidentUpdateFields,
) -> StatusIncidentUpdate:
    """Correct an update (its text, status, translations); the incident follows its latest
    update's status."""
    incident = get_incident(session, page, key)
    update = _update_of(session, incident, update_key)
    if fields.message is not None:
        update.message = _checked_message(fields.message)
    if fields.status is not None:
        update.status = check_incident_status(fields.status)
    if fields.notify is not None:
        update.notify = fields.notify
    if fields.translations is not None:
        update.translations = check_translations(fields.translations, UPDATE_TRANSLATED)
    session.flush()
    _follow_latest(session, incident)
    return update


def delete_update(session: Session, page: StatusPage, key: str, update_key: str) -> None:
    incident = get_incident(session, page, key)
    session.delete(_update_of(session, incident, update_key))
    session.flush()
    _follow_latest(session, incident)


# --- internals ------------------------------------------------------------------------------


def _add_update(
    session: Session, incident: StatusIncident, fields: IncidentUpdateFields, at: datetime
) -> StatusIncidentUpdate:
    status = check_incident_status(fields.status or incident.status)
    update = _append_update(session, incident, fields, status, at)
    _follow_latest(session, incident)
    return update


def _update_of(session: Session, incident: StatusIncident, update_key: str) -> StatusIncidentUpdate:
    found = session.scalars(
        select(StatusIncidentUpdate).where(
            StatusIncidentUpdate.status_incident_id == incident.id,
            StatusIncidentUpdate.key == update_key,
        )
    ).one_or_none()
    if found is None:
        raise NotFound(f"No update {update_key} of incident {incident.key}")
    return found


def _append_update(
    session: Session,
    incident: StatusIncident,
    fields: IncidentUpdateFields,
    status: str,
    at: datetime,
) -> StatusIncidentUpdate:
    update = StatusIncidentUpdate(
        org_id=incident.org_id,
        status_incident_id=incident.id,
        key=new_key(),
        status=status,
        message=_checked_message(fields.message or ""),
        notify=True if fields.notify is None else fields.notify,
        translations=check_translations(fields.translations or {}, UPDATE_TRANSLATED),
        created_at=at,
    )
    session.add(update)
    session.flush()
    if update.notify:
        _tell_subscribers(session, incident, update)
    return update


def _tell_subscribers(
    session: Session, incident: StatusIncident, update: StatusIncidentUpdate
) -> None:
    """The page's subscribers following the incident's components (or the whole page) hear
    of the update, in the page's language."""
    page = session.get(StatusPage, incident.page_id)
    if page is None:
        return
    affected = session.execute(
        select(Component.key, Component.name)
        .join(StatusIncidentComponent, StatusIncidentComponent.component_id == Component.id)
        .where(StatusIncidentComponent.status_incident_id == incident.id)
        .order_by(Component.position, Component.id)
    ).all()
    name = translated(incident.name, incident.translations, "name", page.language)
    message = translated(update.message, update.translations, "message", page.language)
    status = update.status.title()
    lines = [f"{name}: {status}", ""]
    if message:
        lines += [message, ""]
    lines.append("Affected: " + (", ".join(n for _, n in affected) or "the whole service"))
    tell_subscribers(
        session,
        page,
        subject=f"[{page.name}] {name}: {status}",
        body="\n".join(lines),
        components={key for key, _ in affected},
        data={"event": "incident", "incident": incident.key, "status": update.status},
    )


def _follow_latest(session: Session, incident: StatusIncident) -> None:
    """The incident takes its latest update's status; RESOLVED sets when (the latest update's
    time), and leaving it clears that."""
    latest = session.execute(
        select(StatusIncidentUpdate.status, StatusIncidentUpdate.created_at)
        .where(StatusIncidentUpdate.status_incident_id == incident.id)
        .order_by(*NEWEST_FIRST)
        .limit(1)
    ).first()
    if latest is None:
        return
    status, created_at = latest
    if status == "RESOLVED" and incident.status != "RESOLVED":
        incident.resolved_at = created_at
    elif status != "RESOLVED":
        incident.resolved_at = None
    incident.status = status
    session.flush()


def _set_components(
    session: Session, page: StatusPage, incident: StatusIncident, statuses: Mapping[str, str]
) -> None:
    for status in statuses.values():
        check_status(status)
    found = components_by_key(session, page, list(statuses))
    session.execute(
        delete(StatusIncidentComponent).where(
            StatusIncidentComponent.status_incident_id == incident.id
        )
    )
    session.add_all(
        StatusIncidentComponent(
            org_id=incident.org_id,
            status_incident_id=incident.id,
            component_id=component.id,
            status=statuses[component.key],
        )
        for component in found
    )
    session.flush()


def _checked_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > MAX_NAME_CHARS:
        raise Invalid(f"An incident name is 1 to {MAX_NAME_CHARS} characters")
    return name


def _checked_message(message: str) -> str:
    if len(message) > MAX_MESSAGE_CHARS:
        raise Invalid(f"A message is at most {MAX_MESSAGE_CHARS} characters")
    return message
