"""Prod Manager scopes and services: list (paginated), create, get, update, delete. Both share
their routes' shape, so each behaviour is checked on both."""

import pytest
from fastapi.testclient import TestClient

from tests.api.prodmanager.helpers import create, reasons, scope_of, service_of, valid
from tests.conftest import QueryCounter

KINDS = ["scope", "service"]


def make(client: TestClient, kind: str, name: str, description: str = "") -> int:
    return (
        scope_of(client, name, description)
        if kind == "scope"
        else service_of(client, name, description)
    )


@pytest.mark.parametrize("kind", KINDS)
def test_create_answers_the_new_resource(pm: TestClient, kind: str) -> None:
    response = pm.post(f"/api/{kind}/create", data={"name": "eu-west-1", "description": "Irl"})
    created = valid(response)
    rid = created["id"]
    assert created == {
        "id": rid,
        "name": "eu-west-1",
        "description": "Irl",
        "monitors_count": {"ok": 0, "warning": 0, "alert": 0},
        "incidents_count": 0,
        "maintenances_count": 0,
        "links": {
            "self": f"http://127.0.0.1:8080/api/{kind}/{rid}",
            "monitors": f"http://127.0.0.1:8080/api/monitor?{kind}={rid}",
            "incidents": f"http://127.0.0.1:8080/api/incident?{kind}={rid}",
            "maintenances": f"http://127.0.0.1:8080/api/maintenance?{kind}={rid}",
        },
    } | ({"component": None} if kind == "service" else {})


@pytest.mark.parametrize("kind", KINDS)
def test_a_name_is_required(pm: TestClient, kind: str) -> None:
    response = pm.post(f"/api/{kind}/create", data={"description": "no name"})
    valid(response, 400)
    assert reasons(response) == {"name": ["this field is required"]}


@pytest.mark.parametrize("kind", KINDS)
def test_a_name_taken_is_409(pm: TestClient, kind: str) -> None:
    make(pm, kind, "eu-west-1")
    response = pm.post(f"/api/{kind}/create", data={"name": "eu-west-1"})
    valid(response, 409)
    assert list(reasons(response)) == ["name"]


@pytest.mark.parametrize("kind", KINDS)
def test_the_same_name_is_free_in_another_organization(
    pm: TestClient, other_org_pm: TestClient, kind: str
) -> None:
    make(pm, kind, "eu-west-1")
    make(other_org_pm, kind, "eu-west-1")


@pytest.mark.parametrize("kind", KINDS)
def test_get_answers_one_with_its_maintenance_count(
    pm: TestClient, kind: str, scope: int, service: int
) -> None:
    create(pm, scope, service)
    rid = scope if kind == "scope" else service
    assert valid(pm.get(f"/api/{kind}/{rid}"))["maintenances_count"] == 1


@pytest.mark.parametrize("kind", KINDS)
def test_an_unknown_one_is_404(pm: TestClient, kind: str) -> None:
    response = pm.get(f"/api/{kind}/999999")
    valid(response, 404)
    assert response.json() == {"message": f"No {kind} 999999", "reasons": {}}


@pytest.mark.parametrize("kind", KINDS)
def test_another_organizations_one_is_404(
    pm: TestClient, other_org_pm: TestClient, kind: str
) -> None:
    rid = make(other_org_pm, kind, "theirs")
    assert pm.get(f"/api/{kind}/{rid}").status_code == 404


@pytest.mark.parametrize("kind", KINDS)
def test_the_list_is_paginated_by_id(pm: TestClient, kind: str) -> None:
    ids = [make(pm, kind, f"n{i}") for i in range(3)]
    response = pm.get(f"/api/{kind}", params={"per_page": 2, "page": 2})
    assert [item["id"] for item in valid(response)["items"]] == ids[2:]
    assert (response.headers["x-total"], response.headers["x-prev-page"]) == ("3", "1")
    assert response.headers["x-next-page"] == "None"


@pytest.mark.parametrize("kind", KINDS)
def test_the_list_refuses_more_than_50_per_page(pm: TestClient, kind: str) -> None:
    valid(pm.get(f"/api/{kind}", params={"per_page": 100}), 400)


@pytest.mark.parametrize("kind", KINDS)
def test_the_list_takes_four_queries_whatever_its_length(
    pm: TestClient, kind: str, queries: QueryCounter
) -> None:
    for i in range(5):
        make(pm, kind, f"n{i}")
    queries.statements.clear()
    assert len(valid(pm.get(f"/api/{kind}"))["items"]) == 5
    assert queries.count == 4  # the key, the count, the page, the maintenance counts


@pytest.mark.parametrize("kind", KINDS)
def test_update_changes_only_what_is_sent(pm: TestClient, kind: str) -> None:
    rid = make(pm, kind, "eu", "Europe")
    changed = valid(pm.post(f"/api/{kind}/{rid}/update", data={"name": "eu-west"}))
    assert (changed["name"], changed["description"]) == ("eu-west", "Europe")


@pytest.mark.parametrize("kind", KINDS)
def test_update_to_an_empty_name_is_400(pm: TestClient, kind: str) -> None:
    rid = make(pm, kind, "eu")
    response = pm.post(f"/api/{kind}/{rid}/update", data={"name": " "})
    valid(response, 400)
    assert reasons(response) == {"name": [f"a {kind} needs a name"]}
    assert valid(pm.get(f"/api/{kind}/{rid}"))["name"] == "eu"


@pytest.mark.parametrize("kind", KINDS)
def test_update_to_a_name_taken_is_409(pm: TestClient, kind: str) -> None:
    make(pm, kind, "one")
    rid = make(pm, kind, "two")
    valid(pm.post(f"/api/{kind}/{rid}/update", data={"name": "one"}), 409)


@pytest.mark.parametrize("kind", KINDS)
def test_update_of_an_unknown_one_is_404(pm: TestClient, kind: str) -> None:
    valid(pm.post(f"/api/{kind}/999999/update", data={"name": "x"}), 404)


@pytest.mark.parametrize("kind", KINDS)
def test_delete_removes_it(pm: TestClient, kind: str) -> None:
    rid = make(pm, kind, "gone")
    assert valid(pm.post(f"/api/{kind}/{rid}/delete")) == {}
    assert pm.get(f"/api/{kind}/{rid}").status_code == 404


@pytest.mark.parametrize("kind", KINDS)
def test_one_with_maintenances_cannot_be_deleted(
    pm: TestClient, kind: str, scope: int, service: int
) -> None:
    create(pm, scope, service)
    rid = scope if kind == "scope" else service
    response = pm.post(f"/api/{kind}/{rid}/delete")
    assert response.status_code == 409
    assert "1 maintenance" in response.json()["message"]


@pytest.mark.parametrize("kind", KINDS)
def test_deleting_an_unknown_one_is_404(pm: TestClient, kind: str) -> None:
    valid(pm.post(f"/api/{kind}/999999/delete"), 404)
