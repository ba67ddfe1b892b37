"""A team's on-call log: /api-reporting/v1/team/{team}/oncall/log (reference section 3.14)."""

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


@pytest.fixture
def team(client: TestClient) -> dict[str, Any]:
    """Team Ops: P1 pages a daily rotation ada, bob handing off at 09:00 UTC from 2026-03-02."""
    for name in ("ada", "bob", "cy"):
        add_user(client, name)
    team = add_named_team(client)
    daily = weekly_shift("ada", "bob", handoffEveryDays=1)
    rotation = add_rotation(client, team["slug"], daily)
    add_policy(client, team["slug"], [rotation_entry(rotation["slug"])], name="P1")
    return team


def log_url(team: dict[str, Any]) -> str:
    return f"/api-reporting/v1/team/{team['slug']}/oncall/log"


def test_the_log_lists_each_users_stretches_with_totals(
    client: TestClient, team: dict[str, Any], queries: QueryCounter
) -> None:
    queries.statements.clear()
    response = client.get(
        log_url(team), params={"start": "2026-03-03T00:00:00Z", "end": "2026-03-04T00:00:00Z"}
    )
    assert queries.count == 11
    body = response.json()
    policy = body["userLogs"][0]["log"][0]["escalationPolicy"]
    assert body == {
        "teamSlug": team["slug"],
        "start": "2026-03-03T00:00:00.000Z",
        "end": "2026-03-04T00:00:00.000Z",
        "results": 2,
        "userLogs": [
            {
                "userId": "ada",
                "total": {"hours": 9, "minutes": 0},
                "adjustedTotal": {"hours": 9, "minutes": 0},
                "log": [
                    {
                        "on": "2026-03-03T00:00:00Z",
                        "off": "2026-03-03T09:00:00Z",
                        "duration": {"hours": 9, "minutes": 0},
                        "escalationPolicy": policy,
                    }
                ],
            },
            {
                "userId": "bob",
                "total": {"hours": 15, "minutes": 0},
                "adjustedTotal": {"hours": 15, "minutes": 0},
                "log": [
                    {
                        "on": "2026-03-03T09:00:00Z",
                        "off": "2026-03-04T00:00:00Z",
                        "duration": {"hours": 15, "minutes": 0},
                        "escalationPolicy": policy,
                    }
                ],
            },
        ],
    }
    assert policy["name"] == "P1"


def test_a_take_on_call_shows_as_a_shift_change(client: TestClient, team: dict[str, Any]) -> None:
    policy = client.get(f"/api-public/v1/team/{team['slug']}/policies").json()["policies"][0]
    with time_machine.travel(datetime(2026, 3, 3, 12, 0, tzinfo=UTC), tick=False):
        taken = client.patch(
            f"/api-public/v1/policies/{policy['slug']}/oncall/user",
            json={"fromUser": "bob", "toUser": "cy"},
        )
    assert taken.status_code == 200
    body = client.get(
        log_url(team),
        params={"start": "2026-03-03T09:00:00Z", "end": "2026-03-04T09:00:00Z", "userName": "cy"},
    ).json()
    assert [(e["on"], e["off"]) for log in body["userLogs"] for e in log["log"]] == [
        ("2026-03-03T12:00:00Z", "2026-03-04T09:00:00Z")
    ]


def test_the_log_defaults_to_today(client: TestClient, team: dict[str, Any]) -> None:
    with time_machine.travel(datetime(2026, 3, 5, 15, 0, tzinfo=UTC), tick=False):
        body = client.get(log_url(team)).json()
    assert (body["start"], body["end"]) == ("2026-03-05T00:00:00.000Z", "2026-03-05T23:59:59.000Z")


@pytest.mark.parametrize(
    ("params", "status", "error"),
    [
        ({"start": "yesterday"}, 400, "start 'yesterday' is not an ISO 8601 date-time"),
        ({"start": "2026-03-04", "end": "2026-03-03"}, 400, "end must be after start"),
        ({"start": "2026-01-01", "end": "2026-06-01"}, 400, "The on-call log covers at most"),
        ({"userName": "ghost"}, 404, "User ghost not found"),
    ],
)
def test_bad_parameters_are_refused_saying_why(
    client: TestClient, team: dict[str, Any], params: dict[str, str], status: int, error: str
) -> None:
    response = client.get(log_url(team), params=params)
    assert response.status_code == status
    assert response.json()["error"].startswith(error)


def test_an_unknown_team_is_404(client: TestClient) -> None:
    response = client.get("/api-reporting/v1/team/team-nothing/oncall/log")
    assert (response.status_code, response.json()) == (
        404,
        {"error": "Team team-nothing not found"},
    )
