"""The public status page at /status/{subdomain}: what it shows, in which language and zone, its
history, its JSON summary, and how few queries it takes. Read with no API key."""

import gzip
import itertools
import re
import uuid
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import QueryCounter
from tests.helpers import run_all_due
from vigil import clock
from vigil.db import transaction
from vigil.maintenance import windows
from vigil.maintenance.automation import HANDLERS
from vigil.maintenance.recurrence import Schedule
from vigil.maintenance.windows import WindowSpec
from vigil.orgs.service import NewOrganization
from vigil.statuspages import components, pages
from vigil.statuspages.components import ComponentFields
from vigil.statuspages.models import (
    StatusIncident,
    StatusIncidentComponent,
    StatusIncidentUpdate,
    WindowPublication,
)
from vigil.statuspages.pages import PageFields, new_key
from vigil.web.rendered_pages import RenderedPages, accepts_gzip

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


class Site:
    """Status pages of one organization, made through the domain functions."""

    def __init__(self, sessions: sessionmaker[Session], org: NewOrganization) -> None:
        self.sessions = sessions
        self.org_id = org.org.id

    def page(self, name: str = "Acme", **fields: Any) -> str:
        """A new page; returns its subdomain (unique across the test run)."""
        fields.setdefault("subdomain", f"acme-{uuid.uuid4().hex[:10]}")
        with transaction(self.sessions) as session:
            made = pages.create_page(
                session, self.org_id, PageFields(name=name, **fields), at=clock.now()
            )
            return made.subdomain

    def component(self, subdomain: str, name: str, **fields: Any) -> str:
        with transaction(self.sessions) as session:
            page = pages.get_page(session, self.org_id, subdomain)
            made = components.create_component(
                session, page, ComponentFields(name=name, **fields), at=clock.now()
            )
            return made.key

    def window(
        self,
        subdomain: str,
        start: datetime,
        statuses: Mapping[str, str],
        *,
        hours: float = 2,
        zone: str = "UTC",
        title: str = "Database upgrade",
        description: str = "",
        translations: Mapping[str, Any] | None = None,
    ) -> str:
        """A window for status pages only, from `start` (wall-clock time in `zone`)."""
        schedule = Schedule(start=start, zone=zone, duration=timedelta(hours=hours))
        spec = WindowSpec(
            title=title, schedule=schedule, description=description, mutes_paging=False
        )
        with transaction(self.sessions) as session:
            page = pages.get_page(session, self.org_id, subdomain)
            made = windows.create_window(session, self.org_id, spec, actor="ada", at=clock.now())
            components.set_window_components(session, made.window, page, statuses)
            if translations is not None:
                session.add(
                    WindowPublication(
                        org_id=self.org_id,
                        window_id=made.window.id,
                        page_id=page.id,
                        translations=dict(translations),
                    )
                )
            return made.window.key

    def incident(
        self,
        subdomain: str,
        name: str,
        statuses: Mapping[str, str],
        *,
        status: str = "INVESTIGATING",
        started_at: datetime | None = None,
        resolved_at: datetime | None = None,
        updates: Sequence[tuple[str, str, datetime]] = (),
    ) -> str:
        """A public incident written straight to its tables (its service is not ours)."""
        with transaction(self.sessions) as session:
            page = pages.get_page(session, self.org_id, subdomain)
            incident = StatusIncident(
                org_id=self.org_id,
                page_id=page.id,
                key=new_key(),
                name=name,
                status=status,
                started_at=started_at or clock.now(),
                resolved_at=resolved_at,
                translations={},
            )
            session.add(incident)
            session.flush()
            for component in components.components_by_key(session, page, list(statuses)):
                session.add(
                    StatusIncidentComponent(
                        org_id=self.org_id,
                        status_incident_id=incident.id,
                        component_id=component.id,
                        status=statuses[component.key],
                    )
                )
            for update_status, message, at in updates:
                session.add(
                    StatusIncidentUpdate(
                        org_id=self.org_id,
                        status_incident_id=incident.id,
                        key=new_key(),
                        status=update_status,
                        message=message,
                        notify=False,
                        translations={},
                        created_at=at,
                    )
                )
            return incident.key

    def note(self, window_key: str, body: str) -> None:
        with transaction(self.sessions) as session:
            windows.add_note(
                session,
                self.org_id,
                window_key,
                body=body,
                public=True,
                actor="ada",
                at=clock.now(),
            )

    def run_engine(self) -> int:
        return run_all_due(self.sessions, HANDLERS)

    def run_engine_at(self, travel: Any, *moments: datetime) -> None:
        """Moves the clock to each moment in turn and runs what is due there."""
        for at in moments:
            travel.move_to(at)
            self.run_engine()


