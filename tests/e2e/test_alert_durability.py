"""An alert answered 200 is stored: a real `vigil serve`, killed with SIGKILL right after the 200.

The database is read directly afterwards (no server left to ask). Runs on SQLite and, with
VIGIL_TEST_DATABASE_URL set, on PostgreSQL.
"""

import asyncio
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.e2e.alerting import alert_url, alerts_of, incidents_of
from tests.e2e.servers import RunningServer, vigil_process, vigil_server
from vigil.orgs.service import NewOrganization

BURST = 60
TIMEOUT = 20.0


def critical(entity_id: str) -> dict[str, Any]:
    return {
        "message_type": "CRITICAL",
        "entity_id": entity_id,
        "entity_display_name": f"{entity_id} is down",
        "state_message": "connection refused",
        "monitoring_tool": "e2e",
    }


@pytest.fixture(scope="module")
def server(database_url: str, settings: object) -> Iterator[str]:
    """One server for the tests that do not kill it."""
    with vigil_server(database_url) as base:
        yield base


def test_an_alert_answered_200_is_stored_when_the_server_is_killed_right_after(
    database_url: str, settings: object, sessions: sessionmaker[Session], org: NewOrganization
) -> None:
    entity_id = f"durable-{uuid.uuid4()}"
    with vigil_process(database_url) as running:
        response = httpx.post(alert_url(running.base, org), json=critical(entity_id), timeout=10)
        running.kill()
    assert response.status_code == 200
    assert response.json() == {"result": "success", "entity_id": entity_id}
    [alert] = alerts_of(sessions, org, entity_id)
    [incident] = incidents_of(sessions, org, entity_id)
    assert alert.message_type == "CRITICAL"
    assert alert.routing_key == "e2e"
    assert alert.incident_id == incident.id
    assert incident.phase == "triggered"
    assert incident.alert_count == 1


@pytest.mark.postgres_only
def test_an_alert_answered_200_by_a_worker_is_stored_when_every_process_is_killed(
    database_url: str, settings: object, sessions: sessionmaker[Session], org: NewOrganization
) -> None:
    entity_id = f"durable-{uuid.uuid4()}"
    with vigil_process(database_url, "--workers", "2") as running:
        response = httpx.post(alert_url(running.base, org), json=critical(entity_id), timeout=10)
        running.kill()
    assert response.status_code == 200
    [alert] = alerts_of(sessions, org, entity_id)
    [incident] = incidents_of(sessions, org, entity_id)
    assert alert.incident_id == incident.id


def test_every_alert_answered_200_before_a_kill_in_mid_burst_is_stored(
    database_url: str, settings: object, sessions: sessionmaker[Session], org: NewOrganization
) -> None:
    entities = [f"burst-{i}-{uuid.uuid4()}" for i in range(BURST)]
    with vigil_process(database_url) as running:
        answered = asyncio.run(asyncio.wait_for(_burst_then_kill(running, org, entities), TIMEOUT))
    assert answered, "no alert was answered before the kill"
    stored = {alert.entity_id: alert for alert in alerts_of(sessions, org)}
    incidents = {incident.id: incident for incident in incidents_of(sessions, org)}
    for entity_id in answered:
        assert entity_id in stored, f"{entity_id} got a 200 but is not stored"
        incident = incidents[stored[entity_id].incident_id]  # type: ignore[index]
        assert incident.entity_id == entity_id


async def _burst_then_kill(
    running: RunningServer, org: NewOrganization, entities: list[str]
) -> list[str]:
    """Post every alert at once; SIGKILL the server at the first 200, the rest still in flight.

    Returns the entities whose alert was answered 200 (before or while the kill happened).
    """
    url = alert_url(running.base, org)
    limits = httpx.Limits(max_connections=len(entities))
    async with httpx.AsyncClient(timeout=10, limits=limits) as client:

        async def post(entity_id: str) -> str | None:
            try:
                response = await client.post(url, json=critical(entity_id))
            except httpx.TransportError:  # the server was killed under this request
                return None
            if response.status_code != 200:
                return None
            if running.process.poll() is None:
                running.kill()
            return entity_id

        outcomes = await asyncio.gather(*(post(entity_id) for entity_id in entities))
    if running.process.poll() is None:  # every request was answered before any kill
        running.kill()
    return [entity_id for entity_id in outcomes if entity_id is not None]


def test_an_alert_with_an_unknown_message_type_is_refused_and_not_stored(
    server: str, sessions: sessionmaker[Session], org: NewOrganization
) -> None:
    body = {"message_type": "EXPLODED", "entity_id": "db"}
    response = httpx.post(alert_url(server, org), json=body, timeout=10)
    assert response.status_code == 400
    assert response.json()["result"] == "failure"
    assert alerts_of(sessions, org) == []
    assert incidents_of(sessions, org) == []


def test_a_body_that_is_not_json_is_refused_and_not_stored(
    server: str, sessions: sessionmaker[Session], org: NewOrganization
) -> None:
    response = httpx.post(
        alert_url(server, org),
        content=b'{"message_type": "CRITICAL", "entity_id": ',
        headers={"Content-Type": "application/json"},
        timeout=10,
    )
    assert response.status_code == 400
    assert response.json()["result"] == "failure"
    assert alerts_of(sessions, org) == []
    assert incidents_of(sessions, org) == []


def test_a_json_body_that_is_not_an_object_is_refused_and_not_stored(
    server: str, sessions: sessionmaker[Session], org: NewOrganization
) -> None:
    response = httpx.post(alert_url(server, org), json=[critical("db")], timeout=10)
    assert response.status_code == 400
    assert alerts_of(sessions, org) == []


def test_refused_alerts_in_a_burst_neither_fail_the_others_nor_are_stored(
    server: str, sessions: sessionmaker[Session], org: NewOrganization
) -> None:
    """Alerts arriving together may share a transaction: a bad one must not sink the good ones."""
    bodies = [
        critical(f"good-{i}") if i % 3 else {"message_type": "NOPE", "entity_id": f"bad-{i}"}
        for i in range(BURST)
    ]

    async def burst() -> list[int]:
        limits = httpx.Limits(max_connections=BURST)
        async with httpx.AsyncClient(timeout=10, limits=limits) as client:
            url = alert_url(server, org)
            responses = await asyncio.gather(*(client.post(url, json=body) for body in bodies))
        return [response.status_code for response in responses]

    statuses = asyncio.run(asyncio.wait_for(burst(), TIMEOUT))
    expected = [200 if body["message_type"] == "CRITICAL" else 400 for body in bodies]
    assert statuses == expected
    stored = sorted(alert.entity_id for alert in alerts_of(sessions, org))
    assert stored == sorted(body["entity_id"] for body in bodies if body["message_type"] != "NOPE")
    assert len(incidents_of(sessions, org)) == len(stored)
