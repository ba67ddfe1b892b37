"""A page's public feeds: RSS and Atom of incidents and maintenance, iCalendar of maintenance to
come, each for the whole page or one component."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from xml.etree import ElementTree

import pytest
import time_machine
from fastapi.testclient import TestClient
from icalendar import Calendar
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import QueryCounter
from vigil.db import transaction
from vigil.maintenance.recurrence import Schedule
from vigil.maintenance.windows import WindowSpec, create_window
from vigil.orgs.service import NewOrganization
from vigil.statuspages import components, pages
from vigil.statuspages.components import ComponentFields
from vigil.statuspages.models import StatusIncident, StatusIncidentComponent, StatusIncidentUpdate
from vigil.statuspages.pages import PageFields

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def frozen() -> Any:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def page(sessions: sessionmaker[Session], org: NewOrganization, frozen: Any) -> "Page":
    """A page with components API and Website, a window on API tomorrow, an incident on
    Website an hour ago."""
    name = f"feeds-{org.org.id}"
    with transaction(sessions) as session:
        page = pages.create_page(
            session, org.org.id, PageFields(name="Acme", subdomain=name, language="fr"), at=NOW
        )
        api = components.create_component(session, page, ComponentFields(name="API"), at=NOW)
        web = components.create_component(session, page, ComponentFields(name="Website"), at=NOW)
        made = create_window(
            session,
            org.org.id,
            WindowSpec(
                title="Database upgrade",
                description="Short interruptions",
                schedule=Schedule(
                    start=datetime(2026, 3, 3, 2, 0), zone="UTC", duration=timedelta(hours=1)
                ),
                mutes_paging=False,
            ),
            actor="ada",
            at=NOW,
        )
        components.set_window_components(session, made.window, page, {api.key: "UNDERMAINTENANCE"})
        incident = StatusIncident(
            org_id=org.org.id,
            page_id=page.id,
            key=f"ckinc{org.org.id}",
            name="Website slow",
            status="IDENTIFIED",
            started_at=NOW - timedelta(hours=1),
            translations={"name": {"fr": "Site web lent"}},
        )
        session.add(incident)
        session.flush()
        session.add_all(
            [
                StatusIncidentComponent(
                    org_id=org.org.id,
                    status_incident_id=incident.id,
                    component_id=web.id,
                    status="DEGRADEDPERFORMANCE",
                ),
                StatusIncidentUpdate(
                    org_id=org.org.id,
                    status_incident_id=incident.id,
                    key=f"ckupd{org.org.id}",
                    status="IDENTIFIED",
                    message="A cache node is down",
                    translations={},
                    created_at=NOW - timedelta(minutes=30),
                ),
            ]
        )
    return Page(name, {"api": api.key, "web": web.key})


@dataclass(frozen=True)
class Page:
    subdomain: str
    components: dict[str, str]


def path(page: Page, feed: str, component: str | None = None) -> str:
    suffix = f"?component={page.components[component]}" if component else ""
    return f"/status/{page.subdomain}/{feed}{suffix}"


def rss_titles(anonymous: TestClient, url: str) -> list[str]:
    answer = anonymous.get(url)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/rss+xml")
    return [
        item.findtext("title") or "" for item in ElementTree.fromstring(answer.content).iter("item")
    ]


def test_the_rss_feed_lists_incidents_and_maintenance_newest_change_first(
    anonymous: TestClient, page: Page
) -> None:
    assert rss_titles(anonymous, path(page, "feed.rss")) == [
        "Maintenance: Database upgrade",
        "Site web lent",
    ]


def test_an_incident_item_carries_its_updates(anonymous: TestClient, page: Page) -> None:
    answer = anonymous.get(path(page, "feed.rss"))
    [incident] = [
        item
        for item in ElementTree.fromstring(answer.content).iter("item")
        if item.findtext("title") == "Site web lent"
    ]
    assert "Identified" in (incident.findtext("description") or "")
    assert "A cache node is down" in (incident.findtext("description") or "")


def test_a_component_feed_has_only_what_concerns_it(anonymous: TestClient, page: Page) -> None:
    assert rss_titles(anonymous, path(page, "feed.rss", "api")) == ["Maintenance: Database upgrade"]
    assert rss_titles(anonymous, path(page, "feed.rss", "web")) == ["Site web lent"]


def test_the_atom_feed_has_the_same_entries(anonymous: TestClient, page: Page) -> None:
    answer = anonymous.get(path(page, "feed.atom"))

    assert answer.headers["content-type"].startswith("application/atom+xml")
    titles = [
        e.findtext(f"{ATOM}title")
        for e in ElementTree.fromstring(answer.content).iter(f"{ATOM}entry")
    ]
    assert titles == ["Maintenance: Database upgrade", "Site web lent"]


def test_the_calendar_has_the_maintenance_to_come(anonymous: TestClient, page: Page) -> None:
    answer = anonymous.get(path(page, "maintenance.ics"))

    assert answer.headers["content-type"].startswith("text/calendar")
    [event] = Calendar.from_ical(answer.content).walk("VEVENT")
    assert str(event["summary"]) == "Database upgrade"
    assert event.decoded("dtstart") == datetime(2026, 3, 3, 2, 0, tzinfo=UTC)


def test_a_component_calendar_leaves_out_other_components(
    anonymous: TestClient, page: Page
) -> None:
    answer = anonymous.get(path(page, "maintenance.ics", "web"))

    assert Calendar.from_ical(answer.content).walk("VEVENT") == []


@pytest.mark.parametrize("feed", ["feed.rss", "feed.atom", "maintenance.ics"])
def test_an_unknown_page_or_component_is_404(anonymous: TestClient, page: Page, feed: str) -> None:
    no_page = anonymous.get(f"/status/no-such-page/{feed}")
    no_component = anonymous.get(f"/status/{page.subdomain}/{feed}?component=nope")

    assert (no_page.status_code, no_component.status_code) == (404, 404)
    assert "no-such-page" in no_page.json()["error"]
    assert "nope" in no_component.json()["error"]


@pytest.mark.parametrize(
    ("feed", "count"),
    [
        ("feed.rss", 5),  # page, incidents, their components, their updates, maintenance
        ("feed.atom", 5),
        ("maintenance.ics", 2),  # page, maintenance
    ],
)
def test_a_feed_costs_a_fixed_number_of_queries(
    anonymous: TestClient, page: Page, queries: QueryCounter, feed: str, count: int
) -> None:
    anonymous.get(path(page, feed))
    queries.statements.clear()

    answer = anonymous.get(path(page, feed))

    assert answer.status_code == 200
    assert queries.count == count, queries.statements
