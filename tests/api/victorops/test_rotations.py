"""Rotation groups of a team: /api-public/v1/team/{team}/rotations (Vigil's own, VictorOps style)."""

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
    weekly_shift,
)

RTG_SLUG = re.compile(r"^rtg-[A-Za-z0-9]{16}$")


@pytest.fixture
def team(client: TestClient) -> dict[str, Any]:
    for name in ("ada", "bob", "cy"):
        add_user(client, name)
    return add_named_team(client)


def rotations_url(team: dict[str, Any]) -> str:
    return f"/api-public/v1/team/{team['slug']}/rotations"


def test_a_created_rotation_shows_its_shifts_and_ordered_members(
    client: TestClient, team: dict[str, Any]
) -> None:
    created = add_rotation(
        client, team["slug"], weekly_shift("bob", "ada", timezone="Europe/Paris")
    )
    assert RTG_SLUG.match(created["slug"])
    assert created == {
        "teamSlug": team["slug"],
        "slug": created["slug"],
        "label": "Primary",
        "shifts": [
            {
                "label": "primary",
                "shiftType": "24/7",
                "timezone": "Europe/Paris",
                "start": "2026-03-02",
                "handoffTime": "09:00",
                "handoffEveryDays": 7,
                "durationMinutes": 7 * 24 * 60,
                "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
                "members": [
                    {"username": "bob", "firstName": "Ada", "lastName": "Lovelace"},
                    {"username": "ada", "firstName": "Ada", "lastName": "Lovelace"},
                ],
            }
        ],
        "_selfUrl": f"{rotations_url(team)}/{created['slug']}",
    }
    assert client.get(created["_selfUrl"]).json() == created


def test_a_partial_day_shift_keeps_its_hours_and_weekdays(
    client: TestClient, team: dict[str, Any]
) -> None:
    office = weekly_shift(
        "ada", shiftType="partial_day", durationMinutes=480, days=["Mon", "tue", "wednesday"]
    )
    created = add_rotation(client, team["slug"], office)
    shift = created["shifts"][0]
    assert (shift["durationMinutes"], shift["days"]) == (480, ["mon", "tue", "wed"])


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"timezone": "Mars/Olympus"}, "Time zone 'Mars/Olympus' is not an IANA time zone"),
        ({"shiftType": "hourly"}, "Shift type 'hourly' is not one of 24/7, partial_day, multi_day"),
        ({"members": ["ghost"]}, "Not users of this organization: ghost"),
        ({"members": []}, "Shift primary needs at least one member"),
        ({"handoffEveryDays": 0}, "Shift primary: handoff every 1 to 366 days"),
        (
            {"shiftType": "partial_day", "durationMinutes": 1440},
            "Shift primary: a partial-day shift lasts 1 to 1439 minutes a day",
        ),
        (
            {"shiftType": "multi_day"},
            "Shift primary: a multi-day shift lasts 1 minute to its 7 days",
        ),
        ({"days": ["someday"]}, "Day 'someday' is not a weekday"),
        ({"handoffTime": "25:00"}, "shifts.0.handoffTime"),
        ({"start": "soon"}, "shifts.0.start"),
    ],
)
def test_a_bad_shift_is_400_saying_what_is_wrong(
    client: TestClient, team: dict[str, Any], change: dict[str, Any], error: str
) -> None:
    body = {"label": "R", "shifts": [weekly_shift("ada") | change]}
    response = client.post(rotations_url(team), json=body)
    assert response.status_code == 400, response.text
    assert error in response.json()["error"]
    assert client.get(rotations_url(team)).json() == {"rotationGroups": []}


def test_two_rotations_of_a_team_may_not_share_a_label(
    client: TestClient, team: dict[str, Any]
) -> None:
    add_rotation(client, team["slug"], weekly_shift("ada"))
    body = {"label": "Primary", "shifts": [weekly_shift("bob")]}
    response = client.post(rotations_url(team), json=body)
    assert (response.status_code, response.json()) == (
        422,
        {"error": "Team Ops already has a rotation named Primary"},
    )


def test_the_list_has_the_victorops_shape_under_both_paths(
    client: TestClient, team: dict[str, Any], queries: QueryCounter
) -> None:
    first = add_rotation(client, team["slug"], weekly_shift("ada"), label="A")
    second = add_rotation(
        client, team["slug"], weekly_shift("bob"), weekly_shift("cy", label="b"), label="B"
    )
    queries.statements.clear()
    listed = client.get(rotations_url(team)).json()
    assert queries.count == 6  # key, team, rotations, their teams, shifts, members
    assert listed == {"rotationGroups": [first, second]}
    plural = client.get(f"/api-public/v1/teams/{team['slug']}/rotations").json()
    assert plural == listed


def test_put_replaces_the_label_and_shifts(client: TestClient, team: dict[str, Any]) -> None:
    created = add_rotation(client, team["slug"], weekly_shift("ada"))
    body = {"label": "Renamed", "shifts": [weekly_shift("cy", "bob", handoffEveryDays=1)]}
    response = client.put(created["_selfUrl"], json=body)
    assert response.status_code == 200, response.text
    updated = response.json()
    assert (updated["slug"], updated["label"]) == (created["slug"], "Renamed")
    assert [m["username"] for m in updated["shifts"][0]["members"]] == ["cy", "bob"]
    assert client.get(created["_selfUrl"]).json() == updated


def test_delete_removes_the_rotation(client: TestClient, team: dict[str, Any]) -> None:
    created = add_rotation(client, team["slug"], weekly_shift("ada"))
    response = client.delete(created["_selfUrl"])
    assert (response.status_code, response.json()) == (200, {"result": "success"})
    assert client.get(created["_selfUrl"]).status_code == 404


def test_a_rotation_a_policy_pages_cannot_be_deleted(
    client: TestClient, team: dict[str, Any]
) -> None:
    created = add_rotation(client, team["slug"], weekly_shift("ada"))
    policy = add_policy(client, team["slug"], [rotation_entry(created["slug"])])
    response = client.delete(created["_selfUrl"])
    assert response.status_code == 422
    assert policy["slug"] in response.json()["error"]


def test_a_rotation_is_only_found_under_its_own_team(
    client: TestClient, team: dict[str, Any]
) -> None:
    created = add_rotation(client, team["slug"], weekly_shift("ada"))
    other = add_named_team(client, "Other")
    response = client.get(f"{rotations_url(other)}/{created['slug']}")
    assert (response.status_code, response.json()) == (
        404,
        {"error": f"Rotation {created['slug']} not found"},
    )


def test_rotations_of_another_organization_are_invisible(
    client: TestClient, other_client: TestClient, team: dict[str, Any]
) -> None:
    add_rotation(client, team["slug"], weekly_shift("ada"))
    assert other_client.get(rotations_url(team)).status_code == 404
