"""Uptime per day: outages from public incidents count as down, planned maintenance is taken
out of the day rather than counted as downtime, days follow the page's zone."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from vigil.db import transaction
from vigil.maintenance.models import MaintenanceOccurrence
from vigil.maintenance.recurrence import Schedule
from vigil.maintenance.windows import WindowSpec, create_window
from vigil.orgs.service import NewOrganization
from vigil.statuspages import components, pages
from vigil.statuspages.components import ComponentFields
from vigil.statuspages.models import Component, StatusIncident, StatusIncidentComponent, StatusPage
from vigil.statuspages.pages import PageFields
from vigil.statuspages.uptime import page_uptime

DAY = datetime(2026, 3, 10, tzinfo=UTC)
NOON = DAY + timedelta(hours=12)


class Page:
    def __init__(self, sessions: sessionmaker[Session], org_id: int, zone: str = "UTC") -> None:
        self.sessions = sessions
        with transaction(sessions) as session:
            self.page = pages.create_page(
                session, org_id, PageFields(name="P", subdomain=f"up-{org_id}", zone=zone), at=DAY
            )
            self.api = components.create_component(
                session, self.page, ComponentFields(name="API"), at=DAY
            )

    def outage(self, start: datetime, end: datetime | None, status: str = "MAJOROUTAGE") -> None:
        with transaction(self.sessions) as session:
            incident = StatusIncident(
                org_id=self.page.org_id,
                page_id=self.page.id,
                key=f"ck{start.timestamp():.0f}{status}",
                name="Down",
                status="RESOLVED" if end else "INVESTIGATING",
                started_at=start,
                resolved_at=end,
                translations={},
            )
            session.add(incident)
            session.flush()
            session.add(
                StatusIncidentComponent(
                    org_id=self.page.org_id,
                    status_incident_id=incident.id,
                    component_id=self.api.id,
                    status=status,
                )
            )

    def maintenance(self, start: datetime, end: datetime) -> None:
        with transaction(self.sessions) as session:
            made = create_window(
                session,
                self.page.org_id,
                WindowSpec(
                    title="Planned",
                    schedule=Schedule(
                        start=start.replace(tzinfo=None), zone="UTC", duration=end - start
                    ),
                    mutes_paging=False,
                ),
                actor="t",
                at=start - timedelta(days=1),
            )
            page = session.get(StatusPage, self.page.id)
            assert page is not None
            components.set_window_components(
                session, made.window, page, {self.api.key: "UNDERMAINTENANCE"}
            )
            occurrence = session.get(MaintenanceOccurrence, made.current.id)
            assert occurrence is not None
            occurrence.status, occurrence.actual_start, occurrence.actual_end = (
                "completed",
                start,
                end,
            )

    def day(self, at: datetime, days: int = 3) -> list[tuple[date, float | None]]:
        with transaction(self.sessions) as session:
            page = session.get(StatusPage, self.page.id)
            assert page is not None
            found = page_uptime(session, page, at, days)[self.api.id]
        return [(d.day, None if d.uptime is None else round(d.uptime, 4)) for d in found]


@pytest.fixture
def page(sessions: sessionmaker[Session], org: NewOrganization) -> Page:
    return Page(sessions, org.org.id)


def test_a_day_without_incidents_is_fully_up(page: Page) -> None:
    assert page.day(DAY + timedelta(days=1, hours=1), days=1) == [(date(2026, 3, 11), 1.0)]


def test_a_six_hour_major_outage_is_a_quarter_of_the_day_down(page: Page) -> None:
    page.outage(DAY + timedelta(hours=6), DAY + timedelta(hours=12))

    assert page.day(DAY + timedelta(days=1, hours=1))[1] == (date(2026, 3, 10), 0.75)


def test_degraded_performance_is_not_downtime(page: Page) -> None:
    page.outage(DAY + timedelta(hours=6), DAY + timedelta(hours=12), status="DEGRADEDPERFORMANCE")

    assert page.day(DAY + timedelta(days=1, hours=1))[1] == (date(2026, 3, 10), 1.0)


def test_planned_maintenance_is_taken_out_of_the_day_not_counted_down(page: Page) -> None:
    page.maintenance(DAY + timedelta(hours=6), DAY + timedelta(hours=18))
    page.outage(DAY + timedelta(hours=5), DAY + timedelta(hours=7))  # one hour outside it

    assert page.day(DAY + timedelta(days=1, hours=1))[1] == (
        date(2026, 3, 10),
        round(1 - 1 / 12, 4),
    )


def test_a_day_entirely_under_maintenance_has_no_figure(page: Page) -> None:
    page.maintenance(DAY, DAY + timedelta(days=1))

    assert page.day(DAY + timedelta(days=1, hours=1))[1] == (date(2026, 3, 10), None)


def test_today_counts_up_to_now_and_an_open_outage_runs_until_now(page: Page) -> None:
    page.outage(DAY + timedelta(hours=9), None)

    assert page.day(NOON)[-1] == (date(2026, 3, 10), 0.75)


def test_an_outage_across_midnight_is_split_between_the_days(page: Page) -> None:
    page.outage(DAY - timedelta(hours=6), DAY + timedelta(hours=6))

    assert page.day(DAY + timedelta(days=1))[-3:-1] == [
        (date(2026, 3, 9), 0.75),
        (date(2026, 3, 10), 0.75),
    ]


def test_days_are_the_page_zone_calendar_days(
    sessions: sessionmaker[Session], org: NewOrganization
) -> None:
    tokyo = Page(sessions, org.org.id, zone="Asia/Tokyo")
    tokyo.outage(DAY - timedelta(hours=9), DAY - timedelta(hours=3))  # 00:00-06:00 in Tokyo

    assert tokyo.day(DAY + timedelta(days=1))[1] == (date(2026, 3, 10), 0.75)


def test_archived_components_have_no_bars(page: Page) -> None:
    with transaction(page.sessions) as session:
        component = session.get(Component, page.api.id)
        assert component is not None
        component.archived = True
        p = session.get(StatusPage, page.page.id)
        assert p is not None
        assert page_uptime(session, p, NOON) == {}
