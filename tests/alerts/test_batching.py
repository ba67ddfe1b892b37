"""Group commit: alerts arriving together share a transaction, and each is answered on its own."""

import asyncio
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from vigil import clock
from vigil.alerts.batching import IngestQueue
from vigil.alerts.ingest import Ingested, UnknownRestKey, parse_alert
from vigil.db import transaction
from vigil.incidents.models import Incident
from vigil.orgs.service import NewOrganization


def submit_together(queue: IngestQueue, alerts: list[tuple[str, dict[str, Any]]]) -> list[Any]:
    async def all_at_once() -> list[Any]:
        calls = [
            queue.submit(key, parse_alert("ops", body, "{}", clock.now())) for key, body in alerts
        ]
        return await asyncio.gather(*calls, return_exceptions=True)

    return asyncio.run(all_at_once())


def incidents(sessions: sessionmaker[Session], org: NewOrganization) -> list[tuple[str, int]]:
    with transaction(sessions) as session:
        query = select(Incident).where(Incident.org_id == org.org.id).order_by(Incident.number)
        return [(i.entity_id, i.alert_count) for i in session.scalars(query)]


def test_alerts_submitted_together_are_all_stored_and_answered(
    sessions: sessionmaker[Session], org: NewOrganization
) -> None:
    queue = IngestQueue(sessions)
    alerts = [
        (org.rest_key, {"message_type": "CRITICAL", "entity_id": f"e{n % 3}"}) for n in range(9)
    ]
    answers = submit_together(queue, alerts)
    assert all(isinstance(a, Ingested) for a in answers)
    assert [a.entity_id for a in answers] == [f"e{n % 3}" for n in range(9)]
    assert incidents(sessions, org) == [("e0", 3), ("e1", 3), ("e2", 3)]


def test_an_alert_with_an_unknown_key_in_a_batch_does_not_affect_the_others(
    sessions: sessionmaker[Session], org: NewOrganization
) -> None:
    queue = IngestQueue(sessions)
    alerts = [
        (org.rest_key, {"message_type": "CRITICAL", "entity_id": "a"}),
        ("no-such-key", {"message_type": "CRITICAL", "entity_id": "c"}),
        (org.rest_key, {"message_type": "CRITICAL", "entity_id": "d"}),
    ]
    first, unknown, last = submit_together(queue, alerts)
    assert isinstance(unknown, UnknownRestKey)
    assert (first.entity_id, last.entity_id) == ("a", "d")
    assert incidents(sessions, org) == [("a", 1), ("d", 1)]


def test_a_batch_that_hits_a_race_is_retried_alert_by_alert(
    sessions: sessionmaker[Session], org: NewOrganization
) -> None:
    queue = IngestQueue(sessions)
    calls = []

    def racing(batch: Any) -> Any:
        calls.append(len(batch))
        from vigil.incidents.service import IncidentChanged

        raise IncidentChanged("resolved by someone else meanwhile")

    queue._write_together = racing  # type: ignore[method-assign]
    alerts = [(org.rest_key, {"message_type": "CRITICAL", "entity_id": f"e{n}"}) for n in range(4)]
    answers = submit_together(queue, alerts)
    assert calls == [4]
    assert [a.entity_id for a in answers] == ["e0", "e1", "e2", "e3"]
    assert incidents(sessions, org) == [("e0", 1), ("e1", 1), ("e2", 1), ("e3", 1)]