@pytest.fixture
def travel() -> Iterator[Any]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def site(sessions: sessionmaker[Session], org: NewOrganization, travel: Any) -> Site:
    return Site(sessions, org)


def text_of(html: str) -> str:
    """The page's visible text, tags dropped and spaces collapsed, for readable assertions."""
    without = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", without)).strip()


def section(html: str, name: str) -> str:
    """The visible text of the page's section with id `name`."""
    found = re.search(rf'<section[^>]*id="{name}"[^>]*>(.*?)</section>', html, flags=re.S)
    assert found, f"no section {name}"
    return text_of(found.group(1))


def show(anonymous: TestClient, subdomain: str, path: str = "") -> str:
    response = anonymous.get(f"/status/{subdomain}{path}")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    html: str = response.text
    return html


# --- the page itself -----------------------------------------------------------------------


def test_an_unknown_subdomain_is_a_404_page(anonymous: TestClient) -> None:
    response = anonymous.get("/status/nobody-here")

    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "Status page not found" in response.text


def test_a_page_with_everything_operational_says_so(site: Site, anonymous: TestClient) -> None:
    subdomain = site.page("Acme Cloud")
    site.component(subdomain, "API")

    html = show(anonymous, subdomain)

    assert "<title>Acme Cloud status</title>" in html
    assert "All systems operational" in text_of(html)
    assert "API Operational" in section(html, "components")


def test_the_page_is_found_by_its_subdomain_in_any_case(site: Site, anonymous: TestClient) -> None:
    subdomain = site.page()

    assert anonymous.get(f"/status/{subdomain.upper()}").status_code == 200


def test_components_show_by_group_in_order(site: Site, anonymous: TestClient) -> None:
    subdomain = site.page()
    site.component(subdomain, "Website")
    site.component(subdomain, "EU database", group="Databases")
    site.component(subdomain, "US database", group="Databases")
    site.component(subdomain, "Login", group="Apps")

    shown = section(show(anonymous, subdomain), "components")

    names = re.findall(r"Website|Databases|EU database|US database|Apps|Login", shown)
    assert names == ["Website", "Databases", "EU database", "US database", "Apps", "Login"]


def test_a_component_with_an_outage_shows_it_in_words(site: Site, anonymous: TestClient) -> None:
    subdomain = site.page()
    site.component(subdomain, "API", status="MAJOROUTAGE")

    html = show(anonymous, subdomain)

    assert "Some systems have issues" in text_of(html)
    assert "API Major outage" in section(html, "components")


def test_a_group_with_a_component_in_trouble_is_open_and_says_so(
    site: Site, anonymous: TestClient
) -> None:
    subdomain = site.page()
    site.component(subdomain, "EU database", group="Databases", status="PARTIALOUTAGE")

    html = show(anonymous, subdomain)

    assert "<details open>" in html
    assert "Databases · Partial outage" in section(html, "components")


def test_names_are_escaped(site: Site, anonymous: TestClient) -> None:
    subdomain = site.page("<b>Acme</b>")
    site.component(subdomain, "<script>alert(1)</script>")

    html = show(anonymous, subdomain)

    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_page_fetches_nothing_from_elsewhere(site: Site, anonymous: TestClient) -> None:
    subdomain = site.page()
    site.component(subdomain, "API")

    html = show(anonymous, subdomain)

    assert re.findall(r'(?:src|href)="(?:https?:)?//', html) == []
    assert re.findall(r'<link rel="(?!alternate")', html) == []  # feeds are not fetched
    assert '<meta name="viewport"' in html


def test_the_logo_shows_when_the_page_has_one(site: Site, anonymous: TestClient) -> None:
    subdomain = site.page(logo_url="https://cdn.example.com/logo.png")

    assert '<img src="https://cdn.example.com/logo.png" alt="">' in show(anonymous, subdomain)


