"""Ending a mode: incidents it left muted and still triggered are paged again from the first
step (VictorOps), listed in one digest message, or left alone, as the mode says."""

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.maintenance.builders import Shop, later, travel
from vigil import clock
from vigil.db import transaction
from vigil.engine.worker import Worker
from vigil.incidents import flows
from vigil.incidents.models import Recipient
from vigil.orgs.service import NewOrganization
from vigil.paging.escalation import HANDLERS as PAGING

__all__ = ["travel"]


@pytest.fixture
def shop(sessions: sessionmaker[Session], org: NewOrganization, travel: Any) -> Shop:
    return Shop(sessions, org)


def test_a_muted_incident_still_triggered_is_paged_again_when_the_mode_ends(
    shop: Shop, travel: Any
) -> None:
    mode = shop.start("ops")
    opened = shop.open("ops")
    later(travel, 30)

    shop.end(mode)

    assert shop.page_timers() == [opened.id]
    assert shop.timeline(opened.number) == ["triggered", "muted", "repaged"]
    assert not shop.incident(opened.number).muted


def test_an_incident_acknowledged_during_the_mode_is_not_paged_again(shop: Shop) -> None:
    mode = shop.start("ops")
    opened = shop.open("ops")
    with transaction(shop.sessions) as session:
        flows.acknowledge_numbers(session, shop.org_id, "ada", [str(opened.number)], clock.now())

    shop.end(mode)

    assert shop.page_timers() == []


def test_an_incident_already_paging_before_the_mode_is_not_paged_twice(shop: Shop) -> None:
    paging = shop.open("ops", muted=False)
    mode = shop.start("ops")

    shop.end(mode)

    assert shop.timeline(paging.number) == ["triggered"]
    assert shop.page_timers() == [paging.id]


def test_incidents_on_other_keys_are_left_alone(shop: Shop) -> None:
    mode = shop.start("ops")
    elsewhere = shop.open("db")

    shop.end(mode)

    assert shop.page_timers() == []
    assert shop.incident(elsewhere.number).muted


def test_a_key_another_mode_still_covers_stays_muted(shop: Shop, travel: Any) -> None:
    first = shop.start("ops")
    second = shop.start("ops")
    opened = shop.open("ops")

    shop.end(first)
    assert shop.page_timers() == []

    later(travel, 5)
    shop.end(second)
    assert shop.page_timers() == [opened.id]


def test_a_global_mode_ending_pages_again_on_every_key(shop: Shop) -> None:
    mode = shop.start()
    on_ops = shop.open("ops")
    on_db = shop.open("db")

    shop.end(mode)

    assert shop.page_timers() == sorted([on_ops.id, on_db.id])


def test_a_keyed_mode_ending_under_a_global_one_pages_no_one(shop: Shop) -> None:
    shop.start()
    keyed = shop.start("ops")
    shop.open("ops")

    shop.end(keyed)

    assert shop.page_timers() == []


def test_a_digest_mode_sends_one_message_listing_what_fired_and_pages_no_one(
    shop: Shop, travel: Any
) -> None:
    mode = shop.start("ops", end_behavior="digest")
    later(travel, 1)
    first = shop.open("ops", "web")
    second = shop.open("ops", "api")
    with transaction(shop.sessions) as session:
        flows.resolve_numbers(session, shop.org_id, "ada", [str(second.number)], clock.now())
    shop.clear_emails()
    later(travel, 1)

    shop.end(mode)

    assert shop.page_timers() == []
    [email] = shop.emails()
    assert email["address"] == "ada@example.com"
    assert f"#{first.number} [ops] triggered: web down" in email["body"]
    assert f"#{second.number} [ops] resolved: api down" in email["body"]
    assert shop.incident(first.number).muted


def test_a_digest_leaves_out_what_fired_on_other_keys(shop: Shop, travel: Any) -> None:
    mode = shop.start("ops", end_behavior="digest")
    later(travel, 1)
    elsewhere = shop.open("db")
    later(travel, 1)

    shop.end(mode)

    assert f"#{elsewhere.number} " not in shop.emails()[-1]["body"]


def test_a_mode_ending_with_none_leaves_muted_incidents_alone(shop: Shop) -> None:
    mode = shop.start("ops", end_behavior="none")
    opened = shop.open("ops")

    shop.end(mode)

    assert shop.page_timers() == []
    assert shop.timeline(opened.number) == ["triggered", "muted"]


def test_the_engine_pages_the_on_call_for_a_repaged_incident(
    shop: Shop, sessions: sessionmaker[Session]
) -> None:
    mode = shop.start("ops")
    opened = shop.open("ops")
    worker = Worker(sessions, PAGING)  # e-mails are not sent here
    worker.run_due()
    assert paged_users(shop, opened.id) == []

    shop.end(mode)
    worker.run_due()

    assert paged_users(shop, opened.id) == ["ada"]


def paged_users(shop: Shop, incident_id: int) -> list[str]:
    with transaction(shop.sessions) as session:
        return list(
            session.scalars(
                select(Recipient.slug).where(
                    Recipient.incident_id == incident_id, Recipient.kind == "user"
                )
            )
        )


def test_muting_the_default_key_covers_incidents_on_keys_it_stands_in_for(shop: Shop) -> None:
    mode = shop.start("default")
    stray = shop.open("no-such-key")
    named = shop.open("ops")

    shop.end(mode)

    assert shop.page_timers() == [stray.id]
    assert shop.incident(named.number).muted


def test_an_incident_on_a_stray_key_stays_muted_while_the_default_key_is(shop: Shop) -> None:
    first = shop.start("default")
    shop.start("default")
    shop.open("no-such-key")

    shop.end(first)

    assert shop.page_timers() == []
