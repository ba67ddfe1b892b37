"""The REST-endpoint integration, as monitoring tools use it."""

import logging
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from vigil.alerts.models import Alert
from vigil.db import transaction
from vigil.incidents.models import Incident
from vigil.orgs.service import NewOrganization


def alert_url(org: NewOrganization, routing_key: str | None = "database") -> str:
    base = f"/integrations/generic/20131114/alert/{org.rest_key}"
    return f"{base}/{routing_key}" if routing_key else base


def incidents_of(sessions: sessionmaker[Session], org: NewOrganization) -> list[Incident]:
    with transaction(sessions) as session:
        return list(
            session.scalars(
                select(Incident).where(Incident.org_id == org.org.id).order_by(Incident.number)
            )
        )


def alerts_of(sessions: sessionmaker[Session], org: NewOrganization) -> list[Alert]:
    with transaction(sessions) as session:
        return list(session.scalars(select(Alert).where(Alert.org_id == org.org.id)))


def send(anonymous: TestClient, org: NewOrganization, **body: Any) -> dict[str, Any]:
    response = anonymous.post(alert_url(org), json=body)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def test_an_alert_is_answered_with_success_and_its_entity_id(
    anonymous: TestClient, org: NewOrganization
) -> None:
    response = anonymous.post(alert_url(org), json={"message_type": "CRITICAL", "entity_id": "db"})
    assert response.status_code == 200
    assert response.json() == {"result": "success", "entity_id": "db"}


def test_an_alert_without_an_entity_id_gets_a_generated_one(
    anonymous: TestClient, org: NewOrganization, sessions: sessionmaker[Session]
) -> None:
    entity_id = send(anonymous, org, message_type="CRITICAL")["entity_id"]
    assert len(entity_id) == 36
    assert [i.entity_id for i in incidents_of(sessions, org)] == [entity_id]


def test_the_body_is_read_as_json_whatever_the_content_type(
    anonymous: TestClient, org: NewOrganization, sessions: sessionmaker[Session]
) -> None:
    response = anonymous.post(
        alert_url(org),
        content=b'{"message_type":"critical","entity_id":"db"}',
        headers={"Content-Type": "text/plain"},
    )
    assert response.status_code == 200
    assert len(incidents_of(sessions, org)) == 1


def test_the_message_type_is_case_insensitive(
    anonymous: TestClient, org: NewOrganization, sessions: sessionmaker[Session]
) -> None:
    send(anonymous, org, message_type="critical", entity_id="db")
    send(anonymous, org, message_type="Recovery", entity_id="db")
    assert [i.phase for i in incidents_of(sessions, org)] == ["resolved"]


def test_an_alert_without_a_routing_key_goes_to_the_default_key(
    anonymous: TestClient, org: NewOrganization, sessions: sessionmaker[Session]
) -> None:
    response = anonymous.post(alert_url(org, None), json={"message_type": "CRITICAL"})
    assert response.status_code == 200
    assert [i.routing_key for i in incidents_of(sessions, org)] == ["default"]


def test_a_trailing_slash_after_the_key_means_the_default_routing_key(
    anonymous: TestClient, org: NewOrganization, sessions: sessionmaker[Session]
) -> None:
    response = anonymous.post(alert_url(org, None) + "/", json={"message_type": "CRITICAL"})
    assert response.status_code == 200
    assert [i.routing_key for i in incidents_of(sessions, org)] == ["default"]


def test_the_alert_is_stored_whole_with_its_original_payload_and_extra_fields(
    anonymous: TestClient, org: NewOrganization, sessions: sessionmaker[Session]
) -> None:
    body = (
        b'{"message_type":"WARNING","entity_id":"db","state_message":"disk 91%",'
        b'"monitoring_tool":"prometheus","host_name":"db1","alert_url":"http://x/1",'
        b'"data":{"k":[1,2]}}'
    )
    assert anonymous.post(alert_url(org), content=body).status_code == 200
    [alert] = alerts_of(sessions, org)
    assert alert.raw == body.decode()
    assert (alert.message_type, alert.entity_id, alert.state_message) == (
        "WARNING",
        "db",
        "disk 91%",
    )
    assert (alert.monitoring_tool, alert.host_name, alert.routing_key) == (
        "prometheus",
        "db1",
        "database",
    )


