import json
import logging

import pytest
from fastapi.testclient import TestClient

from vigil.logs import JsonFormatter


def test_healthz_reports_the_database_reachable(anonymous: TestClient) -> None:
    response = anonymous.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_metrics_count_requests_by_route_template(client: TestClient) -> None:
    client.get("/api-public/v1/user/somebody")
    text = client.get("/metrics").text
    assert (
        'vigil_http_requests_total{method="GET",route="/api-public/v1/user/{username}",status="404"}'
        in text
    )
    assert "vigil_http_request_duration_seconds_bucket" in text


def test_every_response_carries_a_request_id(anonymous: TestClient) -> None:
    response = anonymous.get("/healthz")
    assert len(response.headers["x-request-id"]) == 32


def test_an_incoming_request_id_is_kept(anonymous: TestClient) -> None:
    response = anonymous.get("/healthz", headers={"X-Request-Id": "trace-123"})
    assert response.headers["x-request-id"] == "trace-123"


def test_each_request_is_logged_as_one_json_line_with_its_request_id(
    anonymous: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="vigil.access"):
        anonymous.get("/healthz", headers={"X-Request-Id": "trace-456"})
    record = next(r for r in caplog.records if r.name == "vigil.access")
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "request"
    assert line["request_id"] == "trace-456"
    assert line["route"] == "/healthz"
    assert line["status"] == 200
    assert line["method"] == "GET"
    assert isinstance(line["duration_ms"], float)


def test_the_openapi_document_lists_the_victorops_routes(anonymous: TestClient) -> None:
    paths = anonymous.get("/openapi.json").json()["paths"]
    assert "/api-public/v1/user" in paths
    assert "/api-public/v1/team/{team}/members" in paths
    assert anonymous.get("/docs").status_code == 200
