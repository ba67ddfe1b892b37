"""Maintenance windows as a page shows them (`vigil.statuspages.publications`): a page reaches
only the windows shown on it, and updates move the window they are posted to."""

from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.maintenance.builders import travel
from tests.statuspages.test_status import Board, page_only
from vigil import clock
from vigil.db import transaction
from vigil.errors import NotFound
from vigil.orgs.service import NewOrganization
from vigil.statuspages import publications
from vigil.statuspages.models import StatusPage
from vigil.statuspages.publications import UpdateFields

__all__ = ["travel"]


@pytest.fixture
def board(sessions: sessionmaker[Session], org: NewOrganization, travel: Any) -> Board:
    return Board(sessions, org)


def page_of(session: Session, board: Board) -> StatusPage:
    page = session.get(StatusPage, board.page.id)
    assert page is not None
    return page


@pytest.mark.parametrize("status", [None, "INPROGRESS", "COMPLETED"])
def test_an_update_to_a_window_not_on_the_page_is_not_found_and_moves_nothing(
    board: Board, status: str | None
) -> None:
    elsewhere = board.make(page_only()).window.key  # on no page: no component, no publication

    with pytest.raises(NotFound, match="No maintenance"), transaction(board.sessions) as session:
        publications.post_update(
            session,
            page_of(session, board),
            elsewhere,
            UpdateFields(message="Starting now", status=status),
            actor="ada",
            at=clock.now(),
        )

    assert board.get(elsewhere).current.status == "scheduled"
    assert [event.kind for event in board.events(elsewhere)] == ["created"]


def test_an_update_with_a_status_moves_a_window_on_the_page(board: Board) -> None:
    key = board.make(page_only()).window.key
    board.publish(key, {"API": "UNDERMAINTENANCE"})

    with transaction(board.sessions) as session:
        event = publications.post_update(
            session,
            page_of(session, board),
            key,
            UpdateFields(message="Starting now", status="INPROGRESS"),
            actor="ada",
            at=clock.now(),
        )
        assert publications.update_status(event) == "INPROGRESS"

    assert board.get(key).current.status == "in_progress"


def test_an_update_without_a_status_keeps_the_windows(board: Board) -> None:
    key = board.make(page_only()).window.key
    board.publish(key, {"API": "UNDERMAINTENANCE"})

    with transaction(board.sessions) as session:
        page = page_of(session, board)
        publications.post_update(
            session, page, key, UpdateFields(message="On track"), actor="ada", at=clock.now()
        )
        [update] = publications.page_window(session, page, key).updates

    assert (update.body, publications.update_status(update)) == ("On track", "NOTSTARTEDYET")
    assert board.get(key).current.status == "scheduled"


def test_an_update_of_a_window_not_on_the_page_cannot_be_read(board: Board) -> None:
    key = board.make(page_only()).window.key
    board.publish(key, {"API": "UNDERMAINTENANCE"})
    with transaction(board.sessions) as session:
        update = publications.post_update(
            session,
            page_of(session, board),
            key,
            UpdateFields(message="On track"),
            actor="ada",
            at=clock.now(),
        )
        update_id = str(update.id)
    elsewhere = board.make(page_only()).window.key

    with transaction(board.sessions) as session:
        page = page_of(session, board)
        assert publications.get_update(session, page, key, update_id).body == "On track"
        with pytest.raises(NotFound):
            publications.get_update(session, page, elsewhere, update_id)
        with pytest.raises(NotFound):
            publications.get_update(session, page, key, "not-a-number")
