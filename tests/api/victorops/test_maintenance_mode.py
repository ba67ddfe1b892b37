"""Maintenance mode over the VictorOps API: /api-public/v1/maintenancemode, start and end."""

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import QueryCounter, vo_headers
from vigil.alerts.routing_keys import create_routing_key
from vigil.config import get_settings
from vigil.db import transaction
from vigil.orgs.service import NewOrganization, create_api_key

MODES = "/api-public/v1/maintenancemode"
NOON = datetime(2026, 3, 2, 12, 0, 0, 123000, tzinfo=UTC)
NOON_MS = 1772452800123


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with time_machine.travel(NOON, tick=False):
        yield


@pytest.fixture
def keys(sessions: sessionmaker[Session], org: NewOrganization) -> None:
    with transaction(sessions) as session:
        for name in ("ops", "db"):
            create_routing_key(session, org.org.id, name, [])


def start(client: TestClient, *names: str, **extra: Any) -> Any:
    body = {"type": "RoutingKeys", "names": list(names), "purpose": "Upgrade", **extra}
    return client.post(f"{MODES}/start", json=body)


def started(client: TestClient, *names: str, **extra: Any) -> dict[str, Any]:
    response = start(client, *names, **extra)
    assert response.status_code == 200, response.text
    instance: dict[str, Any] = response.json()["activeInstances"][-1]
    return instance


def test_without_modes_the_state_has_no_instances(
    client: TestClient, org: NewOrganization, queries: QueryCounter
) -> None:
    queries.statements.clear()
    response = client.get(MODES)

    assert queries.count == 2  # authenticate, then one query for the state
    assert response.status_code == 200
    assert response.json() == {"companyId": org.org.api_id, "activeInstances": []}


def test_starting_a_mode_answers_the_state_in_the_victorops_shape(
    client: TestClient, keys: None
) -> None:
    response = start(client, "ops", "db")

    assert response.status_code == 200
    [instance] = response.json()["activeInstances"]
    assert instance["instanceId"].startswith("mm-")
    assert instance == {
        "instanceId": instance["instanceId"],
        "startedBy": "api",
        "startedAt": NOON_MS,
        "purpose": "Upgrade",
        "targets": [{"type": "RoutingKeys", "names": ["ops", "db"]}],
        "isGlobal": False,
        "routingKeys": ["ops", "db"],
        "endBehavior": "repage",
    }


def test_empty_names_start_a_global_mode(client: TestClient) -> None:
    instance = started(client)

    assert instance["isGlobal"] is True
    assert instance["targets"] == [{"type": "RoutingKeys", "names": []}]


def test_a_body_with_only_a_purpose_starts_a_global_mode(client: TestClient) -> None:
    response = client.post(f"{MODES}/start", json={"purpose": "All hands"})

    assert response.json()["activeInstances"][0]["isGlobal"] is True


def test_the_state_lists_every_active_mode(client: TestClient, keys: None) -> None:
    first = started(client, "ops")
    second = started(client)

    listed = client.request("GET", MODES, json={}).json()["activeInstances"]

    assert [i["instanceId"] for i in listed] == [first["instanceId"], second["instanceId"]]


def test_listing_many_modes_costs_the_same_queries(
    client: TestClient, keys: None, queries: QueryCounter
) -> None:
    for _ in range(5):
        started(client, "ops", "db")
    queries.statements.clear()

    client.get(MODES)

    assert queries.count == 2


def test_a_second_global_mode_is_a_409(client: TestClient) -> None:
    started(client)

    response = start(client)

    assert response.status_code == 409
    assert response.json() == {"error": "A global maintenance mode is already active"}


def test_reaching_the_limit_of_active_modes_is_a_420(
    client: TestClient, keys: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "maintenance_mode_limit", 1)
    started(client, "ops")

    response = start(client, "db")

    assert response.status_code == 420
    assert "limit of 1 active maintenance modes" in response.json()["error"]


def test_an_unknown_routing_key_is_a_400_naming_it(client: TestClient, keys: None) -> None:
    response = start(client, "ops", "nope")

    assert response.status_code == 400
    assert response.json() == {"error": "Unknown routing key(s): nope"}


