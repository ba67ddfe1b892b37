"""/api-public/v1/org/routing-keys: list (the default key first) and create."""

from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import QueryCounter
from tests.helpers import add_named_team, add_policy, add_user, user_entry

ROUTING_KEYS = "/api-public/v1/org/routing-keys"
DEFAULT = {"routingKey": "default", "targets": [], "isDefault": True, "isMultiResponder": False}


def create(client: TestClient, name: str, **extra: Any) -> dict[str, Any]:
    response = client.post(ROUTING_KEYS, json={"routingKey": name, "targets": []} | extra)
    assert response.status_code == 200, response.text
    created: dict[str, Any] = response.json()
    return created


def names(client: TestClient) -> list[str]:
    return [key["routingKey"] for key in client.get(ROUTING_KEYS).json()["routingKeys"]]


def test_a_new_organization_lists_only_its_default_routing_key(client: TestClient) -> None:
    response = client.get(ROUTING_KEYS)
    assert response.status_code == 200
    assert response.json() == {"routingKeys": [DEFAULT], "_selfUrl": ROUTING_KEYS}


def test_the_default_routing_key_is_made_once_on_first_listing(
    client: TestClient, queries: QueryCounter
) -> None:
    queries.statements.clear()
    client.get(ROUTING_KEYS)
    # authenticate, keys, savepoint, insert the default, release, targets
    assert queries.count == 6
    queries.statements.clear()
    assert client.get(ROUTING_KEYS).json()["routingKeys"] == [DEFAULT]
    assert queries.count == 3  # authenticate, keys, targets


def test_creating_a_routing_key_answers_its_name_and_targets(
    client: TestClient, queries: QueryCounter
) -> None:
    queries.statements.clear()
    response = client.post(ROUTING_KEYS, json={"routingKey": "Some_Routing_Key", "targets": []})
    assert queries.count == 3  # authenticate, name taken?, insert
    assert response.status_code == 200
    assert response.json() == {"routingKey": "Some_Routing_Key", "targets": []}


def test_created_keys_are_listed_after_the_default_by_name(client: TestClient) -> None:
    create(client, "web")
    create(client, "database")
    assert client.get(ROUTING_KEYS).json()["routingKeys"] == [
        DEFAULT,
        {"routingKey": "database", "targets": [], "isDefault": False, "isMultiResponder": False},
        {"routingKey": "web", "targets": [], "isDefault": False, "isMultiResponder": False},
    ]


def test_a_multi_responder_key_is_listed_as_such(client: TestClient) -> None:
    create(client, "web", isMultiResponder=True)
    [_, web] = client.get(ROUTING_KEYS).json()["routingKeys"]
    assert web == {"routingKey": "web", "targets": [], "isDefault": False, "isMultiResponder": True}


def test_targets_may_be_left_out(client: TestClient) -> None:
    response = client.post(ROUTING_KEYS, json={"routingKey": "web"})
    assert response.status_code == 200
    assert response.json() == {"routingKey": "web", "targets": []}


def test_a_key_targeting_an_unknown_policy_is_400_and_not_created(client: TestClient) -> None:
    response = client.post(
        ROUTING_KEYS, json={"routingKey": "web", "targets": ["pol-bEaTn9Y3zQ3vPf3U"]}
    )
    assert response.status_code == 400
    assert response.json() == {"error": "Escalation policy pol-bEaTn9Y3zQ3vPf3U not found"}
    assert names(client) == ["default"]


def test_a_taken_routing_key_is_422(client: TestClient) -> None:
    create(client, "web")
    response = client.post(ROUTING_KEYS, json={"routingKey": "web", "targets": []})
    assert response.status_code == 422
    assert response.json() == {"error": "Routing key web already exists"}
    assert names(client) == ["default", "web"]


def test_the_default_key_name_is_taken(client: TestClient) -> None:
    response = client.post(ROUTING_KEYS, json={"routingKey": "default", "targets": []})
    assert response.status_code == 422
    assert response.json() == {"error": "Routing key default already exists"}


def test_an_invalid_routing_key_name_is_400(client: TestClient) -> None:
    response = client.post(ROUTING_KEYS, json={"routingKey": "bad key!", "targets": []})
    assert response.status_code == 400
    assert response.json() == {
        "error": "Routing key 'bad key!' is not valid: use 1 to 200 letters, digits, '_', '-' and '.'"
    }


def test_a_missing_routing_key_name_is_400(client: TestClient) -> None:
    response = client.post(ROUTING_KEYS, json={"targets": []})
    assert response.status_code == 400
    assert response.json() == {"error": "routingKey: Field required"}


def test_routing_keys_of_another_organization_are_not_listed(
    client: TestClient, other_client: TestClient
) -> None:
    create(client, "web")
    assert names(other_client) == ["default"]


def test_another_organization_may_use_the_same_key_name(
    client: TestClient, other_client: TestClient
) -> None:
    create(client, "web")
    assert create(other_client, "web") == {"routingKey": "web", "targets": []}


def test_a_routing_key_lists_the_escalation_policies_it_pages(client: TestClient) -> None:
    add_user(client, "ada")
    ops = add_named_team(client, "Ops")
    main = add_policy(client, ops["slug"], [user_entry("ada")], name="Main")
    assert create(client, "db", targets=[main["slug"]])["targets"] == [main["slug"]]
    listed = {key["routingKey"]: key for key in client.get(ROUTING_KEYS).json()["routingKeys"]}
    assert listed["db"]["targets"] == [
        {
            "policyName": "Main",
            "policySlug": main["slug"],
            "_teamUrl": f"/api-public/v1/team/{ops['slug']}",
        }
    ]


def test_a_routing_key_naming_an_unknown_policy_is_refused(client: TestClient) -> None:
    response = client.post(ROUTING_KEYS, json={"routingKey": "db", "targets": ["pol-nope"]})
    assert response.status_code == 400
    assert "pol-nope" in response.text
    assert names(client) == ["default"]
