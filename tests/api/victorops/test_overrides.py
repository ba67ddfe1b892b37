"""Scheduled overrides and their assignments: /api-public/v1/overrides (reference section 3.6)."""

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from fastapi.testclient import TestClient

from tests.conftest import QueryCounter
from tests.helpers import (
    add_named_team,
    add_policy,
    add_rotation,
    add_user,
    rotation_entry,
    weekly_shift,
)

OVERRIDES = "/api-public/v1/overrides"
PUBLIC_ID = re.compile(r"^ovrprd-[A-Za-z0-9]{16}$")
AWAY = {
    "username": "ada",
    "timezone": "America/New_York",
    "start": "2026-03-04T08:00:00",
    "end": "2026-03-04T20:00:00",
}


@pytest.fixture
def policy(client: TestClient) -> Iterator[dict[str, Any]]:
    """Policy P1 of team Ops pages a weekly rotation ada, bob; Ada is on call 2026-03-02..09."""
    for name in ("ada", "bob", "cy"):
        add_user(client, name)
    team = add_named_team(client)
    rotation = add_rotation(client, team["slug"], weekly_shift("ada", "bob"))
    with time_machine.travel(datetime(2026, 3, 1, tzinfo=UTC), tick=False):
        yield add_policy(client, team["slug"], [rotation_entry(rotation["slug"])], name="P1") | {
            "team": team
        }


def add_override(client: TestClient, **changes: Any) -> dict[str, Any]:
    response = client.post(OVERRIDES, json=AWAY | changes)
    assert response.status_code == 200, response.text
    created: dict[str, Any] = response.json()
    return created


def on_call_at(client: TestClient, moment: datetime) -> list[str]:
    with time_machine.travel(moment, tick=False):
        body = client.get("/api-public/v1/oncall/current").json()
    return [
        user["onCallUser"]["username"]
        for team in body["teamsOnCall"]
        for policy in team["onCallNow"]
        for user in policy["users"]
    ]


def test_an_override_gets_an_unassigned_assignment_per_policy_paging_the_user(
    client: TestClient, policy: dict[str, Any]
) -> None:
    created = add_override(client)
    override = created["schedule"]
    assert created["override"] == override
    assert PUBLIC_ID.match(override["publicId"])
    assert created["_selfUrl"] == f"{OVERRIDES}/{override['publicId']}"
    assert override == {
        "publicId": override["publicId"],
        "user": {"username": "ada", "firstName": "Ada", "lastName": "Lovelace"},
        "timezone": "America/New_York",
        "start": "2026-03-04T13:00:00Z",  # 08:00 in New York
        "end": "2026-03-05T01:00:00Z",
        "assignments": [
            {
                "_selfUrl": f"{OVERRIDES}/{override['publicId']}/assignments/{policy['slug']}",
                "team": policy["team"]["slug"],
                "policy": policy["slug"],
                "policyName": "P1",
                "assigned": False,
            }
        ],
    }


def test_assigning_a_user_makes_them_cover_the_policy_during_the_override(
    client: TestClient, policy: dict[str, Any]
) -> None:
    public_id = add_override(client)["schedule"]["publicId"]
    url = f"{OVERRIDES}/{public_id}/assignments/{policy['slug']}"
    response = client.put(url, json={"policy": policy["slug"], "username": "cy"})
    assert response.status_code == 200, response.text
    assert response.json()["assigned"] is True and response.json()["user"] == "cy"
    assert client.get(url).json() == response.json()
    assert on_call_at(client, datetime(2026, 3, 4, 13, 0, tzinfo=UTC)) == ["cy"]
    assert on_call_at(client, datetime(2026, 3, 5, 1, 0, tzinfo=UTC)) == ["ada"]