def test_the_page_has_landmarks_and_headings_in_order(site: Site, anonymous: TestClient) -> None:
    subdomain = site.page()
    api = site.component(subdomain, "API")
    site.window(subdomain, datetime(2026, 3, 3, 9, 0), {api: "UNDERMAINTENANCE"})

    html = show(anonymous, subdomain)

    for landmark in ("<header", "<nav", "<main", "<footer"):
        assert landmark in html
    levels = [int(level) for level in re.findall(r"<h([1-6])", html)]
    assert levels[0] == 1
    assert all(b - a <= 1 for a, b in itertools.pairwise(levels))


# --- maintenance ---------------------------------------------------------------------------


def test_a_window_ahead_shows_as_upcoming_with_its_components(
    site: Site, anonymous: TestClient
) -> None:
    subdomain = site.page()
    api = site.component(subdomain, "API")
    site.window(subdomain, datetime(2026, 3, 3, 9, 0), {api: "UNDERMAINTENANCE"})

    html = show(anonymous, subdomain)

    upcoming = section(html, "upcoming")
    assert "Database upgrade Scheduled" in upcoming
    assert "API: Under maintenance" in upcoming
    assert "No maintenance in progress." in section(html, "in-progress")
    assert "All systems operational" in text_of(html)


def test_times_show_in_the_page_zone_and_in_utc(site: Site, anonymous: TestClient) -> None:
    subdomain = site.page(zone="Europe/Paris")
    api = site.component(subdomain, "API")
    site.window(
        subdomain, datetime(2026, 3, 3, 10, 0), {api: "UNDERMAINTENANCE"}, zone="Europe/Paris"
    )

    html = show(anonymous, subdomain)

    assert (
        '<time datetime="2026-03-03T09:00:00Z">3 Mar 2026, 10:00 CET (3 Mar 2026, 09:00 UTC)'
        in html
    )
    assert "Scheduled for 3 Mar 2026, 10:00 CET (3 Mar 2026, 09:00 UTC)" in section(
        html, "upcoming"
    )


def test_the_footer_names_the_page_zone_and_utc(site: Site, anonymous: TestClient) -> None:
    assert "Times are shown in Europe/Paris and UTC." in text_of(
        show(anonymous, site.page(zone="Europe/Paris"))
    )


def test_the_footer_of_a_page_in_utc_names_it_once(site: Site, anonymous: TestClient) -> None:
    assert "Times are shown in UTC." in text_of(show(anonymous, site.page(zone="UTC")))


def test_a_window_in_progress_puts_its_components_under_maintenance(
    site: Site, anonymous: TestClient, travel: Any
) -> None:
    subdomain = site.page()
    api = site.component(subdomain, "API")
    site.component(subdomain, "Website")
    site.window(subdomain, datetime(2026, 3, 2, 13, 0), {api: "UNDERMAINTENANCE"})
    travel.move_to(NOW + timedelta(hours=1))
    site.run_engine()

    html = show(anonymous, subdomain)

    assert "Under maintenance" in text_of(html).split("Maintenance in progress")[0]
    assert "Database upgrade In progress" in section(html, "in-progress")
    assert "API Under maintenance" in section(html, "components")
    assert "Website Operational" in section(html, "components")
    assert "No maintenance planned." in section(html, "upcoming")


def test_a_finished_window_leaves_the_page_for_its_history(
    site: Site, anonymous: TestClient, travel: Any
) -> None:
    subdomain = site.page()
    api = site.component(subdomain, "API")
    site.window(subdomain, datetime(2026, 3, 2, 13, 0), {api: "UNDERMAINTENANCE"})
    site.run_engine_at(travel, NOW + timedelta(hours=1), NOW + timedelta(hours=3))

    html = show(anonymous, subdomain)
    history = text_of(show(anonymous, subdomain, "/history"))

    assert "Database upgrade" not in text_of(html)
    assert "API Operational" in section(html, "components")
    assert "Database upgrade Completed" in history
    assert "Affected: API" in history


def test_public_updates_of_a_window_show_newest_first(
    site: Site, anonymous: TestClient, travel: Any
) -> None:
    subdomain = site.page()
    api = site.component(subdomain, "API")
    window = site.window(subdomain, datetime(2026, 3, 3, 9, 0), {api: "UNDERMAINTENANCE"})
    site.note(window, "First note")
    travel.move_to(NOW + timedelta(minutes=5))
    site.note(window, "Second note")

    upcoming = section(show(anonymous, subdomain), "upcoming")

    assert upcoming.index("Second note") < upcoming.index("First note")


