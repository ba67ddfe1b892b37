"""Instatus authentication (`Authorization: Bearer <API key>`) and its error body
`{"error": {"code", "message"}}` for every error under /v1/."""

import json

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker
from starlette.requests import Request

from tests.api.instatus.conftest import bearer
from tests.conftest import new_org
from tests.helpers import api_routes
from vigil.api.errors import error_response


def test_a_request_without_a_bearer_token_is_401_in_instatus_format(anonymous: TestClient) -> None:
    response = anonymous.get("/v1/pages")
    assert response.status_code == 401
    assert response.json() == {
        "error": {
            "code": "unauthorized",
            "message": "Missing Authorization: Bearer <API key> header",
        }
    }


def test_an_unknown_key_is_401(anonymous: TestClient) -> None:
    response = anonymous.get("/v1/pages", headers=bearer("not-a-key"))
    assert response.status_code == 401
    assert response.json()["error"] == {"code": "unauthorized", "message": "Invalid API key"}


def test_another_scheme_than_bearer_is_401(anonymous: TestClient) -> None:
    response = anonymous.get("/v1/pages", headers={"Authorization": "Basic abc"})
    assert response.status_code == 401
    assert response.json()["error"] == {
        "code": "unauthorized",
        "message": "Missing Authorization: Bearer <API key> header",
    }


def test_a_read_only_key_reads(read_only: TestClient, page_id: str) -> None:
    response = read_only.get("/v1/pages")
    assert response.status_code == 200
    assert [page["id"] for page in response.json()] == [page_id]


def test_a_read_only_key_may_not_write(read_only: TestClient, page_id: str) -> None:
    response = read_only.post(f"/v1/{page_id}/components", json={"name": "Website"})
    assert response.status_code == 403
    assert response.json() == {
        "error": {"code": "forbidden", "message": "This API key is read-only"}
    }


def test_a_page_of_another_organization_is_404(
    instatus: TestClient, page_id: str, sessions: sessionmaker[Session]
) -> None:
    other = new_org(sessions, "Other")
    response = instatus.get(f"/v1/{page_id}/components", headers=bearer(other.api_key))
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_an_unknown_route_under_v1_answers_in_instatus_format(instatus: TestClient) -> None:
    response = instatus.get("/v1/nothing/here/at/all")
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": "Not Found"}}


def test_a_body_that_is_not_json_is_400_in_instatus_format(
    instatus: TestClient, page_id: str
) -> None:
    response = instatus.post(
        f"/v1/{page_id}/components",
        content=b"{not json",
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_request"
    assert "not valid JSON" in response.json()["error"]["message"]


def test_errors_outside_v1_keep_vigils_own_shape(anonymous: TestClient) -> None:
    response = anonymous.get("/api-public/v1/user")
    assert response.status_code == 401
    assert isinstance(response.json()["error"], str)


def test_a_method_not_allowed_answers_in_instatus_format(instatus: TestClient) -> None:
    response = instatus.patch("/v1/pages", json={})
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_an_unexpected_error_under_v1_answers_500_in_instatus_format() -> None:
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/v1/pages",
        "headers": [],
        "query_string": b"",
    }
    response = error_response(Request(scope), 500, "Internal error; it has been logged")
    assert response.status_code == 500
    assert json.loads(bytes(response.body)) == {
        "error": {"code": "internal_server_error", "message": "Internal error; it has been logged"}
    }


def test_every_instatus_route_is_documented(app: FastAPI) -> None:
    routes = [r for r in api_routes(app) if r.path.startswith("/v1/")]
    assert len(routes) == 27
    assert [r.path for r in routes if not r.summary] == []
    assert app.openapi()["paths"]["/v1/{page_id}/maintenances"]
