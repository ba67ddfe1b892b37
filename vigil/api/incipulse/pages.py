"""Which page a call is about: Incipulse names no page. A new incident or maintenance goes on
the page of its AffectedComponents (or the organization's only page); an IncidentId names a
public incident or a maintenance window shown on one of the organization's pages."""

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from vigil.errors import NotFound
from vigil.statuspages.incidents import incident_page
from vigil.statuspages.models import StatusPage
from vigil.statuspages.pages import page_of_components
from vigil.statuspages.publications import window_page


def page_for(session: Session, org_id: int, component_keys: Sequence[str]) -> StatusPage:
    """The page holding all of `component_keys`, or with none given the organization's only
    page; Invalid (400) otherwise, saying why."""
    return page_of_components(session, org_id, component_keys, field="AffectedComponents")


@dataclass(frozen=True)
class Target:
    """What an IncidentId names: a maintenance window or a public incident, and its page."""

    key: str
    page: StatusPage
    is_maintenance: bool


def target(session: Session, org_id: int, key: str) -> Target:
    """The organization's maintenance (a window on one of its pages) or public incident with
    this id; NotFound (404) for anything else."""
    page = window_page(session, org_id, key)
    if page is not None:
        return Target(key, page, is_maintenance=True)
    page = incident_page(session, org_id, key)
    if page is None:
        raise NotFound(f"No incident or maintenance {key}.")
    return Target(key, page, is_maintenance=False)