def test_names_and_messages_show_in_the_page_language(site: Site, anonymous: TestClient) -> None:
    subdomain = site.page(language="fr")
    api = site.component(subdomain, "API", translations={"name": {"fr": "Interface"}})
    site.window(
        subdomain,
        datetime(2026, 3, 3, 9, 0),
        {api: "UNDERMAINTENANCE"},
        description="We upgrade.",
        translations={"name": {"fr": "Mise à jour"}, "message": {"fr": "Nous mettons à jour."}},
    )

    upcoming = section(show(anonymous, subdomain), "upcoming")

    assert "Mise à jour" in upcoming
    assert "Nous mettons à jour." in upcoming
    assert "Interface: Under maintenance" in upcoming


def test_past_windows_show_in_the_page_language_in_the_history(
    site: Site, anonymous: TestClient, travel: Any
) -> None:
    subdomain = site.page(language="fr")
    api = site.component(subdomain, "API", translations={"name": {"fr": "Interface"}})
    site.window(
        subdomain,
        datetime(2026, 3, 2, 13, 0),
        {api: "UNDERMAINTENANCE"},
        translations={"name": {"fr": "Mise à jour"}},
    )
    site.window(subdomain, datetime(2026, 3, 2, 13, 0), {api: "UNDERMAINTENANCE"}, title="Plain")
    site.run_engine_at(travel, NOW + timedelta(hours=1), NOW + timedelta(hours=3))

    history = text_of(show(anonymous, subdomain, "/history"))

    assert "Mise à jour Completed" in history
    assert "Plain Completed" in history  # no translations: its own title
    assert "Database upgrade" not in history
    assert "Affected: Interface" in history


def test_windows_of_other_pages_do_not_show(site: Site, anonymous: TestClient) -> None:
    mine = site.page()
    other = site.page()
    elsewhere = site.component(other, "Elsewhere")
    site.window(other, datetime(2026, 3, 3, 9, 0), {elsewhere: "UNDERMAINTENANCE"})

    assert "No maintenance planned." in section(show(anonymous, mine), "upcoming")


# --- incidents -----------------------------------------------------------------------------


def test_an_open_incident_shows_with_its_updates_newest_first(
    site: Site, anonymous: TestClient
) -> None:
    subdomain = site.page()
    api = site.component(subdomain, "API")
    site.incident(
        subdomain,
        "Slow responses",
        {api: "PARTIALOUTAGE"},
        status="IDENTIFIED",
        updates=[
            ("INVESTIGATING", "We are looking into it.", NOW - timedelta(minutes=30)),
            ("IDENTIFIED", "A bad deploy; rolling back.", NOW - timedelta(minutes=10)),
        ],
    )

    html = show(anonymous, subdomain)
    shown = section(html, "incidents")

    assert "Slow responses Identified" in shown
    assert shown.index("rolling back") < shown.index("looking into it")
    assert "API: Partial outage" in shown
    assert "API Partial outage" in section(html, "components")
    assert "Some systems have issues" in text_of(html)


def test_a_resolved_incident_shows_only_in_history(site: Site, anonymous: TestClient) -> None:
    subdomain = site.page()
    api = site.component(subdomain, "API")
    site.incident(
        subdomain,
        "Slow responses",
        {api: "PARTIALOUTAGE"},
        status="RESOLVED",
        started_at=NOW - timedelta(hours=2),
        resolved_at=NOW - timedelta(hours=1),
    )

    html = show(anonymous, subdomain)

    assert "Slow responses" not in html
    assert 'id="incidents"' not in html
    assert "Slow responses Resolved" in text_of(show(anonymous, subdomain, "/history"))


# --- history -------------------------------------------------------------------------------


