"""Which page a call is about: Incipulse names no page. A new incident or maintenance goes on
the page of its AffectedComponents (or the organization's only page); an IncidentId names a
public incident or a maintenance window published on one of the organization's pages."""

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.errors import Invalid, NotFound
from vigil.maintenance.models import MaintenanceWindow
from vigil.statuspages.models import (
    Component,
    StatusIncident,
    StatusPage,
    WindowComponent,
    WindowPublication,
)
from vigil.statuspages.pages import list_pages


def page_for(session: Session, org_id: int, component_keys: Sequence[str]) -> StatusPage:
    """The page holding all of `component_keys`, or with none given the organization's only
    page; Invalid (400) otherwise, saying why."""
    keys = list(dict.fromkeys(key.strip() for key in component_keys))
    if not keys:
        pages = list_pages(session, org_id)
        if not pages:
            raise Invalid("There is no status page yet: make one first.")
        if len(pages) > 1:
            raise Invalid(
                "There are several status pages: name AffectedComponents to say which page."
            )
        return pages[0]
    found = {
        key: page_id
        for key, page_id in session.execute(
            select(Component.key, Component.page_id).where(
                Component.org_id == org_id, Component.key.in_(keys)
            )
        )
    }
    unknown = [key for key in keys if key not in found]
    if unknown:
        raise Invalid(f"Unknown AffectedComponents: {', '.join(unknown)}.")
    if len(set(found.values())) > 1:
        raise Invalid("AffectedComponents must all be on one status page.")
    page = session.get(StatusPage, next(iter(found.values())))
    assert page is not None  # a component's page (the foreign key says it exists)
    return page


@dataclass(frozen=True)
class Target:
    """What an IncidentId names: a maintenance window or a public incident, and its page."""

    key: str
    page: StatusPage
    is_maintenance: bool


def target(session: Session, org_id: int, key: str) -> Target:
    """The organization's maintenance (a window on one of its pages) or public incident with
    this id; NotFound (404) for anything else."""
    page_id = _window_page(session, org_id, key)
    is_maintenance = page_id is not None
    if page_id is None:
        page_id = session.scalar(
            select(StatusIncident.page_id).where(
                StatusIncident.org_id == org_id, StatusIncident.key == key
            )
        )
    page = session.get(StatusPage, page_id) if page_id is not None else None
    if page is None:
        raise NotFound(f"No incident or maintenance {key}.")
    return Target(key, page, is_maintenance)


def _window_page(session: Session, org_id: int, key: str) -> int | None:
    """The page a window is published on (else the page of its first component)."""
    window = select(MaintenanceWindow.id).where(
        MaintenanceWindow.org_id == org_id, MaintenanceWindow.key == key
    )
    published = session.scalar(
        select(WindowPublication.page_id).where(WindowPublication.window_id.in_(window))
    )
    if published is not None:
        return published
    return session.scalar(
        select(Component.page_id)
        .join(WindowComponent, WindowComponent.component_id == Component.id)
        .where(WindowComponent.window_id.in_(window))
        .order_by(Component.position, Component.id)
        .limit(1)
    )
