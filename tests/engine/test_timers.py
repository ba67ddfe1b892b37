from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import delete
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import new_org
from vigil.db import transaction
from vigil.engine import timers
from vigil.engine.models import Timer
from vigil.orgs.service import NewOrganization

T0 = datetime(2030, 1, 7, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen_clock() -> Iterator[None]:
    with time_machine.travel(T0, tick=False):
        yield


@pytest.fixture(autouse=True)
def no_leftover_timers(sessions: sessionmaker[Session]) -> Iterator[None]:
    """Timers left behind would be claimed by any later test that runs a worker."""
    yield
    with transaction(sessions) as session:
        session.execute(delete(Timer))


def due_times(
    sessions: sessionmaker[Session], org_id: int, kind: str | None = None
) -> list[datetime]:
    with transaction(sessions) as session:
        return [timer.due_at for timer in timers.pending(session, org_id, kind)]


def test_schedule_stores_a_pending_timer(
    sessions: sessionmaker[Session], org: NewOrganization
) -> None:
    with transaction(sessions) as session:
        timers.schedule(session, org.org.id, "page", T0 + timedelta(minutes=5), {"incident": 7})
    with transaction(sessions) as session:
        [timer] = timers.pending(session, org.org.id)
    assert (timer.kind, timer.due_at, timer.payload) == (
        "page",
        T0 + timedelta(minutes=5),
        {"incident": 7},
    )
    assert (timer.key, timer.attempts, timer.last_error, timer.created_at) == (None, 0, None, T0)


def test_a_timer_without_payload_has_an_empty_one(
    sessions: sessionmaker[Session], org: NewOrganization
) -> None:
    with transaction(sessions) as session:
        timer = timers.schedule(session, org.org.id, "page", T0)
    assert timer.payload == {}


def test_pending_lists_timers_soonest_first(
    sessions: sessionmaker[Session], org: NewOrganization
) -> None:
    with transaction(sessions) as session:
        for minutes in (30, 10, 20):
            timers.schedule(session, org.org.id, "page", T0 + timedelta(minutes=minutes))
    assert due_times(sessions, org.org.id) == [T0 + timedelta(minutes=m) for m in (10, 20, 30)]


def test_pending_filters_by_kind(sessions: sessionmaker[Session], org: NewOrganization) -> None:
    with transaction(sessions) as session:
        timers.schedule(session, org.org.id, "page", T0 + timedelta(minutes=1))
        timers.schedule(session, org.org.id, "window.end", T0 + timedelta(minutes=2))
    assert due_times(sessions, org.org.id, "window.end") == [T0 + timedelta(minutes=2)]


def test_pending_shows_only_the_organizations_own_timers(
    sessions: sessionmaker[Session], org: NewOrganization
) -> None:
    other = new_org(sessions, "Other Org")
    with transaction(sessions) as session:
        timers.schedule(session, other.org.id, "page", T0)
    assert due_times(sessions, org.org.id) == []


def test_timers_without_a_key_are_independent(
    sessions: sessionmaker[Session], org: NewOrganization
) -> None:
    with transaction(sessions) as session:
        timers.schedule(session, org.org.id, "page", T0)
        timers.schedule(session, org.org.id, "page", T0)
    assert due_times(sessions, org.org.id) == [T0, T0]


def test_scheduling_the_same_key_moves_the_timer(
    sessions: sessionmaker[Session], org: NewOrganization
) -> None:
    with transaction(sessions) as session:
        first = timers.schedule(session, org.org.id, "page", T0, {"step": 1}, key="incident:1")
    with transaction(sessions) as session:
        moved = timers.schedule(
            session, org.org.id, "page", T0 + timedelta(hours=1), {"step": 2}, key="incident:1"
        )
    with transaction(sessions) as session:
        [timer] = timers.pending(session, org.org.id)
    assert moved.id == first.id == timer.id
    assert (timer.due_at, timer.payload) == (T0 + timedelta(hours=1), {"step": 2})


def test_scheduling_the_same_key_twice_in_one_transaction_keeps_one_timer(
    sessions: sessionmaker[Session], org: NewOrganization
) -> None:
    with transaction(sessions) as session:
        timers.schedule(session, org.org.id, "page", T0, key="incident:1")
        timers.schedule(session, org.org.id, "page", T0 + timedelta(minutes=3), key="incident:1")
    assert due_times(sessions, org.org.id) == [T0 + timedelta(minutes=3)]


def test_moving_a_timer_forgets_its_failed_attempts(
    sessions: sessionmaker[Session], org: NewOrganization
) -> None:
    with transaction(sessions) as session:
        timer = timers.schedule(session, org.org.id, "page", T0, key="incident:1")
        timer.attempts, timer.last_error = 3, "RuntimeError: smtp down"
    with transaction(sessions) as session:
        moved = timers.schedule(session, org.org.id, "page", T0, key="incident:1")
    assert (moved.attempts, moved.last_error) == (0, None)


def test_a_key_of_another_organization_is_refused(
    sessions: sessionmaker[Session], org: NewOrganization
) -> None:
    other = new_org(sessions, "Other Org")
    with transaction(sessions) as session:
        timers.schedule(session, other.org.id, "page", T0, key="incident:1")
    with pytest.raises(ValueError, match="another organization"), transaction(sessions) as session:
        timers.schedule(session, org.org.id, "page", T0 + timedelta(hours=1), key="incident:1")
    assert due_times(sessions, other.org.id) == [T0]


def test_a_rolled_back_schedule_leaves_no_timer(
    sessions: sessionmaker[Session], org: NewOrganization
) -> None:
    with pytest.raises(RuntimeError), transaction(sessions) as session:
        timers.schedule(session, org.org.id, "page", T0, key="incident:1")
        raise RuntimeError("the incident could not be stored")
    assert due_times(sessions, org.org.id) == []


def test_cancel_removes_a_pending_timer(
    sessions: sessionmaker[Session], org: NewOrganization
) -> None:
    with transaction(sessions) as session:
        timers.schedule(session, org.org.id, "page", T0, key="incident:1")
        timers.schedule(session, org.org.id, "page", T0, key="incident:2")
    with transaction(sessions) as session:
        assert timers.cancel(session, "incident:1") is True
    with transaction(sessions) as session:
        assert [timer.key for timer in timers.pending(session, org.org.id)] == ["incident:2"]


def test_cancelling_an_unknown_key_returns_false(
    sessions: sessionmaker[Session], org: NewOrganization
) -> None:
    with transaction(sessions) as session:
        assert timers.cancel(session, "incident:404") is False


def test_a_cancelled_key_can_be_scheduled_again(
    sessions: sessionmaker[Session], org: NewOrganization
) -> None:
    with transaction(sessions) as session:
        timers.schedule(session, org.org.id, "page", T0, key="incident:1")
        timers.cancel(session, "incident:1")
        timers.schedule(session, org.org.id, "page", T0 + timedelta(minutes=1), key="incident:1")
    assert due_times(sessions, org.org.id) == [T0 + timedelta(minutes=1)]