def test_history_lists_newest_first_twenty_a_page(site: Site, anonymous: TestClient) -> None:
    subdomain = site.page()
    api = site.component(subdomain, "API")
    for n in range(25):
        site.incident(
            subdomain,
            f"Outage {n:02d}",
            {api: "MAJOROUTAGE"},
            status="RESOLVED",
            started_at=NOW - timedelta(days=30 - n),
            resolved_at=NOW - timedelta(days=30 - n, hours=-1),
        )

    first = show(anonymous, subdomain, "/history")
    second = show(anonymous, subdomain, "/history?page=2")

    assert re.findall(r"Outage (\d\d)", first) == [f"{n:02d}" for n in range(24, 4, -1)]
    assert re.findall(r"Outage (\d\d)", second) == ["04", "03", "02", "01", "00"]
    assert 'href="?page=2" rel="next"' in first
    assert 'href="?page=1" rel="prev"' in second
    assert 'rel="next"' not in second


def test_history_mixes_maintenance_and_incidents_by_time(
    site: Site, anonymous: TestClient, travel: Any
) -> None:
    subdomain = site.page()
    api = site.component(subdomain, "API")
    site.window(subdomain, datetime(2026, 3, 2, 13, 0), {api: "UNDERMAINTENANCE"})
    site.run_engine_at(travel, NOW + timedelta(hours=1), NOW + timedelta(hours=3))
    site.incident(
        subdomain,
        "Older outage",
        {api: "MAJOROUTAGE"},
        status="RESOLVED",
        started_at=NOW - timedelta(days=2),
        resolved_at=NOW - timedelta(days=2) + timedelta(hours=1),
    )

    history = text_of(show(anonymous, subdomain, "/history"))

    assert history.index("Database upgrade") < history.index("Older outage")


def test_an_empty_history_says_so(site: Site, anonymous: TestClient) -> None:
    subdomain = site.page()

    assert "Nothing to show." in text_of(show(anonymous, subdomain, "/history"))


def test_a_history_page_that_is_not_a_positive_number_is_a_400(
    site: Site, anonymous: TestClient
) -> None:
    subdomain = site.page()

    response = anonymous.get(f"/status/{subdomain}/history?page=0")

    assert response.status_code == 400
    assert "page" in response.json()["error"]


def test_the_history_of_an_unknown_page_is_a_404(anonymous: TestClient) -> None:
    assert anonymous.get("/status/nobody-here/history").status_code == 404


# --- uptime --------------------------------------------------------------------------------


def uptime_marks(html: str, name: str) -> list[tuple[str, int, int]]:
    """The marks of a component's bar: (class, first column, columns covered)."""
    found = re.search(rf'aria-label="{name}: [^"]*">(.*?)</div>', html, flags=re.S)
    assert found, f"no uptime bars for {name}"
    marks = re.findall(r'<i class="(\w+)" style="grid-column:(\d+)(?:/span (\d+))?', found.group(1))
    return [(level, int(column), int(span or 1)) for level, column, span in marks]


def uptime_days(html: str, name: str) -> list[str]:
    """Each day's level as the bar draws it: up unless a mark covers the day."""
    days = ["up"] * 90
    for level, column, span in uptime_marks(html, name):
        days[column - 1 : column - 1 + span] = [level] * span
    return days


def test_uptime_bars_cover_ninety_days_with_no_data_before_the_component(
    site: Site, anonymous: TestClient, travel: Any
) -> None:
    travel.move_to(NOW - timedelta(hours=1))
    subdomain = site.page()
    site.component(subdomain, "API")
    travel.move_to(NOW)

    html = show(anonymous, subdomain)
    days = uptime_days(html, "API")

    assert len(days) == 90
    assert days[-1] == "up"
    assert set(days[:-1]) == {"nodata"}
    assert 'aria-label="API: 100% uptime over 90 days"' in html


def down_yesterday(site: Site, travel: Any, name: str = "Acme") -> tuple[str, str]:
    """A page made ten days ago whose component API was down for six hours yesterday (75% up
    that day); the clock back at NOW. Returns the page's subdomain and the component's id."""
    travel.move_to(NOW - timedelta(days=10))
    subdomain = site.page(name)
    api = site.component(subdomain, "API")
    site.incident(
        subdomain,
        "Down",
        {api: "MAJOROUTAGE"},
        status="RESOLVED",
        started_at=NOW - timedelta(days=1, hours=6),
        resolved_at=NOW - timedelta(days=1),
    )
    travel.move_to(NOW)
    return subdomain, api


def test_an_outage_lowers_the_uptime_of_its_day(
    site: Site, anonymous: TestClient, travel: Any
) -> None:
    subdomain, _ = down_yesterday(site, travel)

    html = show(anonymous, subdomain)

    assert uptime_days(html, "API")[-2] == "major"
    assert 'title="1 Mar 2026: 75.00% up"' in html