def test_an_unknown_rest_key_is_404_with_a_failure_body(
    anonymous: TestClient, org: NewOrganization
) -> None:
    response = anonymous.post(
        "/integrations/generic/20131114/alert/not-a-key/database", json={"message_type": "INFO"}
    )
    assert response.status_code == 404
    assert response.json() == {"result": "failure", "message": "Unknown REST endpoint key"}


def test_an_api_key_is_not_a_rest_key(anonymous: TestClient, org: NewOrganization) -> None:
    url = f"/integrations/generic/20131114/alert/{org.api_key}/database"
    assert anonymous.post(url, json={"message_type": "INFO"}).status_code == 404


def test_malformed_json_is_400_and_stores_nothing(
    anonymous: TestClient, org: NewOrganization, sessions: sessionmaker[Session]
) -> None:
    response = anonymous.post(alert_url(org), content=b'{"message_type": ')
    assert response.status_code == 400
    assert response.json()["result"] == "failure"
    assert response.json()["message"].startswith("Body is not valid JSON")
    assert alerts_of(sessions, org) == []


def test_a_body_that_is_not_an_object_is_400(anonymous: TestClient, org: NewOrganization) -> None:
    response = anonymous.post(alert_url(org), json=["CRITICAL"])
    assert response.status_code == 400
    assert response.json() == {"result": "failure", "message": "Body must be a JSON object"}


def test_a_missing_message_type_is_400(anonymous: TestClient, org: NewOrganization) -> None:
    response = anonymous.post(alert_url(org), json={"entity_id": "db"})
    assert response.status_code == 400
    assert "message_type is required" in response.json()["message"]


def test_an_unknown_message_type_is_400_and_stores_nothing(
    anonymous: TestClient, org: NewOrganization, sessions: sessionmaker[Session]
) -> None:
    response = anonymous.post(alert_url(org), json={"message_type": "PANIC", "entity_id": "db"})
    assert response.status_code == 400
    assert "'PANIC'" in response.json()["message"]
    assert alerts_of(sessions, org) == []
    assert incidents_of(sessions, org) == []


def test_an_object_where_text_belongs_is_400(anonymous: TestClient, org: NewOrganization) -> None:
    response = anonymous.post(
        alert_url(org), json={"message_type": "CRITICAL", "entity_id": {"a": 1}}
    )
    assert response.status_code == 400
    assert response.json()["message"] == "entity_id must be a string"


def test_a_timestamp_that_is_not_epoch_seconds_is_400(
    anonymous: TestClient, org: NewOrganization
) -> None:
    response = anonymous.post(alert_url(org), json={"message_type": "INFO", "timestamp": "noon"})
    assert response.status_code == 400
    assert "timestamp" in response.json()["message"]


def test_an_invalid_routing_key_is_400(anonymous: TestClient, org: NewOrganization) -> None:
    response = anonymous.post(alert_url(org, "bad key!"), json={"message_type": "INFO"})
    assert response.status_code == 400
    assert "Routing key" in response.json()["message"]


def test_a_get_is_405(anonymous: TestClient, org: NewOrganization) -> None:
    response = anonymous.get(alert_url(org))
    assert response.status_code == 405
    assert response.json()["result"] == "failure"


def test_an_oversize_alert_is_413(anonymous: TestClient, org: NewOrganization) -> None:
    response = anonymous.post(
        alert_url(org), json={"message_type": "CRITICAL", "state_message": "x" * 70_000}
    )
    assert response.status_code == 413


def test_alerts_are_counted_in_metrics_under_the_integration_route(
    anonymous: TestClient, org: NewOrganization
) -> None:
    send(anonymous, org, message_type="INFO")
    metrics = anonymous.get("/metrics").text
    route = "/integrations/generic/20131114/alert/{rest_key}/{routing_key}"
    assert f'vigil_http_requests_total{{method="POST",route="{route}",status="200"}}' in metrics


def test_another_integration_path_is_404_with_a_failure_body(anonymous: TestClient) -> None:
    response = anonymous.post("/integrations/nagios/alert/key", json={"message_type": "INFO"})
    assert response.status_code == 404
    assert response.json() == {"result": "failure", "message": "Not Found"}


def test_the_access_log_never_shows_the_rest_key(
    anonymous: TestClient, org: NewOrganization, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="vigil.access"):
        send(anonymous, org, message_type="CRITICAL", entity_id="db")
    [entry] = [r for r in caplog.records if r.name == "vigil.access"]
    assert entry.__dict__["route"].startswith("/integrations/")
    assert org.rest_key not in str(entry.__dict__)
