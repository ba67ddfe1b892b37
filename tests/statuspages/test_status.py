"""What a page shows: each component at its most severe cause, maintenance in progress and to
come, and the component's own status back once a window ends."""

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.maintenance.builders import MONDAY, travel
from tests.maintenance.windows_builders import WindowShop, spec
from vigil import clock
from vigil.db import transaction
from vigil.errors import Invalid
from vigil.maintenance import modes, windows
from vigil.orgs.service import NewOrganization
from vigil.statuspages import components, pages, status
from vigil.statuspages.components import ComponentFields
from vigil.statuspages.models import StatusIncident, StatusIncidentComponent, StatusPage
from vigil.statuspages.pages import PageFields

__all__ = ["travel"]

ONE_PM = datetime(2026, 3, 2, 13, 0)


class Board(WindowShop):
    """A shop with a page: components Website, API and Database."""

    def __init__(self, sessions: sessionmaker[Session], org: NewOrganization) -> None:
        super().__init__(sessions, org)
        with transaction(sessions) as session:
            self.page = pages.create_page(
                session,
                self.org_id,
                PageFields(name="Acme", subdomain=f"acme-{self.org_id}"),
                at=clock.now(),
            )
            self.keys = {
                name: components.create_component(
                    session, self.page, ComponentFields(name=name), at=clock.now()
                ).key
                for name in ("Website", "API", "Database")
            }

    def publish(self, key: str, statuses: dict[str, str]) -> None:
        with transaction(self.sessions) as session:
            window = windows.get_window(session, self.org_id, key).window
            page = session.get(StatusPage, self.page.id)
            assert page is not None
            components.set_window_components(
                session, window, page, {self.keys[name]: s for name, s in statuses.items()}
            )

    def shown(self) -> dict[str, str]:
        with transaction(self.sessions) as session:
            page = session.get(StatusPage, self.page.id)
            assert page is not None
            found = status.component_statuses(session, page, clock.now())
            names = {c.id: c.name for c, _ in components.list_components(session, page)}
        return {names[i]: s for i, s in found.items()}


@pytest.fixture
def board(sessions: sessionmaker[Session], org: NewOrganization, travel: Any) -> Board:
    return Board(sessions, org)


def page_only(start: datetime = ONE_PM) -> windows.WindowSpec:
    return spec(start, keys=(), mutes_paging=False)


def test_everything_operational_means_the_page_is_up(board: Board) -> None:
    assert set(board.shown().values()) == {"OPERATIONAL"}
    assert status.page_status({1: "OPERATIONAL"}) == "UP"


def test_a_window_in_progress_puts_its_components_under_maintenance(
    board: Board, travel: Any
) -> None:
    made = board.make(page_only())
    board.publish(made.window.key, {"API": "UNDERMAINTENANCE", "Database": "PARTIALOUTAGE"})
    travel.move_to(MONDAY + timedelta(hours=1))

    board.run_engine()

    assert board.shown() == {
        "Website": "OPERATIONAL",
        "API": "UNDERMAINTENANCE",
        "Database": "PARTIALOUTAGE",
    }


def test_a_component_shows_its_own_status_again_when_the_window_ends(
    board: Board, travel: Any
) -> None:
    with transaction(board.sessions) as session:
        page = session.get(StatusPage, board.page.id)
        assert page is not None
        components.update_component(
            session, page, board.keys["API"], ComponentFields(status="DEGRADEDPERFORMANCE")
        )
    made = board.make(page_only())
    board.publish(made.window.key, {"API": "UNDERMAINTENANCE"})
    travel.move_to(MONDAY + timedelta(hours=1))
    board.run_engine()
    travel.move_to(MONDAY + timedelta(hours=3))

    board.run_engine()

    assert board.shown()["API"] == "DEGRADEDPERFORMANCE"


def test_the_most_severe_cause_wins(board: Board, travel: Any) -> None:
    made = board.make(page_only())
    board.publish(made.window.key, {"API": "UNDERMAINTENANCE"})
    travel.move_to(MONDAY + timedelta(hours=1))
    board.run_engine()
    with transaction(board.sessions) as session:
        incident = StatusIncident(
            org_id=board.org_id,
            page_id=board.page.id,
            key="ckincident",
            name="API errors",
            status="IDENTIFIED",
            started_at=clock.now(),
            translations={},
        )
        session.add(incident)
        session.flush()
        api = components.components_by_key(session, board.page, [board.keys["API"]])[0]
        session.add(
            StatusIncidentComponent(
                org_id=board.org_id,
                status_incident_id=incident.id,
                component_id=api.id,
                status="MAJOROUTAGE",
            )
        )

    assert board.shown()["API"] == "MAJOROUTAGE"
    assert status.page_status({1: "MAJOROUTAGE", 2: "UNDERMAINTENANCE"}) == "HASISSUES"


def test_maintenance_alone_makes_the_page_under_maintenance() -> None:
    assert status.page_status({1: "OPERATIONAL", 2: "UNDERMAINTENANCE"}) == "UNDERMAINTENANCE"


def test_the_page_lists_maintenance_in_progress_and_to_come(board: Board, travel: Any) -> None:
    now_window = board.make(page_only())
    later_window = board.make(page_only(ONE_PM + timedelta(days=2)))
    far_window = board.make(page_only(ONE_PM + timedelta(days=40)))
    for made in (now_window, later_window, far_window):
        board.publish(made.window.key, {"API": "UNDERMAINTENANCE"})
    travel.move_to(MONDAY + timedelta(hours=1))
    board.run_engine()

    with transaction(board.sessions) as session:
        page = session.get(StatusPage, board.page.id)
        assert page is not None
        in_progress, upcoming = status.page_maintenance(session, page, clock.now())

    assert [m.window.key for m in in_progress] == [now_window.window.key]
    assert [m.window.key for m in upcoming] == [later_window.window.key]
    assert [c.name for c, _ in upcoming[0].components] == ["API"]


def test_a_window_only_for_status_pages_opens_no_maintenance_mode(
    board: Board, travel: Any
) -> None:
    board.make(page_only())
    travel.move_to(MONDAY + timedelta(hours=1))

    board.run_engine()

    with transaction(board.sessions) as session:
        assert modes.state(session, board.org_id).active == []


def test_a_window_only_for_status_pages_names_no_routing_key(board: Board) -> None:
    with pytest.raises(Invalid, match="names no routing key"):
        board.make(spec(ONE_PM, keys=("db",), mutes_paging=False))


def test_an_unknown_component_is_refused_for_a_window(board: Board) -> None:
    made = board.make(page_only())
    with (
        pytest.raises(Invalid, match="Unknown component"),
        transaction(board.sessions) as session,
    ):
        window = windows.get_window(session, board.org_id, made.window.key).window
        page = session.get(StatusPage, board.page.id)
        assert page is not None
        components.set_window_components(session, window, page, {"nope": "UNDERMAINTENANCE"})