def test_only_the_days_not_fully_up_get_a_mark_on_the_bar(
    site: Site, anonymous: TestClient, travel: Any
) -> None:
    subdomain, _ = down_yesterday(site, travel)

    html = show(anonymous, subdomain)

    assert uptime_marks(html, "API") == [("nodata", 1, 79), ("major", 89, 1)]


def test_the_days_before_a_component_are_one_mark_with_their_dates(
    site: Site, anonymous: TestClient, travel: Any
) -> None:
    travel.move_to(NOW - timedelta(days=10))
    subdomain = site.page()
    site.component(subdomain, "API")
    travel.move_to(NOW)

    html = show(anonymous, subdomain)

    assert 'style="grid-column:1/span 79;--n:79" title="3 Dec 2025 to 19 Feb 2026: no data"' in html


def test_a_day_entirely_under_maintenance_has_a_no_data_mark_of_its_own(
    site: Site, anonymous: TestClient, travel: Any
) -> None:
    travel.move_to(NOW - timedelta(days=10))
    subdomain = site.page()
    api = site.component(subdomain, "API")
    site.window(subdomain, datetime(2026, 2, 27, 0, 0), {api: "UNDERMAINTENANCE"}, hours=24)
    site.run_engine_at(
        travel, datetime(2026, 2, 27, 0, 0, tzinfo=UTC), datetime(2026, 2, 28, 0, 0, tzinfo=UTC)
    )
    travel.move_to(NOW)

    html = show(anonymous, subdomain)

    assert uptime_marks(html, "API") == [("nodata", 1, 79), ("nodata", 87, 1)]
    assert 'title="27 Feb 2026: no data"' in html


def test_maintenance_in_progress_is_not_downtime(
    site: Site, anonymous: TestClient, travel: Any
) -> None:
    subdomain = site.page()
    api = site.component(subdomain, "API")
    site.window(subdomain, datetime(2026, 3, 2, 13, 0), {api: "UNDERMAINTENANCE"})
    travel.move_to(NOW + timedelta(hours=1))
    site.run_engine()
    site.incident(subdomain, "Down during the upgrade", {api: "MAJOROUTAGE"})
    travel.move_to(NOW + timedelta(hours=2))

    html = show(anonymous, subdomain)

    assert uptime_days(html, "API")[-1] == "up"


def test_degraded_performance_is_not_downtime(
    site: Site, anonymous: TestClient, travel: Any
) -> None:
    travel.move_to(NOW - timedelta(hours=2))
    subdomain = site.page()
    api = site.component(subdomain, "API")
    travel.move_to(NOW)
    site.incident(
        subdomain, "Slow", {api: "DEGRADEDPERFORMANCE"}, started_at=NOW - timedelta(hours=1)
    )

    assert uptime_days(show(anonymous, subdomain), "API")[-1] == "up"


def test_a_component_can_hide_its_uptime(site: Site, anonymous: TestClient) -> None:
    subdomain = site.page()
    site.component(subdomain, "API", show_uptime=False)

    assert 'class="bars"' not in show(anonymous, subdomain)


# --- the JSON summary ----------------------------------------------------------------------


def test_the_summary_describes_the_page_for_embedding(
    site: Site, anonymous: TestClient, travel: Any
) -> None:
    subdomain = site.page("Acme Cloud")
    api = site.component(subdomain, "API", group="Core")
    web = site.component(subdomain, "Website")
    site.window(subdomain, datetime(2026, 3, 2, 13, 0), {api: "UNDERMAINTENANCE"}, hours=1)
    site.window(subdomain, datetime(2026, 3, 5, 9, 0), {web: "UNDERMAINTENANCE"}, title="Later")
    travel.move_to(NOW + timedelta(hours=1))
    site.run_engine()
    incident = site.incident(subdomain, "Slow site", {web: "DEGRADEDPERFORMANCE"})

    response = anonymous.get(f"/status/{subdomain}/summary.json")

    assert response.status_code == 200
    body = response.json()
    url = f"http://127.0.0.1:8080/status/{subdomain}"
    assert body["page"]["name"] == "Acme Cloud"
    assert body["page"]["url"] == url
    assert body["page"]["status"] == "HASISSUES"
    assert [(c["id"], c["name"], c["group"], c["status"]) for c in body["components"]] == [
        (web, "Website", None, "DEGRADEDPERFORMANCE"),
        (api, "API", "Core", "UNDERMAINTENANCE"),
    ]
    assert body["activeIncidents"] == [
        {
            "id": incident,
            "name": "Slow site",
            "started": "2026-03-02T13:00:00Z",
            "status": "INVESTIGATING",
            "impact": "DEGRADEDPERFORMANCE",
            "url": url,
        }
    ]
    active = body["activeMaintenances"][0]
    assert (active["name"], active["status"], active["start"], active["duration"]) == (
        "Database upgrade",
        "INPROGRESS",
        "2026-03-02T13:00:00Z",
        60,
    )
    assert [(m["name"], m["status"]) for m in body["upcomingMaintenances"]] == [
        ("Later", "NOTSTARTEDYET")
    ]


