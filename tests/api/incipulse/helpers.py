"""Builders and readers for the Incipulse API tests."""

from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.helpers import run_all_due
from vigil import clock
from vigil.db import transaction
from vigil.maintenance.automation import HANDLERS
from vigil.orgs.service import NewOrganization
from vigil.statuspages.components import ComponentFields, create_component
from vigil.statuspages.models import Component
from vigil.statuspages.pages import PageFields, create_page, get_page
from vigil.statuspages.status import component_statuses

INCIDENT = "/api/admin/Incident"
RESOLVE = "/api/admin/Incident/ResolveIncident"
STATUS = "/api/maintenance/status"


@dataclass(frozen=True)
class Page:
    key: str
    web: str
    api: str


def make_page(sessions: sessionmaker[Session], org: NewOrganization, name: str) -> Page:
    """A status page with components Website and API."""
    with transaction(sessions) as session:
        made = create_page(
            session,
            org.org.id,
            PageFields(name=name.title(), subdomain=f"{name}-{org.org.id}"),
            at=clock.now(),
        )
        web, api = (
            create_component(session, made, ComponentFields(name=label), at=clock.now()).key
            for label in ("Website", "API")
        )
        return Page(made.key, web, api)


def maintenance_body(components: list[str], **fields: Any) -> dict[str, Any]:
    """Incipulse's own example, moved to the week after the tests' Monday."""
    return {
        "Title": "Scheduled Database Maintenance",
        "Type": "Maintenance",
        "Description": "We will be performing routine database optimizations.",
        "StartDate": "2026-03-10T02:00:00Z",
        "EndDate": "2026-03-10T04:00:00Z",
        "AffectedComponents": components,
        **fields,
    }


def schedule(client: TestClient, components: list[str], **fields: Any) -> str:
    response = client.post(INCIDENT, json=maintenance_body(components, **fields))
    assert response.status_code == 200, response.text
    made: str = response.json()["Result"]
    return made


def open_incident(client: TestClient, components: list[str], **fields: Any) -> str:
    body = {
        "Title": "Website down",
        "Description": "We are looking into it",
        "Status": "Investigating",
        "Impact": "Major Outage",
        "AffectedComponents": components,
        "IsNotify": True,
        **fields,
    }
    response = client.post(INCIDENT, json=body)
    assert response.status_code == 200, response.text
    made: str = response.json()["Result"]
    return made


def failure(message: str) -> dict[str, Any]:
    return {"Success": False, "Result": None, "Message": message}


def shown_statuses(
    sessions: sessionmaker[Session], org: NewOrganization, page_key: str
) -> dict[str, str]:
    """What the page shows for each component now, by component id."""
    with transaction(sessions) as session:
        page = get_page(session, org.org.id, page_key)
        shown = component_statuses(session, page, clock.now())
        keys = {
            component_id: key
            for component_id, key in session.execute(
                select(Component.id, Component.key).where(Component.page_id == page.id)
            )
        }
        return {keys[component_id]: status for component_id, status in shown.items()}


def run_engine(sessions: sessionmaker[Session]) -> int:
    """Run the maintenance timers due now; returns how many ran."""
    return run_all_due(sessions, HANDLERS)
