"""GET /api-public/v1/alerts/{uuid}: every alert stored whole, in camelCase, payload in `raw`."""

from datetime import UTC, datetime
from typing import Any

import time_machine
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import QueryCounter
from vigil.alerts.models import Alert
from vigil.db import transaction
from vigil.orgs.service import NewOrganization

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def send(client: TestClient, org: NewOrganization, body: bytes) -> None:
    url = f"/integrations/generic/20131114/alert/{org.rest_key}/ops"
    response = client.post(url, content=body)
    assert response.status_code == 200, response.text


def last_alert_id(sessions: sessionmaker[Session], org: NewOrganization) -> str:
    with transaction(sessions) as session:
        query = select(Alert.id).where(Alert.org_id == org.org.id).order_by(Alert.received_at)
        return list(session.scalars(query))[-1]


def get_alert(client: TestClient, alert_id: str) -> dict[str, Any]:
    response = client.get(f"/api-public/v1/alerts/{alert_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_an_alert_has_camel_case_fields_and_its_payload_as_a_json_string(
    client: TestClient,
    org: NewOrganization,
    sessions: sessionmaker[Session],
    queries: QueryCounter,
) -> None:
    body = (
        b'{"message_type": "critical", "entity_id": "db", "entity_display_name": "Disk full",'
        b' "state_message": "91%", "monitoring_tool": "nagios", "timestamp": 1620000123,'
        b' "state_start_time": 1620000000, "host_name": "db1", "custom": {"k": [1, 2]}}'
    )
    send(client, org, body)
    alert_id = last_alert_id(sessions, org)
    queries.statements.clear()
    response = client.get(f"/api-public/v1/alerts/{alert_id}")
    assert queries.count == 2  # authenticate, alert
    assert response.status_code == 200
    assert response.json() == {
        "messageType": "CRITICAL",
        "entityId": "db",
        "entityDisplayName": "Disk full",
        "stateMessage": "91%",
        "monitoringTool": "nagios",
        "timestamp": 1620000123,
        "stateStartTime": 1620000000,
        "raw": body.decode(),
    }


def test_an_acknowledgement_shows_its_ack_message_and_author(
    client: TestClient, org: NewOrganization, sessions: sessionmaker[Session]
) -> None:
    send(client, org, b'{"message_type": "CRITICAL", "entity_id": "db"}')
    send(
        client,
        org,
        b'{"message_type": "ACKNOWLEDGEMENT", "entity_id": "db", "ack_msg": "on it",'
        b' "ack_author": "ada", "timestamp": 1620000200, "state_start_time": 1620000200}',
    )
    alert = get_alert(client, last_alert_id(sessions, org))
    assert {k: v for k, v in alert.items() if k != "raw"} == {
        "messageType": "ACKNOWLEDGEMENT",
        "entityId": "db",
        "ackMsg": "on it",
        "ackAuthor": "ada",
        "timestamp": 1620000200,
        "stateStartTime": 1620000200,
    }


def test_fields_an_alert_does_not_have_are_left_out_and_times_default_to_receipt(
    client: TestClient, org: NewOrganization, sessions: sessionmaker[Session]
) -> None:
    with time_machine.travel(T0, tick=False):
        send(client, org, b'{"message_type": "INFO", "entity_id": "db"}')
    assert get_alert(client, last_alert_id(sessions, org)) == {
        "messageType": "INFO",
        "entityId": "db",
        "timestamp": int(T0.timestamp()),
        "stateStartTime": int(T0.timestamp()),
        "raw": '{"message_type": "INFO", "entity_id": "db"}',
    }


def test_an_alert_without_an_incident_is_kept_whole_too(
    client: TestClient, org: NewOrganization, sessions: sessionmaker[Session]
) -> None:
    send(client, org, b'{"message_type": "RECOVERY", "entity_id": "never-opened"}')
    alert = get_alert(client, last_alert_id(sessions, org))
    assert (alert["messageType"], alert["entityId"]) == ("RECOVERY", "never-opened")


def test_an_unknown_alert_is_404(client: TestClient) -> None:
    response = client.get("/api-public/v1/alerts/5b0bdbd4-3c0a-4a1b-9b53-3e5a1d2ab7a4")
    assert response.status_code == 404
    assert response.json() == {"error": "Alert 5b0bdbd4-3c0a-4a1b-9b53-3e5a1d2ab7a4 not found"}


def test_another_organizations_alert_is_404(
    client: TestClient,
    other_client: TestClient,
    org: NewOrganization,
    sessions: sessionmaker[Session],
) -> None:
    send(client, org, b'{"message_type": "CRITICAL"}')
    alert_id = last_alert_id(sessions, org)
    response = other_client.get(f"/api-public/v1/alerts/{alert_id}")
    assert response.status_code == 404
    assert response.json() == {"error": f"Alert {alert_id} not found"}
