from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import vo_headers
from tests.helpers import api_routes
from vigil.db import transaction
from vigil.orgs.service import NewOrganization, create_api_key, revoke_api_key


def read_only_key(sessions: sessionmaker[Session], org: NewOrganization) -> str:
    with transaction(sessions) as session:
        _, secret = create_api_key(session, org.org.id, read_only=True)
    return secret


def test_a_request_without_credentials_is_401_with_a_json_error(anonymous: TestClient) -> None:
    response = anonymous.get("/api-public/v1/user")
    assert response.status_code == 401
    assert response.json() == {"error": "Missing X-VO-Api-Id or X-VO-Api-Key header"}


def test_a_request_with_only_the_api_id_is_401(anonymous: TestClient, org: NewOrganization) -> None:
    response = anonymous.get("/api-public/v1/user", headers={"X-VO-Api-Id": org.org.api_id})
    assert response.status_code == 401


def test_a_wrong_api_key_is_401(anonymous: TestClient, org: NewOrganization) -> None:
    headers = vo_headers(org, key="0" * 32)
    response = anonymous.get("/api-public/v1/user", headers=headers)
    assert response.status_code == 401
    assert response.json() == {"error": "Invalid API id or API key"}


def test_a_key_of_another_organization_is_401(
    anonymous: TestClient, org: NewOrganization, sessions: sessionmaker[Session]
) -> None:
    from tests.conftest import new_org

    other = new_org(sessions)
    headers = {"X-VO-Api-Id": org.org.api_id, "X-VO-Api-Key": other.api_key}
    assert anonymous.get("/api-public/v1/user", headers=headers).status_code == 401


def test_the_rest_endpoint_key_does_not_open_the_public_api(
    anonymous: TestClient, org: NewOrganization
) -> None:
    headers = vo_headers(org, key=org.rest_key)
    assert anonymous.get("/api-public/v1/user", headers=headers).status_code == 401


def test_header_names_are_case_insensitive(anonymous: TestClient, org: NewOrganization) -> None:
    headers = {"x-vo-api-id": org.org.api_id, "X-VO-API-KEY": org.api_key}
    assert anonymous.get("/api-public/v1/user", headers=headers).status_code == 200


def test_a_read_only_key_may_read(
    anonymous: TestClient, org: NewOrganization, sessions: sessionmaker[Session]
) -> None:
    headers = vo_headers(org, key=read_only_key(sessions, org))
    assert anonymous.get("/api-public/v1/user", headers=headers).status_code == 200


def test_a_read_only_key_may_not_write(
    anonymous: TestClient, org: NewOrganization, sessions: sessionmaker[Session]
) -> None:
    headers = vo_headers(org, key=read_only_key(sessions, org))
    body = {"username": "ro", "firstName": "R", "lastName": "O", "email": "ro@example.com"}
    response = anonymous.post("/api-public/v1/user", headers=headers, json=body)
    assert response.status_code == 403
    assert response.json() == {"error": "This API key is read-only"}
    assert anonymous.get("/api-public/v1/user/ro", headers=vo_headers(org)).status_code == 404


def test_a_revoked_key_is_refused_at_once(
    anonymous: TestClient, org: NewOrganization, sessions: sessionmaker[Session]
) -> None:
    with transaction(sessions) as session:
        key, secret = create_api_key(session, org.org.id)
    headers = vo_headers(org, key=secret)
    assert anonymous.get("/api-public/v1/user", headers=headers).status_code == 200
    with transaction(sessions) as session:
        revoke_api_key(session, org.org.id, key.id)
    assert anonymous.get("/api-public/v1/user", headers=headers).status_code == 401


def test_every_public_and_reporting_route_needs_credentials(app: FastAPI) -> None:
    routes = [
        route
        for route in api_routes(app)
        if route.path.startswith(("/api-public", "/api-reporting"))
    ]
    assert len(routes) > 20
    with TestClient(app) as anonymous:
        for route in routes:
            path = route.path.replace("{kind}", "emails").replace("{", "").replace("}", "")
            for method in route.methods or ():
                response = anonymous.request(method, path)
                assert response.status_code == 401, f"{method} {route.path}"
