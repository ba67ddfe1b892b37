"""Escalation policies: /api-public/v1/policies and a team's policies (reference section 3.7)."""

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import QueryCounter
from tests.helpers import (
    add_named_team,
    add_policy,
    add_rotation,
    add_user,
    rotation_entry,
    user_entry,
    weekly_shift,
)

POLICIES = "/api-public/v1/policies"
POLICY_SLUG = re.compile(r"^pol-[A-Za-z0-9]{16}$")


@pytest.fixture
def team(client: TestClient) -> dict[str, Any]:
    for name in ("ada", "bob"):
        add_user(client, name)
    return add_named_team(client)


def test_a_created_policy_comes_back_with_its_steps_expanded(
    client: TestClient, team: dict[str, Any]
) -> None:
    rotation = add_rotation(client, team["slug"], weekly_shift("ada", "bob"))
    created = add_policy(
        client,
        team["slug"],
        [rotation_entry(rotation["slug"]), user_entry("ada")],
        [{"executionType": "email", "email": {"address": "noc@example.com"}}],
        name="P1",
        timeout=10,
    )
    assert POLICY_SLUG.match(created["slug"])
    assert created == {
        "name": "P1",
        "slug": created["slug"],
        "teamSlug": team["slug"],
        "ignoreCustomPagingPolicies": False,
        "steps": [
            {
                "timeout": 10,
                "entries": [
                    {
                        "executionType": "rotation_group",
                        "rotationGroup": {"slug": rotation["slug"], "label": "Primary"},
                    },
                    {
                        "executionType": "user",
                        "user": {"username": "ada", "firstName": "Ada", "lastName": "Lovelace"},
                    },
                ],
            },
            {
                "timeout": 10,
                "entries": [{"executionType": "email", "email": {"address": "noc@example.com"}}],
            },
        ],
        "_selfUrl": f"{POLICIES}/{created['slug']}",
    }
    assert client.get(f"{POLICIES}/{created['slug']}").json() == created


def test_go_v1_entries_with_every_companion_null_but_one_are_accepted(
    client: TestClient, team: dict[str, Any]
) -> None:
    entry = {
        "executionType": "user",
        "user": {"username": "bob"},
        "rotationGroup": None,
        "webhook": None,
        "email": None,
        "targetPolicy": None,
    }
    created = add_policy(client, team["slug"], [entry])
    assert created["steps"][0]["entries"][0]["user"]["username"] == "bob"


def test_a_policy_can_route_to_another_policy_and_page_a_webhook(
    client: TestClient, team: dict[str, Any]
) -> None:
    other = add_policy(client, team["slug"], [user_entry("bob")], name="Other")
    hook = client.post(
        "/api-public/v1/webhooks", json={"label": "Chat", "url": "https://chat.example.com/hook"}
    )
    assert hook.status_code == 200, hook.text
    entries = [
        {"executionType": "policy_routing", "targetPolicy": {"policySlug": other["slug"]}},
        {"executionType": "webhook", "webhook": {"slug": hook.json()["slug"]}},
    ]
    created = add_policy(client, team["slug"], entries)
    assert created["steps"][0]["entries"] == [
        {
            "executionType": "policy_routing",
            "targetPolicy": {"policySlug": other["slug"], "name": "Other"},
        },
        {"executionType": "webhook", "webhook": {"slug": hook.json()["slug"], "label": "Chat"}},
    ]


@pytest.mark.parametrize(
    ("entry", "error"),
    [
        (user_entry("nobody"), "User nobody not found"),
        (rotation_entry("rtg-nothing"), "Rotation rtg-nothing not found"),
        ({"executionType": "user"}, "Step 0: a user entry does not name its target"),
        (
            {"executionType": "team", "team": {"slug": "x"}},
            "Step 0: executionType 'team' is not one of user, rotation_group, "
            "rotation_group_next, rotation_group_previous, policy_routing, email, webhook",
        ),
        (
            {"executionType": "email", "email": {"address": "not-an-address"}},
            "E-mail address 'not-an-address' is not valid: An email address must have an @-sign.",
        ),
    ],
)
def test_an_entry_naming_nothing_valid_is_400_with_the_reason(
    client: TestClient, team: dict[str, Any], entry: dict[str, Any], error: str
) -> None:
    body = {"name": "P", "teamSlug": team["slug"], "steps": [{"timeout": 0, "entries": [entry]}]}
    response = client.post(POLICIES, json=body)
    assert (response.status_code, response.json()) == (400, {"error": error})
    assert client.get(POLICIES).json() == {"policies": []}


def test_a_policy_for_an_unknown_team_is_400(client: TestClient) -> None:
    body = {"name": "P", "teamSlug": "team-nothing", "steps": []}
    response = client.post(POLICIES, json=body)
    assert (response.status_code, response.json()) == (
        400,
        {"error": "teamSlug team-nothing names no team"},
    )


def test_a_policy_without_steps_is_400(client: TestClient, team: dict[str, Any]) -> None:
    response = client.post(POLICIES, json={"name": "P", "teamSlug": team["slug"], "steps": []})
    assert response.status_code == 400
    assert response.json() == {"error": "An escalation policy needs at least one step"}


def test_a_negative_timeout_is_400(client: TestClient, team: dict[str, Any]) -> None:
    body = {
        "name": "P",
        "teamSlug": team["slug"],
        "steps": [{"timeout": -1, "entries": [user_entry("ada")]}],
    }
    response = client.post(POLICIES, json=body)
    assert response.status_code == 400
    assert "timeout" in response.json()["error"]