def test_a_target_type_other_than_routing_keys_is_a_400(client: TestClient) -> None:
    response = client.post(f"{MODES}/start", json={"type": "Teams", "names": []})

    assert response.status_code == 400
    assert response.json()["error"].startswith("type:")


def test_an_unknown_end_behavior_is_a_400(client: TestClient) -> None:
    response = start(client, endBehavior="later")

    assert response.status_code == 400
    assert "endBehavior" in response.json()["error"]


def test_the_end_behavior_may_be_chosen(client: TestClient) -> None:
    assert started(client, endBehavior="digest")["endBehavior"] == "digest"


def test_who_starts_the_mode_may_be_named(client: TestClient) -> None:
    assert started(client, userName="ada")["startedBy"] == "ada"


def test_ending_a_mode_answers_the_state_without_it(client: TestClient, keys: None) -> None:
    kept = started(client, "ops")
    ended = started(client, "db")

    response = client.put(f"{MODES}/{ended['instanceId']}/end", json={})

    assert response.status_code == 200
    assert [i["instanceId"] for i in response.json()["activeInstances"]] == [kept["instanceId"]]


def test_ending_needs_no_body(client: TestClient) -> None:
    instance = started(client)

    response = client.put(f"{MODES}/{instance['instanceId']}/end")

    assert response.status_code == 200
    assert response.json()["activeInstances"] == []


def test_ending_an_unknown_mode_is_a_404(client: TestClient) -> None:
    response = client.put(f"{MODES}/mm-nothing/end", json={})

    assert response.status_code == 404
    assert response.json() == {"error": "No active maintenance mode mm-nothing"}


def test_ending_a_mode_twice_is_a_404(client: TestClient) -> None:
    instance = started(client)
    client.put(f"{MODES}/{instance['instanceId']}/end", json={})

    assert client.put(f"{MODES}/{instance['instanceId']}/end", json={}).status_code == 404


def test_another_organization_neither_sees_nor_ends_the_mode(
    client: TestClient, other_client: TestClient
) -> None:
    instance = started(client)

    assert other_client.get(MODES).json()["activeInstances"] == []
    assert other_client.put(f"{MODES}/{instance['instanceId']}/end", json={}).status_code == 404
    assert other_client.post(f"{MODES}/start", json={"names": []}).status_code == 200


def test_starting_costs_a_fixed_number_of_queries(
    client: TestClient, sessions: sessionmaker[Session], org: NewOrganization, queries: QueryCounter
) -> None:
    with transaction(sessions) as session:
        for name in ("ops", "db", "web", "cache"):
            create_routing_key(session, org.org.id, name, [])
    queries.statements.clear()
    start(client, "ops")
    first = queries.count
    queries.statements.clear()
    start(client, "ops", "db", "web", "cache")

    # authenticate, check the keys, the active modes, insert the mode and its keys, the
    # on-call people (`on_call_now`), then the state answered
    assert queries.count == first == 15, "\n".join(
        s.split("\n")[0][:90] for s in queries.statements
    )


def test_every_route_needs_the_api_headers(anonymous: TestClient, client: TestClient) -> None:
    instance = started(client)

    assert anonymous.get(MODES).status_code == 401
    assert anonymous.post(f"{MODES}/start", json={"names": []}).status_code == 401
    assert anonymous.put(f"{MODES}/{instance['instanceId']}/end", json={}).status_code == 401
    assert [i["instanceId"] for i in client.get(MODES).json()["activeInstances"]] == [
        instance["instanceId"]
    ]


def test_a_read_only_key_may_read_but_neither_start_nor_end(
    app: Any, sessions: sessionmaker[Session], org: NewOrganization, client: TestClient
) -> None:
    instance = started(client)
    with transaction(sessions) as session:
        _, secret = create_api_key(session, org.org.id, read_only=True)
    with TestClient(app, headers=vo_headers(org, secret)) as reader:
        assert reader.get(MODES).status_code == 200
        begun = reader.post(f"{MODES}/start", json={"names": []})
        ended = reader.put(f"{MODES}/{instance['instanceId']}/end", json={})

    assert (begun.status_code, begun.json()) == (403, {"error": "This API key is read-only"})
    assert (ended.status_code, ended.json()) == (403, {"error": "This API key is read-only"})
    assert len(client.get(MODES).json()["activeInstances"]) == 1
