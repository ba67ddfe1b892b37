"""A Prod Manager service shown as a status-page component (Vigil's `component` field): its
maintenances show on that component's page, the component taking the status the maintenance's
`service_status` gives while it runs."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.api.prodmanager.helpers import create, reasons, update, valid
from tests.api.prodmanager.test_maintenance import START, get, run_engine
from vigil.db import transaction
from vigil.identifiers import random_alnum
from vigil.orgs.service import NewOrganization
from vigil.statuspages import components, pages
from vigil.statuspages.components import ComponentFields
from vigil.statuspages.pages import PageFields


@dataclass(frozen=True)
class Page:
    subdomain: str
    database: str
    """The id of the page's component "Database"."""
    compute: str
    """The id of the page's component "Compute"."""


@pytest.fixture
def page(sessions: sessionmaker[Session], org: NewOrganization) -> Page:
    subdomain = f"pm-{random_alnum(8).lower()}"
    with transaction(sessions) as session:
        made = pages.create_page(
            session, org.org.id, PageFields(name="Acme", subdomain=subdomain), at=START
        )
        database, compute = (
            components.create_component(session, made, ComponentFields(name=name), at=START).key
            for name in ("Database", "Compute")
        )
    return Page(subdomain, database, compute)


Later = Callable[[timedelta], None]
"""later(after): the clock moved to START + after, and the engine's due timers run."""


@pytest.fixture
def later(sessions: sessionmaker[Session], travel: time_machine.Traveller) -> Later:
    def move(after: timedelta) -> None:
        travel.move_to(START + after)
        run_engine(sessions)

    return move


def service_on(pm: TestClient, component: str, name: str = "Database") -> int:
    response = pm.post("/api/service/create", data={"name": name, "component": component})
    made: int = valid(response)["id"]
    return made


def summary(anonymous: TestClient, page: Page) -> dict[str, Any]:
    response = anonymous.get(f"/status/{page.subdomain}/summary.json")
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


def shown_status(anonymous: TestClient, page: Page, component: str) -> str:
    shown = {c["id"]: str(c["status"]) for c in summary(anonymous, page)["components"]}
    return shown[component]


def upcoming(anonymous: TestClient, page: Page) -> list[str]:
    return [m["name"] for m in summary(anonymous, page)["upcomingMaintenances"]]


def test_a_service_names_the_component_it_shows_on(pm: TestClient, page: Page) -> None:
    service = service_on(pm, page.database)

    assert valid(pm.get(f"/api/service/{service}"))["component"] == page.database


def test_a_service_without_a_component_says_none(pm: TestClient, service: int) -> None:
    assert valid(pm.get(f"/api/service/{service}"))["component"] is None


def test_an_unknown_component_is_a_bad_field(pm: TestClient) -> None:
    response = pm.post("/api/service/create", data={"name": "Database", "component": "nope"})

    assert response.status_code == 400
    assert reasons(response) == {"component": ["no component nope"]}


def test_another_organizations_component_is_unknown(other_org_pm: TestClient, page: Page) -> None:
    response = other_org_pm.post(
        "/api/service/create", data={"name": "Database", "component": page.database}
    )

    assert reasons(response) == {"component": [f"no component {page.database}"]}


def test_a_maintenance_of_the_service_shows_as_upcoming_on_the_page(
    pm: TestClient, anonymous: TestClient, page: Page, scope: int
) -> None:
    create(pm, scope, service_on(pm, page.database), name="DB upgrade")

    assert upcoming(anonymous, page) == ["DB upgrade"]


@pytest.mark.parametrize(
    ("service_status", "shown"),
    [("up", "OPERATIONAL"), ("degraded", "DEGRADEDPERFORMANCE"), ("down", "UNDERMAINTENANCE")],
)
def test_while_it_runs_the_component_shows_what_the_service_status_says(
    pm: TestClient,
    anonymous: TestClient,
    later: Later,
    page: Page,
    scope: int,
    service_status: str,
    shown: str,
) -> None:
    create(pm, scope, service_on(pm, page.database), service_status=service_status)
    later(timedelta(minutes=1))

    assert shown_status(anonymous, page, page.database) == shown


def test_the_component_comes_back_when_the_maintenance_ends(
    pm: TestClient, anonymous: TestClient, later: Later, page: Page, scope: int
) -> None:
    create(pm, scope, service_on(pm, page.database), service_status="down")
    later(timedelta(minutes=1))
    later(timedelta(hours=2, minutes=1))

    assert shown_status(anonymous, page, page.database) == "OPERATIONAL"


def test_moving_the_maintenance_to_another_service_moves_it_on_the_page(
    pm: TestClient, anonymous: TestClient, later: Later, page: Page, scope: int
) -> None:
    made = create(pm, scope, service_on(pm, page.database), service_status="down")
    update(pm, made["id"], service=service_on(pm, page.compute, name="Compute"))
    later(timedelta(minutes=1))

    assert shown_status(anonymous, page, page.database) == "OPERATIONAL"
    assert shown_status(anonymous, page, page.compute) == "UNDERMAINTENANCE"


def test_a_new_service_status_changes_what_the_component_shows(
    pm: TestClient, anonymous: TestClient, later: Later, page: Page, scope: int
) -> None:
    made = create(pm, scope, service_on(pm, page.database), service_status="down")
    later(timedelta(minutes=1))
    update(pm, made["id"], service_status="degraded")

    assert shown_status(anonymous, page, page.database) == "DEGRADEDPERFORMANCE"


def test_moving_the_maintenance_is_on_its_timeline(
    pm: TestClient, page: Page, scope: int, service: int
) -> None:
    made = create(pm, scope, service, service_status="down")
    update(pm, made["id"], service=service_on(pm, page.compute, name="Compute 2"))

    events = get(pm, made["id"])["events"]
    assert isinstance(events, list)
    assert events[-1]["content"] == "Changed: service"


def test_showing_a_service_on_a_component_shows_its_maintenances_to_come(
    pm: TestClient, anonymous: TestClient, page: Page, scope: int, service: int
) -> None:
    create(pm, scope, service, name="DB upgrade")

    valid(pm.post(f"/api/service/{service}/update", data={"component": page.database}))

    assert upcoming(anonymous, page) == ["DB upgrade"]


def test_an_empty_component_takes_the_service_off_the_page(
    pm: TestClient, anonymous: TestClient, page: Page, scope: int
) -> None:
    service = service_on(pm, page.database)
    create(pm, scope, service)

    updated = valid(pm.post(f"/api/service/{service}/update", data={"component": ""}))

    assert updated["component"] is None
    assert upcoming(anonymous, page) == []


def test_a_maintenance_over_keeps_the_component_it_was_shown_on(
    pm: TestClient, sessions: sessionmaker[Session], later: Later, page: Page, scope: int
) -> None:
    service = service_on(pm, page.database)
    made = create(pm, scope, service)
    later(timedelta(hours=3))

    pm.post(f"/api/service/{service}/update", data={"component": page.compute})

    with transaction(sessions) as session:
        shown = components.window_components(session, [made["id"]])[made["id"]]
    assert [component.key for component, _ in shown] == [page.database]


def test_deleting_the_component_leaves_the_service_on_no_page(
    pm: TestClient, sessions: sessionmaker[Session], org: NewOrganization, page: Page
) -> None:
    service = service_on(pm, page.database)
    with transaction(sessions) as session:
        found = pages.get_page(session, org.org.id, page.subdomain)
        components.delete_component(session, found, page.database)

    assert valid(pm.get(f"/api/service/{service}"))["component"] is None