def test_the_list_names_each_policy_with_its_team(
    client: TestClient, team: dict[str, Any], queries: QueryCounter
) -> None:
    first = add_policy(client, team["slug"], [user_entry("ada")], name="A")
    second = add_policy(client, team["slug"], [user_entry("bob")], name="B")
    queries.statements.clear()
    response = client.get(POLICIES)
    assert queries.count == 2  # the API key, then the policies with their teams
    team_ref = {"name": "Ops", "slug": team["slug"]}
    assert response.json() == {
        "policies": [
            {
                "policy": {"name": name, "slug": slug, "_selfUrl": f"{POLICIES}/{slug}"},
                "team": team_ref,
            }
            for name, slug in (("A", first["slug"]), ("B", second["slug"]))
        ]
    }


def test_a_teams_policies_are_listed_by_name_and_slug(
    client: TestClient, team: dict[str, Any]
) -> None:
    created = add_policy(client, team["slug"], [user_entry("ada")], name="Only")
    other_team = add_named_team(client, "Elsewhere")
    add_policy(client, other_team["slug"], [user_entry("ada")], name="Not this")
    response = client.get(f"/api-public/v1/team/{team['slug']}/policies")
    assert response.json() == {"policies": [{"name": "Only", "slug": created["slug"]}]}


def test_getting_one_policy_runs_a_fixed_number_of_queries(
    client: TestClient, team: dict[str, Any], queries: QueryCounter
) -> None:
    rotation = add_rotation(client, team["slug"], weekly_shift("ada"))
    created = add_policy(
        client,
        team["slug"],
        [rotation_entry(rotation["slug"]), user_entry("ada")],
        [user_entry("bob")],
    )
    queries.statements.clear()
    assert client.get(f"{POLICIES}/{created['slug']}").status_code == 200
    assert queries.count == 7


def test_put_replaces_the_steps_and_keeps_the_name(
    client: TestClient, team: dict[str, Any]
) -> None:
    created = add_policy(client, team["slug"], [user_entry("ada")])
    body = {"steps": [{"timeout": 0, "entries": [user_entry("bob")]}]}
    response = client.put(f"{POLICIES}/{created['slug']}", json=body)
    assert response.status_code == 200, response.text
    assert response.json()["name"] == "Main"
    assert response.json()["steps"][0]["entries"][0]["user"]["username"] == "bob"


def test_a_policy_may_not_route_back_to_itself(client: TestClient, team: dict[str, Any]) -> None:
    first = add_policy(client, team["slug"], [user_entry("ada")], name="First")
    route_to_first = {
        "executionType": "policy_routing",
        "targetPolicy": {"policySlug": first["slug"]},
    }
    second = add_policy(client, team["slug"], [route_to_first], name="Second")
    route_to_second = {
        "executionType": "policy_routing",
        "targetPolicy": {"policySlug": second["slug"]},
    }
    response = client.put(
        f"{POLICIES}/{first['slug']}", json={"steps": [{"entries": [route_to_second]}]}
    )
    assert (response.status_code, response.json()) == (
        400,
        {"error": f"Escalation policy {first['slug']} would route back to itself"},
    )


def test_delete_answers_success_and_the_policy_is_gone(
    client: TestClient, team: dict[str, Any]
) -> None:
    created = add_policy(client, team["slug"], [user_entry("ada")])
    response = client.request("DELETE", f"{POLICIES}/{created['slug']}", json={})
    assert (response.status_code, response.json()) == (200, {"result": "success"})
    assert client.get(f"{POLICIES}/{created['slug']}").status_code == 404


def test_a_policy_another_routes_to_cannot_be_deleted(
    client: TestClient, team: dict[str, Any]
) -> None:
    target = add_policy(client, team["slug"], [user_entry("ada")], name="Target")
    entry = {"executionType": "policy_routing", "targetPolicy": {"policySlug": target["slug"]}}
    router = add_policy(client, team["slug"], [entry], name="Router")
    response = client.delete(f"{POLICIES}/{target['slug']}")
    assert response.status_code == 422
    assert router["slug"] in response.json()["error"]


def test_an_unknown_policy_is_404_with_a_json_error(client: TestClient) -> None:
    response = client.get(f"{POLICIES}/pol-nothing")
    assert (response.status_code, response.json()) == (
        404,
        {"error": "Escalation policy pol-nothing not found"},
    )


def test_the_types_paths_are_not_taken_for_policy_slugs(client: TestClient) -> None:
    assert "notificationTypes" in client.get(f"{POLICIES}/types/notifications").json()


def test_policies_of_another_organization_are_invisible(
    client: TestClient, other_client: TestClient, team: dict[str, Any]
) -> None:
    created = add_policy(client, team["slug"], [user_entry("ada")])
    assert other_client.get(f"{POLICIES}/{created['slug']}").status_code == 404
    assert other_client.get(POLICIES).json() == {"policies": []}


def test_routing_keys_may_target_existing_policies(
    client: TestClient, team: dict[str, Any]
) -> None:
    created = add_policy(client, team["slug"], [user_entry("ada")])
    body = {"routingKey": "db", "targets": [created["slug"]]}
    response = client.post("/api-public/v1/org/routing-keys", json=body)
    assert response.status_code == 200, response.text
