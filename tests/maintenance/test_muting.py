"""Muting: which routing keys are silenced at a moment, asked in one query by ingestion."""

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import QueryCounter, new_org
from tests.maintenance.builders import MONDAY, Shop, later, travel
from vigil import clock
from vigil.db import transaction
from vigil.maintenance.muting import muted_routing_keys
from vigil.orgs.service import NewOrganization

__all__ = ["travel"]

KEYS = {"ops", "db", "web"}


@pytest.fixture
def shop(sessions: sessionmaker[Session], org: NewOrganization, travel: Any) -> Shop:
    return Shop(sessions, org)


def muted(
    shop: Shop, names: set[str] = KEYS, at: Any = None, org_id: int | None = None
) -> set[str]:
    with transaction(shop.sessions) as session:
        return muted_routing_keys(session, org_id or shop.org_id, names, at or clock.now())


def test_nothing_is_muted_without_a_mode(shop: Shop) -> None:
    assert muted(shop) == set()


def test_a_mode_mutes_only_its_keys(shop: Shop) -> None:
    shop.start("ops")

    assert muted(shop) == {"ops"}


def test_a_global_mode_mutes_every_key_asked_about(shop: Shop) -> None:
    shop.start()

    assert muted(shop) == KEYS


def test_a_key_is_muted_while_any_overlapping_mode_covers_it(shop: Shop, travel: Any) -> None:
    first = shop.start("ops", "db")
    later(travel, 10)
    second = shop.start("ops")
    later(travel, 10)

    shop.end(first)
    assert muted(shop) == {"ops"}

    shop.end(second)
    assert muted(shop) == set()


def test_a_mode_mutes_from_its_start_until_its_end(shop: Shop, travel: Any) -> None:
    mode = shop.start("ops")
    later(travel, 60)
    shop.end(mode)
    ended = clock.now()

    assert muted(shop, at=MONDAY - timedelta(seconds=1)) == set()
    assert muted(shop, at=MONDAY) == {"ops"}
    assert muted(shop, at=ended - timedelta(seconds=1)) == {"ops"}
    assert muted(shop, at=ended) == set()


def test_modes_of_another_organization_mute_nothing_here(
    shop: Shop, sessions: sessionmaker[Session]
) -> None:
    shop.start()
    other = new_org(sessions, "Other")

    assert muted(shop, org_id=other.org.id) == set()


def test_asking_about_no_keys_costs_no_query(shop: Shop, queries: QueryCounter) -> None:
    with transaction(shop.sessions) as session:
        before = queries.count
        assert muted_routing_keys(session, shop.org_id, set(), clock.now()) == set()
        assert queries.count == before


def test_the_answer_takes_one_query_however_many_modes(shop: Shop, queries: QueryCounter) -> None:
    shop.start()
    for _ in range(5):
        shop.start("ops", "db")
    with transaction(shop.sessions) as session:
        muted_routing_keys(session, shop.org_id, {"ops"}, clock.now())  # warm the connection
        before = queries.count
        assert muted_routing_keys(session, shop.org_id, KEYS, clock.now()) == KEYS
        assert queries.count == before + 1