def test_the_summary_of_an_unknown_page_is_a_json_404(anonymous: TestClient) -> None:
    response = anonymous.get("/status/nobody-here/summary.json")

    assert response.status_code == 404
    assert "nobody-here" in response.json()["error"]


def test_the_summary_may_be_read_from_other_sites(site: Site, anonymous: TestClient) -> None:
    subdomain = site.page()

    response = anonymous.get(f"/status/{subdomain}/summary.json")

    assert response.headers["access-control-allow-origin"] == "*"


# --- queries -------------------------------------------------------------------------------


def busy_page(site: Site, size: int) -> str:
    """A page with `size` components (half grouped), windows, incidents and past outages."""
    subdomain = site.page()
    keys = [
        site.component(subdomain, f"C{n}", group="Group" if n % 2 else None) for n in range(size)
    ]
    for n in range(size):
        site.window(
            subdomain, datetime(2026, 3, 3 + n, 9, 0), {keys[n]: "UNDERMAINTENANCE"}, title=f"W{n}"
        )
        site.incident(
            subdomain,
            f"I{n}",
            {keys[n]: "MAJOROUTAGE"},
            status="MONITORING",
            updates=[("INVESTIGATING", "Looking", NOW), ("MONITORING", "Fixed", NOW)],
        )
    return subdomain


@pytest.mark.parametrize("size", [1, 5])
def test_the_page_takes_the_same_few_queries_however_much_it_shows(
    site: Site, anonymous: TestClient, queries: QueryCounter, size: int
) -> None:
    subdomain = busy_page(site, size)
    queries.statements.clear()

    show(anonymous, subdomain)

    assert queries.count == 15, queries.statements


@pytest.mark.parametrize("size", [1, 5])
def test_the_history_takes_the_same_few_queries_however_much_it_shows(
    site: Site, anonymous: TestClient, queries: QueryCounter, travel: Any, size: int
) -> None:
    subdomain = busy_page(site, size)
    travel.move_to(NOW + timedelta(days=40))
    site.run_engine()
    site.run_engine()
    queries.statements.clear()

    show(anonymous, subdomain, "/history")

    assert queries.count == 4, queries.statements


def test_uptime_bars_are_reused_for_a_minute(
    site: Site, anonymous: TestClient, queries: QueryCounter, travel: Any
) -> None:
    subdomain = busy_page(site, 2)
    show(anonymous, subdomain)
    travel.move_to(NOW + timedelta(seconds=59))
    queries.statements.clear()

    show(anonymous, subdomain)
    reused = queries.count
    travel.move_to(NOW + timedelta(seconds=60))
    queries.statements.clear()
    show(anonymous, subdomain)

    assert (reused, queries.count) == (12, 15)


def test_the_page_offers_its_feeds_and_an_email_subscription(
    site: Site, anonymous: TestClient
) -> None:
    subdomain = site.page()

    html = show(anonymous, subdomain)

    for feed in ("feed.rss", "feed.atom", "maintenance.ics"):
        assert f'href="/status/{subdomain}/{feed}"' in html
    assert f'<form method="post" action="/status/{subdomain}/subscribe">' in html


@pytest.fixture
def kept(anonymous: TestClient, monkeypatch: pytest.MonkeyPatch) -> RenderedPages:
    """The app's rendered pages, kept for 5 seconds."""
    pages: RenderedPages = anonymous.app.state.rendered_pages  # type: ignore[attr-defined]
    monkeypatch.setattr(pages, "fresh_for", timedelta(seconds=5))
    return pages


