"""Incipulse authentication (`X-API-KEY`, or `?api_key=` for reads) and its envelope
`{"Success", "Result", "Message"}` on every error under /api/admin/ and on
/api/maintenance/status."""

import orjson
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.api.incipulse.conftest import api_key
from tests.api.incipulse.helpers import (
    INCIDENT,
    RESOLVE,
    STATUS,
    Page,
    failure,
    maintenance_body,
)
from tests.conftest import new_org
from tests.helpers import api_routes
from vigil.api.incipulse import wire
from vigil.orgs.service import NewOrganization


def test_a_request_without_a_key_is_401_in_the_envelope(anonymous: TestClient) -> None:
    response = anonymous.get(STATUS)
    assert response.status_code == 401
    assert response.json() == failure("Invalid or missing API key.")


def test_an_unknown_key_is_401(anonymous: TestClient) -> None:
    response = anonymous.post(INCIDENT, json={"Title": "x"}, headers=api_key("not-a-key"))
    assert response.status_code == 401
    assert response.json() == failure("Invalid or missing API key.")


def test_a_vigil_key_of_another_dialects_header_is_not_taken(
    anonymous: TestClient, org: NewOrganization
) -> None:
    response = anonymous.get(STATUS, headers={"Authorization": f"Bearer {org.api_key}"})
    assert response.status_code == 401
    assert response.json() == failure("Invalid or missing API key.")


def test_a_read_may_send_the_key_as_a_query_parameter(
    anonymous: TestClient, org: NewOrganization
) -> None:
    response = anonymous.get(STATUS, params={"api_key": org.api_key})
    assert response.status_code == 200
    assert response.json()["Success"] is True


def test_a_write_may_not_send_the_key_as_a_query_parameter(
    anonymous: TestClient, org: NewOrganization, page: Page
) -> None:
    response = anonymous.post(
        INCIDENT, params={"api_key": org.api_key}, json=maintenance_body([page.web])
    )
    assert response.status_code == 401
    assert response.json() == failure("Invalid or missing API key.")


def test_a_read_only_key_reads(read_only: TestClient) -> None:
    response = read_only.get(STATUS)
    assert response.status_code == 200
    assert response.json() == {
        "Success": True,
        "Result": [],
        "Message": "0 maintenances in progress",
    }


def test_a_read_only_key_may_not_write(read_only: TestClient, page: Page) -> None:
    response = read_only.post(INCIDENT, json=maintenance_body([page.web]))
    assert response.status_code == 403
    assert response.json() == failure("This API key is read-only: it may not make changes.")


def test_a_read_only_key_may_not_resolve(read_only: TestClient) -> None:
    response = read_only.post(RESOLVE, json={"IncidentId": "mw-anything"})
    assert response.status_code == 403
    assert response.json() == failure("This API key is read-only: it may not make changes.")


def test_a_read_only_key_in_the_query_may_not_write_either(
    anonymous: TestClient, read_only_key: str, page: Page
) -> None:
    response = anonymous.put(
        INCIDENT, params={"api_key": read_only_key}, json={"IncidentId": "x", "Status": "Resolved"}
    )
    assert response.status_code == 401
    assert response.json() == failure("Invalid or missing API key.")


def test_a_read_only_key_may_not_update(read_only: TestClient) -> None:
    response = read_only.put(INCIDENT, json={"IncidentId": "x", "Status": "Resolved"})
    assert response.status_code == 403
    assert response.json() == failure("This API key is read-only: it may not make changes.")


def test_another_organizations_key_does_not_reach_these_components(
    incipulse: TestClient, sessions: sessionmaker[Session], page: Page
) -> None:
    """Each key sees its own organization only: another's key finds no page to write on."""
    other = new_org(sessions, "Other")
    response = incipulse.post(
        INCIDENT, json=maintenance_body([page.web]), headers=api_key(other.api_key)
    )
    assert response.status_code == 400
    assert response.json() == failure(f"Unknown AffectedComponents: {page.web}.")


def test_an_unknown_route_under_api_admin_answers_in_the_envelope(incipulse: TestClient) -> None:
    response = incipulse.get("/api/admin/Nothing")
    assert response.status_code == 404
    assert response.json() == failure("Not Found")


def test_a_wrong_method_answers_in_the_envelope(incipulse: TestClient) -> None:
    response = incipulse.delete(INCIDENT)
    assert response.status_code == 405
    assert response.json() == failure("Method Not Allowed")


def test_a_body_that_is_not_json_is_400_in_the_envelope(incipulse: TestClient) -> None:
    response = incipulse.post(
        INCIDENT, content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    body = response.json()
    assert body["Success"] is False and body["Result"] is None
    assert "not valid JSON" in body["Message"]


def test_a_field_of_the_wrong_type_is_400_naming_it(incipulse: TestClient) -> None:
    response = incipulse.post(INCIDENT, json={"Title": "x", "AffectedComponents": "web"})
    assert response.status_code == 400
    assert response.json()["Message"].startswith("AffectedComponents:")


def test_errors_beside_the_status_path_keep_vigils_own_shape(incipulse: TestClient) -> None:
    """/api/maintenance/ is shared with Prod Manager's API: only the status path is Incipulse's."""
    response = incipulse.get("/api/maintenance/other")
    assert response.status_code == 404
    assert isinstance(response.json()["error"], str)


def test_an_unexpected_error_says_so_in_incipulses_words() -> None:
    response = wire.error(500, "Internal error; it has been logged")
    assert response.status_code == 500
    assert orjson.loads(response.body) == failure("An unexpected error occurred.")


def test_every_incipulse_route_is_documented(app: FastAPI) -> None:
    routes = [r for r in api_routes(app) if r.path.startswith(wire.PREFIXES)]
    assert sorted((r.path, *sorted(r.methods or ())) for r in routes) == [
        ("/api/admin/Incident", "POST"),
        ("/api/admin/Incident", "PUT"),
        ("/api/admin/Incident/ResolveIncident", "POST"),
        ("/api/maintenance/status", "GET"),
    ]
    assert [r.path for r in routes if not r.summary] == []
    assert "X-API-KEY" in str(app.openapi()["paths"]["/api/maintenance/status"]).upper()
