"""Alerts racing through two `vigil serve` processes on one PostgreSQL database.

Incident numbers stay exactly 1..N (no gap, no duplicate) however the alerts interleave, and
alerts for one new entity arriving together open one incident that counts every one of them.
"""

import asyncio
import random
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import new_org
from tests.e2e.alerting import alert_url, alerts_of, incidents_of
from tests.e2e.servers import vigil_server
from vigil.orgs.service import NewOrganization

pytestmark = pytest.mark.postgres_only

NEW_ENTITIES = 300
SAME_ENTITY = 200
OPEN_ENTITIES = 20
REPEATS = 400
TIMEOUT = 60.0


@pytest.fixture(scope="module")
def two_servers(database_url: str, settings: object) -> Iterator[tuple[str, str]]:
    with vigil_server(database_url) as first, vigil_server(database_url) as second:
        yield first, second


@pytest.fixture
def tenant(sessions: sessionmaker[Session]) -> NewOrganization:
    """An organization of its own: its incident numbers start at 1."""
    return new_org(sessions, f"Race {uuid.uuid4().hex[:8]}")


def critical(entity_id: str) -> dict[str, Any]:
    return {"message_type": "CRITICAL", "entity_id": entity_id, "state_message": "down"}


async def _post_all(
    urls: list[str], bodies: list[dict[str, Any]], connections: int | None
) -> list[httpx.Response]:
    limits = httpx.Limits(max_connections=connections or len(bodies))
    async with httpx.AsyncClient(timeout=30, limits=limits) as client:
        requests = (client.post(url, json=body) for url, body in zip(urls, bodies, strict=True))
        return await asyncio.gather(*requests)


def post_all(
    urls: list[str], bodies: list[dict[str, Any]], connections: int | None = None
) -> list[httpx.Response]:
    """Alert i to urls[i], all at once: each on a connection of its own unless `connections`
    keep-alive connections are shared (the others wait for one, so the servers stay busy)."""
    return asyncio.run(asyncio.wait_for(_post_all(urls, bodies, connections), TIMEOUT))


def test_new_entities_racing_through_two_servers_are_numbered_1_to_n_without_gaps(
    two_servers: tuple[str, str], tenant: NewOrganization, sessions: sessionmaker[Session]
) -> None:
    entities = [f"new-{i}" for i in range(NEW_ENTITIES)]
    urls = [alert_url(two_servers[i % 2], tenant) for i in range(NEW_ENTITIES)]
    responses = post_all(urls, [critical(entity_id) for entity_id in entities])
    assert [r.status_code for r in responses] == [200] * NEW_ENTITIES, {
        r.status_code: r.text for r in responses if r.status_code != 200
    }
    incidents = incidents_of(sessions, tenant)
    assert [i.number for i in incidents] == list(range(1, NEW_ENTITIES + 1))
    assert sorted(i.entity_id for i in incidents) == sorted(entities)
    assert all(i.alert_count == 1 for i in incidents)


def test_alerts_for_one_new_entity_racing_through_two_servers_open_one_incident_counting_all(
    two_servers: tuple[str, str], tenant: NewOrganization, sessions: sessionmaker[Session]
) -> None:
    urls = [alert_url(two_servers[i % 2], tenant) for i in range(SAME_ENTITY)]
    responses = post_all(urls, [critical("db-primary")] * SAME_ENTITY)
    assert [r.status_code for r in responses] == [200] * SAME_ENTITY, {
        r.status_code: r.text for r in responses if r.status_code != 200
    }
    [incident] = incidents_of(sessions, tenant)
    assert incident.number == 1
    assert incident.alert_count == SAME_ENTITY
    alerts = alerts_of(sessions, tenant, "db-primary")
    assert len(alerts) == SAME_ENTITY
    assert {alert.incident_id for alert in alerts} == {incident.id}


def test_repeats_for_many_open_entities_racing_through_two_servers_are_all_accepted_and_counted(
    two_servers: tuple[str, str], tenant: NewOrganization, sessions: sessionmaker[Session]
) -> None:
    """Two processes joining the same incidents in different orders must not fail any alert."""
    entities = [f"open-{i}" for i in range(OPEN_ENTITIES)]
    opened = post_all(
        [alert_url(two_servers[0], tenant)] * OPEN_ENTITIES, list(map(critical, entities))
    )
    assert [r.status_code for r in opened] == [200] * OPEN_ENTITIES
    # Entities in a shuffled order, alert i through server i mod 2: each server's batches meet
    # the incidents in an order of their own, as alerts from many monitors do.
    targets = [entities[i % OPEN_ENTITIES] for i in range(REPEATS)]
    random.Random(20261122).shuffle(targets)
    urls = [alert_url(two_servers[i % 2], tenant) for i in range(REPEATS)]
    responses = post_all(urls, [critical(entity_id) for entity_id in targets], connections=32)
    assert [r.status_code for r in responses] == [200] * REPEATS, {
        r.status_code: r.text[:300] for r in responses if r.status_code != 200
    }
    incidents = incidents_of(sessions, tenant)
    assert len(incidents) == OPEN_ENTITIES
    counts = {incident.entity_id: incident.alert_count for incident in incidents}
    assert counts == {entity_id: 1 + targets.count(entity_id) for entity_id in entities}