def test_unassigning_hands_the_policy_back_to_the_rotation(
    client: TestClient, policy: dict[str, Any]
) -> None:
    public_id = add_override(client)["schedule"]["publicId"]
    url = f"{OVERRIDES}/{public_id}/assignments/{policy['slug']}"
    client.put(url, json={"username": "cy"})
    response = client.delete(url)
    assert response.status_code == 200
    assert response.json()["assigned"] is False and "user" not in response.json()
    assert on_call_at(client, datetime(2026, 3, 4, 14, 0, tzinfo=UTC)) == ["ada"]


def test_an_assignment_without_a_username_is_400(
    client: TestClient, policy: dict[str, Any]
) -> None:
    public_id = add_override(client)["schedule"]["publicId"]
    response = client.put(f"{OVERRIDES}/{public_id}/assignments/{policy['slug']}", json={})
    assert (response.status_code, response.json()) == (
        400,
        {"error": "username is required: the user who covers this policy"},
    )


def test_a_stand_in_who_is_away_too_needs_accept_overlap(
    client: TestClient, policy: dict[str, Any]
) -> None:
    public_id = add_override(client)["schedule"]["publicId"]
    add_override(client, username="cy")
    url = f"{OVERRIDES}/{public_id}/assignments/{policy['slug']}"
    refused = client.put(url, json={"username": "cy"})
    assert refused.status_code == 422
    assert "acceptOverlap" in refused.json()["error"]
    accepted = client.put(url, json={"username": "cy", "acceptOverlap": True})
    assert accepted.status_code == 200


def test_the_assignments_list_is_a_bare_array(client: TestClient, policy: dict[str, Any]) -> None:
    public_id = add_override(client)["schedule"]["publicId"]
    response = client.get(f"{OVERRIDES}/{public_id}/assignments")
    assert [a["policy"] for a in response.json()] == [policy["slug"]]


def test_the_list_wraps_overrides_with_a_self_url(
    client: TestClient, policy: dict[str, Any], queries: QueryCounter
) -> None:
    first = add_override(client)["schedule"]
    second = add_override(client, username="bob")["schedule"]
    queries.statements.clear()
    response = client.get(OVERRIDES)
    assert queries.count == 4  # key, overrides, their users, their assignments
    assert response.json() == {"overrides": [first, second], "_selfUrl": OVERRIDES}


def test_get_and_delete_answer_the_override_under_override(
    client: TestClient, policy: dict[str, Any]
) -> None:
    created = add_override(client)["schedule"]
    url = f"{OVERRIDES}/{created['publicId']}"
    expected = {"override": created, "_selfUrl": url}
    assert client.get(url).json() == expected
    assert client.delete(url).json() == expected
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"username": "ghost"}, "User ghost is not a user of this organization"),
        ({"start": "tomorrow"}, "start 'tomorrow' is not an ISO 8601 date-time"),
        ({"end": "2026-03-04T07:00:00"}, "An override's end must be after its start"),
        ({"timezone": "Nowhere/Land"}, "Time zone 'Nowhere/Land' is not an IANA time zone"),
    ],
)
def test_a_bad_override_is_400_saying_why(
    client: TestClient, policy: dict[str, Any], changes: dict[str, Any], error: str
) -> None:
    response = client.post(OVERRIDES, json=AWAY | changes)
    assert response.status_code == 400
    assert response.json()["error"].startswith(error)


def test_an_unknown_override_or_assignment_is_404(
    client: TestClient, policy: dict[str, Any]
) -> None:
    assert client.get(f"{OVERRIDES}/ovrprd-nothing").status_code == 404
    public_id = add_override(client)["schedule"]["publicId"]
    response = client.get(f"{OVERRIDES}/{public_id}/assignments/pol-nothing")
    assert response.status_code == 404


def test_overrides_of_another_organization_are_invisible(
    client: TestClient, other_client: TestClient, policy: dict[str, Any]
) -> None:
    public_id = add_override(client)["schedule"]["publicId"]
    assert other_client.get(f"{OVERRIDES}/{public_id}").status_code == 404
    assert other_client.get(OVERRIDES).json()["overrides"] == []
