"""Exceptions to muting: while a window mutes a key, the alerts its exceptions name still page,
one alert at a time and in batches alike."""

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.alerts.test_ingest import Sender, frozen, send
from vigil import clock
from vigil.alerts.bulk import ingest_batch
from vigil.alerts.ingest import parse_alert
from vigil.db import transaction
from vigil.incidents.models import Incident
from vigil.maintenance import modes
from vigil.maintenance.exceptions import Muting, PagingException

__all__ = ["frozen", "send"]

UPS_CRITICAL = PagingException(min_severity="CRITICAL", entity_prefix="ups-")


def mute_except(send: Sender, *rules: PagingException, names: tuple[str, ...] = ("ops",)) -> None:
    with transaction(send.sessions) as session:
        modes.start_mode(
            session,
            send.org_id,
            names=names,
            purpose="fire-system test",
            started_by="ada",
            at=clock.now(),
            exceptions=[rule.to_json() for rule in rules],
        )


def muted_by_entity(send: Sender) -> dict[str, bool]:
    return {i.entity_id: i.muted for i in send.incidents()}


def test_an_alert_matching_an_exception_pages_during_the_window(send: Sender) -> None:
    mute_except(send, UPS_CRITICAL)

    send("CRITICAL", entity_id="ups-1")

    [incident] = send.incidents()
    assert not incident.muted
    assert send.page_timers() != []


def test_a_less_severe_alert_on_the_same_entity_stays_muted(send: Sender) -> None:
    mute_except(send, UPS_CRITICAL)

    send("WARNING", entity_id="ups-1")

    assert muted_by_entity(send) == {"ups-1": True}


def test_an_alert_on_another_entity_stays_muted(send: Sender) -> None:
    mute_except(send, UPS_CRITICAL)

    send("CRITICAL", entity_id="web-1")

    assert muted_by_entity(send) == {"web-1": True}


def test_a_severity_alone_lets_every_entity_at_that_level_page(send: Sender) -> None:
    mute_except(send, PagingException(min_severity="CRITICAL"))

    send("CRITICAL", entity_id="a")
    send("WARNING", entity_id="b")

    assert muted_by_entity(send) == {"a": False, "b": True}


def test_another_mode_without_exceptions_still_mutes_the_key(send: Sender) -> None:
    mute_except(send, UPS_CRITICAL)
    mute_except(send)

    send("CRITICAL", entity_id="ups-1")

    assert muted_by_entity(send) == {"ups-1": True}


def test_exceptions_of_a_global_mode_apply_to_every_key(send: Sender) -> None:
    mute_except(send, UPS_CRITICAL, names=())

    send("CRITICAL", entity_id="ups-1")
    send("CRITICAL", entity_id="web-1")

    assert muted_by_entity(send) == {"ups-1": False, "web-1": True}


def test_a_batch_applies_exceptions_alert_by_alert(
    send: Sender, sessions: sessionmaker[Session]
) -> None:
    mute_except(send, UPS_CRITICAL)
    bodies = [
        {"message_type": "CRITICAL", "entity_id": "ups-1"},
        {"message_type": "WARNING", "entity_id": "ups-2"},
        {"message_type": "CRITICAL", "entity_id": "web-1"},
    ]
    alerts = [parse_alert("ops", body, "{}", clock.now()) for body in bodies]

    with transaction(sessions) as session:
        ingest_batch(session, send.org_id, alerts)
        mine = select(Incident.entity_id, Incident.muted).where(Incident.org_id == send.org_id)
        muted = dict(session.execute(mine).all())

    assert muted == {
        "ups-1": False,
        "ups-2": True,
        "web-1": True,
    }


@pytest.mark.parametrize(
    ("message_type", "entity_id", "pages"),
    [
        ("CRITICAL", "ups-9", True),
        ("CRITICAL", "UPS-9", False),
        ("WARNING", "ups-9", False),
        ("INFO", "web", False),
    ],
)
def test_a_rule_matches_on_severity_and_prefix_together(
    message_type: str, entity_id: str, pages: bool, frozen: Any
) -> None:
    assert Muting(((UPS_CRITICAL,),)).mutes(message_type, entity_id) is not pages
