"""Maintenance windows as status pages show them: a window's publication on a page (its
translations and notification flags), its components there, and its public updates.

A window published through a status-page dialect mutes no paging (`mutes_paging=False`); its
start and end are the window's own (`vigil.maintenance.windows`), run on schedule by the
engine or by hand. Statuses in the status-page vocabulary (Instatus'):

- scheduled → NOTSTARTEDYET, in_progress → INPROGRESS, completed → COMPLETED, and canceled →
  COMPLETED too (the vocabulary has no "canceled": a canceled maintenance is over).
- Asking for INPROGRESS starts a scheduled window; COMPLETED ends one in progress, or cancels
  one not started yet; NOTSTARTEDYET only holds for a window that has not started.

Public updates are the window's public timeline events: the notes posted through a dialect
(kind "update", with the status they were posted with, their `notify` flag and translations in
`details`) and what the engine did on schedule (started, ended). An edited update keeps its
former texts in `details["edits"]`; a deleted one becomes an internal event (`public=False`,
`details["deleted"]`), so the audit trail keeps it.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from vigil.clock import rfc3339
from vigil.errors import Invalid, NotFound, WrongState
from vigil.maintenance import windows
from vigil.maintenance.models import (
    MaintenanceOccurrence,
    MaintenanceWindow,
    MaintenanceWindowEvent,
)
from vigil.maintenance.windows import WindowChanges, WindowSpec
from vigil.statuspages.components import (
    check_translations,
    set_window_components,
    window_components,
)
from vigil.statuspages.models import Component, StatusPage, WindowComponent, WindowPublication
from vigil.statuspages.status import windows_on

MAINTENANCE_STATUSES = ("NOTSTARTEDYET", "INPROGRESS", "COMPLETED")
BY_OCCURRENCE_STATUS = {
    "scheduled": "NOTSTARTEDYET",
    "in_progress": "INPROGRESS",
    "completed": "COMPLETED",
    "canceled": "COMPLETED",
}
BY_EVENT_KIND = {"started": "INPROGRESS", "ended": "COMPLETED", "canceled": "COMPLETED"}
TRANSLATED = ("name", "message")
DEFAULT_WINDOW_COMPONENT_STATUS = "UNDERMAINTENANCE"


@dataclass(frozen=True)
class PublicationFields:
    """How a window shows on a page; on a change, None leaves a field as it is. (The early
    notice is the window's own reminder, `WindowSpec.reminders`.)"""

    translations: Mapping[str, Mapping[str, str]] | None = None
    notify_start: bool | None = None
    notify_end: bool | None = None


@dataclass(frozen=True)
class UpdateFields:
    """A public update of a window; on an edit, None leaves a field as it is."""

    message: str | None = None
    status: str | None = None
    notify: bool | None = None
    translations: Mapping[str, Mapping[str, str]] | None = None


@dataclass
class PageWindow:
    """A window on a page with its current occurrence, components there, publication and
    public updates (newest first)."""

    window: MaintenanceWindow
    current: MaintenanceOccurrence
    components: list[tuple[Component, str]]
    publication: WindowPublication | None
    updates: list[MaintenanceWindowEvent]

    @property
    def status(self) -> str:
        return BY_OCCURRENCE_STATUS[self.current.status]


def check_maintenance_status(status: str) -> str:
    if status not in MAINTENANCE_STATUSES:
        raise Invalid(
            f"Unknown maintenance status {status!r}; expected one of"
            f" {', '.join(MAINTENANCE_STATUSES)}"
        )
    return status


def publish_window(
    session: Session,
    page: StatusPage,
    spec: WindowSpec,
    *,
    components: Mapping[str, str],
    publication: PublicationFields,
    first: UpdateFields,
    actor: str,
    at: datetime,
) -> MaintenanceWindow:
    """Make a window shown on `page` (muting no paging) with its components (component id →
    status while in progress), its publication, and `first.message` as its first public
    update; `first.status` INPROGRESS starts it at once, COMPLETED ends (or cancels) it."""
    if spec.mutes_paging or spec.routing_keys or spec.is_global:
        raise Invalid("A window published on a status page mutes no paging")
    status = check_maintenance_status(first.status or "NOTSTARTEDYET")
    state = windows.create_window(session, page.org_id, spec, actor=actor, at=at)
    set_window_components(session, state.window, page, components)
    set_publication(session, state.window, page, publication)
    move_to(session, page.org_id, state.window.key, status, actor=actor, at=at)
    if first.message:
        _post(session, state.window.key, page, replace(first, status=status), actor, at)
    return state.window


def change_window(
    session: Session,
    page: StatusPage,
    key: str,
    changes: WindowChanges,
    *,
    components: Mapping[str, str] | None,
    publication: PublicationFields,
    status: str | None,
    actor: str,
    at: datetime,
) -> None:
    """Change a window shown on `page` (NotFound for any other): its values, its components
    (when given, they replace the old ones), how it shows, then its status (`move_to`)."""
    window = _window_on(session, page, key)
    windows.update_window(session, page.org_id, key, changes, actor=actor, at=at)
    if components is not None:
        set_window_components(session, window, page, components)
    set_publication(session, window, page, publication)
    if status is not None:
        move_to(session, page.org_id, key, status, actor=actor, at=at)


def set_publication(
    session: Session, window: MaintenanceWindow, page: StatusPage, fields: PublicationFields
) -> WindowPublication:
    """Publish the window on `page` (or change how it shows there)."""
    publication = get_publication(session, window)
    if publication is None:
        publication = WindowPublication(
            org_id=window.org_id,
            window_id=window.id,
            page_id=page.id,
            translations={},
            notify_start=True,
            notify_end=True,
        )
        session.add(publication)
    publication.page_id = page.id
    if fields.translations is not None:
        publication.translations = check_translations(fields.translations, TRANSLATED)
    if fields.notify_start is not None:
        publication.notify_start = fields.notify_start
    if fields.notify_end is not None:
        publication.notify_end = fields.notify_end
    session.flush()
    return publication


def get_publication(session: Session, window: MaintenanceWindow) -> WindowPublication | None:
    return session.scalars(
        select(WindowPublication).where(WindowPublication.window_id == window.id)
    ).one_or_none()


def move_to(
    session: Session, org_id: int, key: str, status: str, *, actor: str, at: datetime
) -> None:
    """Bring the window's current occurrence to `status` (see the module's docstring); asking
    for the status it has does nothing."""
    check_maintenance_status(status)
    current = windows.get_window(session, org_id, key).current
    if BY_OCCURRENCE_STATUS[current.status] == status:
        return
    if status == "NOTSTARTEDYET":
        raise WrongState("The maintenance has started: it cannot be scheduled again")
    if status == "INPROGRESS":
        windows.start_window(session, org_id, key, actor=actor, at=at)
    elif current.status == "in_progress":
        windows.end_window(session, org_id, key, actor=actor, at=at)
    else:
        windows.cancel_window(session, org_id, key, actor=actor, at=at, series=True)


# --- windows on a page ------------------------------------------------------------------------


def page_windows(
    session: Session, page: StatusPage, *, offset: int = 0, limit: int = 50
) -> list[PageWindow]:
    """The page's windows, latest made first, with everything shown of them (five queries)."""
    found = list(
        session.scalars(
            select(MaintenanceWindow)
            .where(MaintenanceWindow.org_id == page.org_id, windows_on(page))
            .order_by(MaintenanceWindow.created_at.desc(), MaintenanceWindow.id.desc())
            .offset(offset)
            .limit(limit)
        )
    )
    return _shown(session, page, found)


def page_window(session: Session, page: StatusPage, key: str) -> PageWindow:
    """One window of the page (NotFound when it is not on the page)."""
    return _shown(session, page, [_window_on(session, page, key)])[0]


def window_page(session: Session, org_id: int, key: str) -> StatusPage | None:
    """The page the organization's window with this id is published on, else the page of its
    first component; None when it shows on no page (or there is no such window)."""
    window = select(MaintenanceWindow.id).where(
        MaintenanceWindow.org_id == org_id, MaintenanceWindow.key == key
    )
    published = select(WindowPublication.page_id).where(WindowPublication.window_id.in_(window))
    first_component = (
        select(Component.page_id)
        .join(WindowComponent, WindowComponent.component_id == Component.id)
        .where(WindowComponent.window_id.in_(window))
        .order_by(Component.position, Component.id)
        .limit(1)
    )
    page_id = session.scalar(published) or session.scalar(first_component)
    return session.get(StatusPage, page_id) if page_id is not None else None


def _window_on(session: Session, page: StatusPage, key: str) -> MaintenanceWindow:
    """The window, if it shows on the page (NotFound otherwise), in one query."""
    found = session.scalars(
        select(MaintenanceWindow).where(
            MaintenanceWindow.org_id == page.org_id,
            MaintenanceWindow.key == key,
            windows_on(page),
        )
    ).one_or_none()
    if found is None:
        raise NotFound(f"No maintenance {key} on page {page.key}")
    return found


def _shown(
    session: Session, page: StatusPage, found: Sequence[MaintenanceWindow]
) -> list[PageWindow]:
    ids = [window.id for window in found]
    if not ids:
        return []
    current: dict[int, MaintenanceOccurrence] = {}
    for occurrence in session.scalars(
        select(MaintenanceOccurrence)
        .where(MaintenanceOccurrence.window_id.in_(ids))
        .order_by(MaintenanceOccurrence.index)
    ):
        current[occurrence.window_id] = occurrence
    publications = {
        p.window_id: p
        for p in session.scalars(
            select(WindowPublication).where(WindowPublication.window_id.in_(ids))
        )
    }
    components = window_components(session, ids, page=page)
    updates: dict[int, list[MaintenanceWindowEvent]] = {i: [] for i in ids}
    for event in session.scalars(
        _visible_updates()
        .where(MaintenanceWindowEvent.window_id.in_(ids))
        .order_by(MaintenanceWindowEvent.at.desc(), MaintenanceWindowEvent.id.desc())
    ):
        updates[event.window_id].append(event)
    return [
        PageWindow(w, current[w.id], components[w.id], publications.get(w.id), updates[w.id])
        for w in found
    ]


# --- public updates ---------------------------------------------------------------------------


def update_status(event: MaintenanceWindowEvent) -> str:
    """The maintenance status an update was posted with (or that the change it records
    brought)."""
    stored = event.details.get("status") if isinstance(event.details, dict) else None
    if isinstance(stored, str):
        return stored
    return BY_EVENT_KIND.get(event.kind, "NOTSTARTEDYET")


def post_update(
    session: Session,
    page: StatusPage,
    key: str,
    fields: UpdateFields,
    *,
    actor: str,
    at: datetime,
) -> MaintenanceWindowEvent:
    """A public update of a window on the page (NotFound for any other window); its status
    (when given) moves the window first."""
    window = _window_on(session, page, key)
    current = BY_OCCURRENCE_STATUS[windows.current_of(session, window.id).status]
    status = check_maintenance_status(fields.status or current)
    move_to(session, page.org_id, key, status, actor=actor, at=at)
    return _post(session, key, page, replace(fields, status=status), actor, at)


def _post(
    session: Session, key: str, page: StatusPage, fields: UpdateFields, actor: str, at: datetime
) -> MaintenanceWindowEvent:
    """Post the update of a window on the page, already at `fields.status`."""
    translations = check_translations(fields.translations or {}, ("message",))
    event = windows.add_note(
        session, page.org_id, key, body=fields.message or "", public=True, actor=actor, at=at
    )
    event.details = {
        "status": fields.status,
        "notify": True if fields.notify is None else fields.notify,
        "translations": translations,
    }
    session.flush()
    return event


def get_update(
    session: Session, page: StatusPage, key: str, update_id: str
) -> MaintenanceWindowEvent:
    window = _window_on(session, page, key)
    event = (
        session.scalars(
            _visible_updates().where(
                MaintenanceWindowEvent.window_id == window.id,
                MaintenanceWindowEvent.id == int(update_id),
            )
        ).one_or_none()
        if update_id.isdigit() and len(update_id) < 18
        else None
    )
    if event is None:
        raise NotFound(f"No update {update_id} of maintenance {key}")
    return event


def edit_update(
    session: Session,
    page: StatusPage,
    key: str,
    update_id: str,
    fields: UpdateFields,
    *,
    at: datetime,
) -> MaintenanceWindowEvent:
    """Correct an update's text, status label, notify flag or translations (the former text is
    kept in its details); the window's own state does not move."""
    event = get_update(session, page, key, update_id)
    details = dict(event.details or {})
    if fields.message is not None:
        if not fields.message.strip():
            raise Invalid("An update needs a message")
        if len(fields.message) > windows.MAX_NOTE_CHARS:
            raise Invalid(f"A message is at most {windows.MAX_NOTE_CHARS} characters")
        details["edits"] = [*details.get("edits", []), {"at": rfc3339(at), "body": event.body}]
        event.body = fields.message
    if fields.status is not None:
        details["status"] = check_maintenance_status(fields.status)
    if fields.notify is not None:
        details["notify"] = fields.notify
    if fields.translations is not None:
        details["translations"] = check_translations(fields.translations, ("message",))
    event.details = details
    session.flush()
    return event


def delete_update(
    session: Session, page: StatusPage, key: str, update_id: str, *, actor: str, at: datetime
) -> None:
    """Take an update off the page: it stays on the timeline as an internal event."""
    event = get_update(session, page, key, update_id)
    event.public = False
    event.details = {**(event.details or {}), "deleted": {"at": rfc3339(at), "by": actor}}
    session.flush()


def _visible_updates() -> Select[MaintenanceWindowEvent]:
    """Public events shown as updates: notes posted to the window and what the engine did."""
    return select(MaintenanceWindowEvent).where(
        MaintenanceWindowEvent.public.is_(True),
        or_(
            MaintenanceWindowEvent.kind == "update",
            MaintenanceWindowEvent.actor == windows.AUTOMATIC,
        ),
    )