def test_a_process_serves_a_rendered_page_again_for_a_few_seconds(
    site: Site, anonymous: TestClient, travel: Any, kept: RenderedPages
) -> None:
    subdomain = site.page()
    show(anonymous, subdomain)
    site.component(subdomain, "API")

    cached = show(anonymous, subdomain)
    travel.shift(timedelta(seconds=5))
    fresh = show(anonymous, subdomain)

    assert "API" not in text_of(cached)
    assert "API" in text_of(fresh)


# --- compression ---------------------------------------------------------------------------


def fetch(anonymous: TestClient, subdomain: str, accept_encoding: str) -> Any:
    response = anonymous.get(f"/status/{subdomain}", headers={"Accept-Encoding": accept_encoding})
    assert response.status_code == 200, response.text
    return response


def test_the_page_is_gzipped_when_rendered_and_when_served_again(
    site: Site, anonymous: TestClient, kept: RenderedPages
) -> None:
    subdomain = site.page()
    site.component(subdomain, "API")
    plain = fetch(anonymous, subdomain, "identity").content

    rendered = fetch(anonymous, subdomain, "gzip, deflate, br")
    kept_copy = fetch(anonymous, subdomain, "gzip, deflate, br")

    for response in (rendered, kept_copy):
        assert response.headers["content-encoding"] == "gzip"
        assert response.headers["vary"] == "accept-encoding"
        assert int(response.headers["content-length"]) < len(plain) / 2
        assert response.content == plain


@pytest.mark.parametrize("accept_encoding", ["", "identity", "gzip;q=0", "br", "*;q=0"])
def test_the_page_is_plain_for_readers_that_do_not_take_gzip(
    site: Site, anonymous: TestClient, kept: RenderedPages, accept_encoding: str
) -> None:
    subdomain = site.page()

    rendered = fetch(anonymous, subdomain, accept_encoding)
    kept_copy = fetch(anonymous, subdomain, accept_encoding)

    for response in (rendered, kept_copy):
        assert "content-encoding" not in response.headers
        assert response.headers["vary"] == "accept-encoding"
        assert int(response.headers["content-length"]) == len(response.content)
        assert "<h1>Acme status</h1>" in response.text


@pytest.mark.parametrize(
    ("accept_encoding", "takes_gzip"),
    [
        ("gzip", True),
        ("GZip;q=0.5, br", True),
        ("br, *", True),
        ("x-gzip", True),
        ("br;q=1, gzip;q=0", False),
        ("*, gzip;q=0", False),
        ("*;q=0", False),
        ("identity", False),
        ("gzip;q=nonsense", False),
        (None, False),
        (b"deflate, gzip", True),
    ],
)
def test_accept_encoding_is_read_with_its_weights(
    accept_encoding: str | bytes | None, takes_gzip: bool
) -> None:
    assert accepts_gzip(accept_encoding) is takes_gzip


def test_a_page_is_compressed_once_per_rendering_however_often_it_is_read(
    site: Site, anonymous: TestClient, kept: RenderedPages, monkeypatch: pytest.MonkeyPatch
) -> None:
    subdomain = site.page()
    compressed: list[int] = []
    compress = gzip.compress

    def counted(data: bytes, compresslevel: int = 9, *, mtime: float | None = None) -> bytes:
        compressed.append(len(data))
        return compress(data, compresslevel, mtime=mtime)

    monkeypatch.setattr(gzip, "compress", counted)

    for _ in range(3):
        fetch(anonymous, subdomain, "gzip")

    assert len(compressed) == 1


def test_the_history_is_gzipped_for_readers_that_take_it(site: Site, anonymous: TestClient) -> None:
    subdomain = site.page()

    gzipped = anonymous.get(f"/status/{subdomain}/history", headers={"Accept-Encoding": "gzip"})
    plain = anonymous.get(f"/status/{subdomain}/history", headers={"Accept-Encoding": "identity"})

    assert gzipped.headers["content-encoding"] == "gzip"
    assert "content-encoding" not in plain.headers
    assert gzipped.headers["vary"] == plain.headers["vary"] == "accept-encoding"
    assert gzipped.text == plain.text
    assert "<h1>History</h1>" in plain.text
