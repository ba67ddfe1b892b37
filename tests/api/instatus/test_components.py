"""A page's components: `/v1/{page_id}/components[/{component_id}]`."""

from fastapi.testclient import TestClient

from tests.api.instatus.helpers import add_component
from tests.conftest import QueryCounter


def test_a_component_is_added_with_instatus_fields(instatus: TestClient, page_id: str) -> None:
    response = instatus.post(
        f"/v1/{page_id}/components",
        json={
            "name": "Website",
            "description": "The public site",
            "status": "DEGRADEDPERFORMANCE",
            "order": 6,
            "showUptime": False,
            "grouped": True,
            "group": "Front",
            "translations": {"name": {"fr": "Site web"}},
        },
    )
    assert response.status_code == 200
    component = response.json()
    assert component["id"].startswith("ck")
    assert component | {"id": None, "group": None} == {
        "id": None,
        "name": "Website",
        "description": "The public site",
        "status": "DEGRADEDPERFORMANCE",
        "showUptime": False,
        "order": 6,
        "grouped": True,
        "group": None,
        "archived": False,
        "uniqueEmail": None,
        "translations": {"name": {"fr": "Site web"}},
    }
    assert component["group"]["name"] == "Front"


def test_a_component_is_read_back(instatus: TestClient, page_id: str) -> None:
    key = add_component(instatus, page_id)
    response = instatus.get(f"/v1/{page_id}/components/{key}")
    assert response.status_code == 200
    assert response.json()["name"] == "Website"
    assert response.json()["status"] == "OPERATIONAL"


def test_components_are_listed_in_page_order_in_constant_queries(
    instatus: TestClient, page_id: str, queries: QueryCounter
) -> None:
    for name in ("Web", "API", "Database"):
        add_component(instatus, page_id, name)
    add_component(instatus, page_id, "Status", order=0)
    queries.statements.clear()
    response = instatus.get(f"/v1/{page_id}/components")
    assert [c["name"] for c in response.json()] == ["Status", "Web", "API", "Database"]
    assert queries.count == 6  # key, page, 3 for the statuses shown, components with groups


def test_components_are_paginated(instatus: TestClient, page_id: str) -> None:
    for name in ("Web", "API", "Database"):
        add_component(instatus, page_id, name)
    response = instatus.get(f"/v1/{page_id}/components", params={"page": 2, "per_page": 2})
    assert [c["name"] for c in response.json()] == ["Database"]


def test_a_component_is_changed(instatus: TestClient, page_id: str) -> None:
    key = add_component(instatus, page_id, group="Core")
    response = instatus.put(
        f"/v1/{page_id}/components/{key}",
        json={"name": "Site", "status": "MAJOROUTAGE", "grouped": False},
    )
    assert response.status_code == 200
    changed = response.json()
    assert (changed["name"], changed["status"], changed["grouped"]) == (
        "Site",
        "MAJOROUTAGE",
        False,
    )
    assert changed["group"] is None


def test_a_component_is_deleted(instatus: TestClient, page_id: str) -> None:
    key = add_component(instatus, page_id)
    response = instatus.delete(f"/v1/{page_id}/components/{key}")
    assert response.status_code == 200
    assert response.json() == {"id": key}
    assert instatus.get(f"/v1/{page_id}/components/{key}").status_code == 404


def test_an_unknown_component_is_404(instatus: TestClient, page_id: str) -> None:
    response = instatus.get(f"/v1/{page_id}/components/ckunknown")
    assert response.status_code == 404
    assert response.json()["error"] == {
        "code": "not_found",
        "message": f"No component ckunknown on page {page_id}",
    }


def test_an_unknown_page_is_404(instatus: TestClient) -> None:
    response = instatus.get("/v1/cknopage/components")
    assert response.status_code == 404
    assert response.json()["error"]["message"] == "No status page cknopage"


def test_an_unknown_component_status_is_400(instatus: TestClient, page_id: str) -> None:
    response = instatus.post(f"/v1/{page_id}/components", json={"name": "Web", "status": "BROKEN"})
    assert response.status_code == 400
    assert "Unknown component status 'BROKEN'" in response.json()["error"]["message"]


def test_a_component_without_a_name_is_400(instatus: TestClient, page_id: str) -> None:
    response = instatus.post(f"/v1/{page_id}/components", json={"description": "nameless"})
    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "bad_request",
        "message": "A component needs a name",
    }


def test_a_wrongly_typed_field_is_400(instatus: TestClient, page_id: str) -> None:
    response = instatus.post(
        f"/v1/{page_id}/components", json={"name": "Web", "showUptime": "sometimes"}
    )
    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith("showUptime:")


def test_per_page_over_100_is_400(instatus: TestClient, page_id: str) -> None:
    response = instatus.get(f"/v1/{page_id}/components", params={"per_page": 101})
    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "bad_request",
        "message": "per_page is from 1 to 100",
    }


def test_changing_or_deleting_an_unknown_component_is_404(
    instatus: TestClient, page_id: str
) -> None:
    one = f"/v1/{page_id}/components/ckunknown"
    for response in (instatus.put(one, json={"name": "Site"}), instatus.delete(one)):
        assert response.status_code == 404
        assert response.json()["error"] == {
            "code": "not_found",
            "message": f"No component ckunknown on page {page_id}",
        }


def test_changing_a_component_to_an_unknown_status_is_400(
    instatus: TestClient, page_id: str
) -> None:
    key = add_component(instatus, page_id)
    response = instatus.put(f"/v1/{page_id}/components/{key}", json={"status": "BROKEN"})
    assert response.status_code == 400
    assert "Unknown component status 'BROKEN'" in response.json()["error"]["message"]
    assert instatus.get(f"/v1/{page_id}/components/{key}").json()["status"] == "OPERATIONAL"
