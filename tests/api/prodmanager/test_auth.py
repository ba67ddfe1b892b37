"""Prod Manager authentication: `Authorization: Bearer <API key>`. Read-only keys read and get
403 (plain text) for writes; an unknown token is 401 even for reads; anonymous reads on a
deployment of several organizations (as the test database is) get 401 asking to
authenticate (see test_anonymous for a one-organization deployment)."""

import pytest
from fastapi.testclient import TestClient

from tests.api.prodmanager.helpers import create, maintenance_form, valid

READS = ["/api/scope", "/api/service", "/api/maintenance", "/api/weather/maintenance"]
WRITES = [
    "/api/scope/create",
    "/api/service/create",
    "/api/maintenance/create",
    "/api/maintenance/1/update",
    "/api/maintenance/1/delete",
    "/api/maintenance/1/comment",
    "/api/scope/1/update",
    "/api/service/1/delete",
]


@pytest.mark.parametrize("path", READS)
def test_a_read_only_key_reads(read_only: TestClient, path: str) -> None:
    assert read_only.get(path).status_code == 200


@pytest.mark.parametrize("path", WRITES)
def test_a_read_only_key_may_not_write_and_is_told_in_plain_text(
    read_only: TestClient, path: str
) -> None:
    response = read_only.post(path, data={"name": "x"})
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("text/plain")
    assert response.text == "This API key is read-only: it may not make changes"


def test_the_403_validates_against_prod_managers_document(read_only: TestClient) -> None:
    valid(read_only.post("/api/scope/create", data={"name": "x"}), 403)


@pytest.mark.parametrize("path", READS)
def test_an_unknown_token_is_401_even_for_reads(anonymous: TestClient, path: str) -> None:
    response = anonymous.get(path, headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401
    assert response.json() == {"message": "Invalid token", "reasons": {}}


def test_another_scheme_than_bearer_is_401(anonymous: TestClient) -> None:
    response = anonymous.get("/api/scope", headers={"Authorization": "Basic abc"})
    assert response.status_code == 401
    assert response.json() == {"message": "Invalid token", "reasons": {}}


@pytest.mark.parametrize("path", WRITES)
def test_writes_need_a_token(anonymous: TestClient, path: str) -> None:
    response = anonymous.post(path, data={"name": "x"})
    assert response.status_code == 401
    assert "Authorization: Bearer" in response.json()["message"]


@pytest.mark.parametrize("path", READS)
def test_anonymous_reads_on_several_organizations_are_told_to_authenticate(
    anonymous: TestClient, path: str
) -> None:
    response = anonymous.get(path)
    assert response.status_code == 401
    assert "several organizations" in response.json()["message"]


def test_a_read_only_key_sees_internal_events(
    pm: TestClient, read_only: TestClient, scope: int, service: int
) -> None:
    mid = create(pm, scope, service)["id"]
    pm.post(f"/api/maintenance/{mid}/comment", data={"comment": "secret", "internal": "1"})
    events = valid(read_only.get(f"/api/maintenance/{mid}"))["events"]
    assert [event["content"] for event in events] == ["Maintenance created", "secret"]


def test_incipulses_status_path_keeps_its_own_error_body(anonymous: TestClient) -> None:
    response = anonymous.get("/api/maintenance/status")
    assert response.status_code == 401
    assert response.json()["Success"] is False


def test_a_write_with_a_read_write_key_passes(pm: TestClient, scope: int, service: int) -> None:
    valid(pm.post("/api/maintenance/create", data=maintenance_form(scope, service)))
