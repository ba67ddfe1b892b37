"""Maintenance modes: starting, listing and ending them (the service behind the VictorOps API)."""

from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import new_org
from tests.maintenance.builders import MONDAY, Shop, later, names_of, travel
from vigil import clock
from vigil.config import get_settings
from vigil.db import transaction
from vigil.errors import Invalid, NotFound
from vigil.maintenance import modes
from vigil.orgs.service import NewOrganization

__all__ = ["travel"]


@pytest.fixture
def shop(sessions: sessionmaker[Session], org: NewOrganization, travel: Any) -> Shop:
    return Shop(sessions, org)


def active(shop: Shop) -> list[modes.ActiveMode]:
    with transaction(shop.sessions) as session:
        return modes.state(session, shop.org_id).active


def test_a_mode_is_named_like_victorops_and_remembers_who_when_and_why(shop: Shop) -> None:
    mode = shop.start("ops", purpose="Kernel upgrade")

    assert mode.instance_id.startswith("mm-") and len(mode.instance_id) == 35
    assert (mode.started_by, mode.started_at, mode.purpose) == ("ada", MONDAY, "Kernel upgrade")
    assert not mode.is_global


def test_the_state_lists_active_modes_oldest_first_with_their_keys(shop: Shop, travel: Any) -> None:
    shop.start("ops", "db")
    later(travel, 1)
    shop.start("db")

    assert names_of(active(shop)) == [["ops", "db"], ["db"]]


def test_a_mode_without_keys_is_global(shop: Shop) -> None:
    mode = shop.start()

    assert mode.is_global
    assert names_of(active(shop)) == [[]]


def test_repeated_keys_are_muted_once(shop: Shop) -> None:
    shop.start("ops", "ops")

    assert names_of(active(shop)) == [["ops"]]


def test_a_second_global_mode_is_refused(shop: Shop) -> None:
    shop.start()

    with pytest.raises(modes.GlobalModeActive):
        shop.start()


def test_keyed_modes_may_run_beside_a_global_one(shop: Shop) -> None:
    shop.start()
    shop.start("ops")

    assert names_of(active(shop)) == [[], ["ops"]]


def test_a_global_mode_may_start_again_once_the_first_ended(shop: Shop) -> None:
    shop.end(shop.start())

    assert shop.start().is_global


def test_the_limit_of_active_modes_is_kept(shop: Shop, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(get_settings(), "maintenance_mode_limit", 2)
    shop.start("ops")
    shop.start("db")

    with pytest.raises(modes.ModeLimitReached):
        shop.start("ops")


def test_ended_modes_do_not_count_toward_the_limit(
    shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "maintenance_mode_limit", 1)
    shop.end(shop.start("ops"))

    assert shop.start("ops").instance_id


def test_unknown_routing_keys_are_refused_by_name(shop: Shop) -> None:
    with pytest.raises(Invalid, match="Unknown routing key\\(s\\): nope, gone"):
        shop.start("ops", "nope", "gone")


def test_the_default_routing_key_may_be_muted_before_it_exists(shop: Shop) -> None:
    shop.start("default")

    assert names_of(active(shop)) == [["default"]]


def test_an_unknown_end_behavior_is_refused(shop: Shop) -> None:
    with pytest.raises(Invalid, match="end behavior"):
        shop.start("ops", end_behavior="later")


def test_ending_a_mode_records_who_and_when_and_drops_it_from_the_state(
    shop: Shop, travel: Any
) -> None:
    mode = shop.start("ops")
    later(travel, 30)

    ended = shop.end(mode)

    assert (ended.ended_by, ended.ended_at) == ("ada", clock.now())
    assert active(shop) == []


def test_ending_an_unknown_mode_is_not_found(shop: Shop) -> None:
    with transaction(shop.sessions) as session, pytest.raises(NotFound):
        modes.end_mode(session, shop.org_id, "mm-nothing", ended_by="ada", at=clock.now())


def test_ending_a_mode_twice_is_not_found(shop: Shop) -> None:
    mode = shop.start("ops")
    shop.end(mode)

    with pytest.raises(NotFound):
        shop.end(mode)


def test_another_organizations_mode_cannot_be_ended(
    shop: Shop, sessions: sessionmaker[Session]
) -> None:
    mode = shop.start("ops")
    other = new_org(sessions, "Other")
    with transaction(sessions) as session, pytest.raises(NotFound):
        modes.end_mode(session, other.org.id, mode.instance_id, ended_by="x", at=clock.now())
