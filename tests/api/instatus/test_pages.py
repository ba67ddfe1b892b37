"""`GET /v1/pages` and `POST /v1/pages`."""

from fastapi.testclient import TestClient

from tests.conftest import QueryCounter
from vigil.orgs.service import NewOrganization


def test_a_page_is_made_with_a_name_and_a_subdomain(
    instatus: TestClient, org: NewOrganization
) -> None:
    response = instatus.post("/v1/pages", json={"name": "Nasa", "subdomain": f"nasa-{org.org.id}"})
    assert response.status_code == 200
    page = response.json()
    assert page["id"].startswith("ck")
    assert page["name"] == "Nasa"
    assert page["subdomain"] == f"nasa-{org.org.id}"
    assert page["url"].endswith(f"/status/nasa-{org.org.id}")
    assert {"color", "logoUrl", "publicEmail"} <= page.keys()


def test_a_page_can_be_made_with_its_components(instatus: TestClient, org: NewOrganization) -> None:
    made = instatus.post(
        "/v1/pages",
        json={"name": "Nasa", "subdomain": f"nasa-{org.org.id}", "components": ["Web", "API"]},
    ).json()
    listed = instatus.get(f"/v1/{made['id']}/components").json()
    assert [c["name"] for c in listed] == ["Web", "API"]


def test_pages_are_listed_oldest_first(
    instatus: TestClient, org: NewOrganization, queries: QueryCounter
) -> None:
    for name in ("one", "two", "three"):
        instatus.post("/v1/pages", json={"name": name, "subdomain": f"{name}-{org.org.id}"})
    queries.statements.clear()
    response = instatus.get("/v1/pages")
    assert [p["name"] for p in response.json()] == ["one", "two", "three"]
    assert queries.count == 2  # the key, the pages


def test_pages_are_paginated(instatus: TestClient, org: NewOrganization) -> None:
    for name in ("one", "two", "three"):
        instatus.post("/v1/pages", json={"name": name, "subdomain": f"{name}-{org.org.id}"})
    response = instatus.get("/v1/pages", params={"page": 2, "per_page": 2})
    assert [p["name"] for p in response.json()] == ["three"]


def test_a_taken_subdomain_is_refused(
    instatus: TestClient, page_id: str, org: NewOrganization
) -> None:
    response = instatus.post("/v1/pages", json={"name": "Again", "subdomain": f"acme-{org.org.id}"})
    assert response.status_code == 422
    assert response.json()["error"]["message"] == f"Subdomain acme-{org.org.id} is taken"


def test_a_bad_subdomain_is_400(instatus: TestClient) -> None:
    response = instatus.post("/v1/pages", json={"name": "Bad", "subdomain": "-no-"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_request"


def test_a_page_without_a_name_is_400(instatus: TestClient) -> None:
    response = instatus.post("/v1/pages", json={"subdomain": "nameless"})
    assert response.status_code == 400
    assert "name" in response.json()["error"]["message"]


def test_a_read_only_key_cannot_make_a_page(read_only: TestClient, org: NewOrganization) -> None:
    response = read_only.post("/v1/pages", json={"name": "Ro", "subdomain": f"ro-{org.org.id}"})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"


def test_a_page_number_below_one_is_400(instatus: TestClient) -> None:
    response = instatus.get("/v1/pages", params={"page": 0})
    assert response.status_code == 400
    assert response.json()["error"] == {"code": "bad_request", "message": "page starts at 1"}
