"""On-call now, take on-call, and team and user schedules (reference section 3.4)."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
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
    user_entry,
    weekly_shift,
)

NOW = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)  # Wednesday of Ada's first week (from Monday 09:00)


@pytest.fixture
def frozen() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def ops(client: TestClient, frozen: time_machine.Traveller) -> dict[str, Any]:
    """Team Ops: a weekly rotation ada, bob, cy and a policy paging it."""
    for name in ("ada", "bob", "cy", "dee"):
        add_user(client, name)
    team = add_named_team(client)
    for name in ("ada", "bob", "cy"):
        client.post(f"/api-public/v1/team/{team['slug']}/members", json={"username": name})
    rotation = add_rotation(client, team["slug"], weekly_shift("ada", "bob", "cy"))
    policy = add_policy(client, team["slug"], [rotation_entry(rotation["slug"])], name="P1")
    return {"team": team, "rotation": rotation, "policy": policy}


def on_call_now(client: TestClient) -> dict[str, list[str]]:
    response = client.get("/api-public/v1/oncall/current")
    assert response.status_code == 200, response.text
    return {
        policy["escalationPolicy"]["name"]: [u["onCallUser"]["username"] for u in policy["users"]]
        for team in response.json()["teamsOnCall"]
        for policy in team["onCallNow"]
    }


def test_oncall_current_names_each_teams_policies_and_who_is_on_call(
    client: TestClient, ops: dict[str, Any]
) -> None:
    response = client.get("/api-public/v1/oncall/current")
    assert response.json() == {
        "teamsOnCall": [
            {
                "team": {"name": "Ops", "slug": ops["team"]["slug"]},
                "onCallNow": [
                    {
                        "escalationPolicy": {"name": "P1", "slug": ops["policy"]["slug"]},
                        "users": [{"onCallUser": {"username": "ada"}}],
                    }
                ],
            }
        ]
    }


def test_oncall_current_follows_the_clock_to_the_next_handoff(
    client: TestClient, ops: dict[str, Any], frozen: time_machine.Traveller
) -> None:
    frozen.move_to(datetime(2026, 3, 9, 9, 0, tzinfo=UTC))
    assert on_call_now(client) == {"P1": ["bob"]}


def test_oncall_current_runs_a_fixed_number_of_queries(
    client: TestClient, ops: dict[str, Any], queries: QueryCounter
) -> None:
    other = add_named_team(client, "DBA")
    rotation = add_rotation(client, other["slug"], weekly_shift("dee"), weekly_shift("cy"))
    add_policy(client, other["slug"], [rotation_entry(rotation["slug"])], [user_entry("bob")])
    queries.statements.clear()
    assert on_call_now(client) == {"Main": ["dee", "cy"], "P1": ["ada"]}
    assert queries.count == 11


def test_taking_on_call_answers_ok_and_pages_the_taker(
    client: TestClient, ops: dict[str, Any]
) -> None:
    url = f"/api-public/v1/policies/{ops['policy']['slug']}/oncall/user"
    response = client.patch(url, json={"fromUser": "ada", "toUser": "dee"})
    assert (response.status_code, response.json()) == (200, {"result": "ok"})
    assert on_call_now(client) == {"P1": ["dee"]}


def test_the_taken_on_call_returns_to_the_rotation_at_the_next_handoff(
    client: TestClient, ops: dict[str, Any], frozen: time_machine.Traveller
) -> None:
    url = f"/api-public/v1/policies/{ops['policy']['slug']}/oncall/user"
    client.patch(url, json={"fromUser": "ada", "toUser": "dee"})
    frozen.move_to(datetime(2026, 3, 9, 9, 0, tzinfo=UTC))
    assert on_call_now(client) == {"P1": ["bob"]}


def test_taking_on_call_from_someone_not_on_call_is_400(
    client: TestClient, ops: dict[str, Any]
) -> None:
    url = f"/api-public/v1/policies/{ops['policy']['slug']}/oncall/user"
    response = client.patch(url, json={"fromUser": "bob", "toUser": "dee"})
    assert (response.status_code, response.json()) == (
        400,
        {"error": f"User bob is not on call in escalation policy {ops['policy']['slug']}"},
    )


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        ({"fromUser": "ada", "toUser": "ghost"}, 400, "toUser ghost is not a user"),
        ({"fromUser": "ada", "toUser": "ada"}, 400, "fromUser and toUser are the same user"),
        ({"fromUser": "ada"}, 400, "toUser: Field required"),
    ],
)
def test_a_bad_take_is_refused_saying_why(
    client: TestClient, ops: dict[str, Any], body: dict[str, str], status: int, error: str
) -> None:
    url = f"/api-public/v1/policies/{ops['policy']['slug']}/oncall/user"
    response = client.patch(url, json=body)
    assert response.status_code == status
    assert error in response.json()["error"]


def test_taking_on_call_in_an_unknown_policy_is_404(
    client: TestClient, ops: dict[str, Any]
) -> None:
    response = client.patch(
        "/api-public/v1/policies/pol-nothing/oncall/user", json={"fromUser": "ada", "toUser": "dee"}
    )
    assert response.status_code == 404


def test_taking_on_call_by_team_takes_it_in_the_teams_policies(
    client: TestClient, ops: dict[str, Any]
) -> None:
    url = f"/api-public/v1/team/{ops['team']['slug']}/oncall/user"
    response = client.patch(url, json={"fromUser": "ada", "toUser": "dee"})
    assert (response.status_code, response.json()) == (200, {"result": "ok"})
    assert on_call_now(client) == {"P1": ["dee"]}


def test_the_v2_team_schedule_lists_rolls_with_the_shifts_offset(
    client: TestClient, ops: dict[str, Any], queries: QueryCounter
) -> None:
    ops_slug = ops["team"]["slug"]
    queries.statements.clear()
    response = client.get(f"/api-public/v2/team/{ops_slug}/oncall/schedule?daysForward=7")
    assert queries.count == 11  # key, team, policies, steps, entries, 3 rotations, 2 subs, users
    assert response.json() == {
        "team": {"name": "Ops", "slug": ops_slug},
        "schedules": [
            {
                "policy": {"name": "P1", "slug": ops["policy"]["slug"]},
                "schedule": [
                    {
                        "onCallType": "rotation_group",
                        "onCallUser": {"username": "ada"},
                        "rotationName": "Primary",
                        "shiftName": "primary",
                        "shiftRoll": "2026-03-09T09:00:00+00:00",
                        "rolls": [
                            {
                                "start": "2026-03-02T09:00:00+00:00",
                                "end": "2026-03-09T09:00:00+00:00",
                                "onCallUser": {"username": "ada"},
                                "isRoll": True,
                            },
                            {
                                "start": "2026-03-09T09:00:00+00:00",
                                "end": "2026-03-16T09:00:00+00:00",
                                "onCallUser": {"username": "bob"},
                                "isRoll": True,
                            },
                        ],
                    }
                ],
                "overrides": [],
            }
        ],
    }


def test_the_v2_schedule_shows_who_covers_and_the_override(
    client: TestClient, ops: dict[str, Any]
) -> None:
    url = f"/api-public/v1/policies/{ops['policy']['slug']}/oncall/user"
    client.patch(url, json={"fromUser": "ada", "toUser": "dee"})
    body = client.get(f"/api-public/v2/team/{ops['team']['slug']}/oncall/schedule").json()
    schedule = body["schedules"][0]
    assert schedule["schedule"][0]["overrideOnCallUser"] == {"username": "dee"}
    assert schedule["overrides"] == [
        {
            "origOnCallUser": {"username": "ada"},
            "overrideOnCallUser": {"username": "dee"},
            "start": "2026-03-04T12:00:00Z",
            "end": "2026-03-09T09:00:00Z",
            "policy": {"name": "P1", "slug": ops["policy"]["slug"]},
        }
    ]


def test_days_skip_moves_the_window_and_step_picks_the_escalation_step(
    client: TestClient, ops: dict[str, Any]
) -> None:
    url = f"/api-public/v2/team/{ops['team']['slug']}/oncall/schedule"
    skipped = client.get(url, params={"daysSkip": 7, "daysForward": 1}).json()
    entry = skipped["schedules"][0]["schedule"][0]
    assert entry["onCallUser"] == {"username": "bob"}
    assert [roll["onCallUser"]["username"] for roll in entry["rolls"]] == ["bob"]
    second_step = client.get(url, params={"step": 1}).json()
    assert second_step["schedules"][0]["schedule"] == []


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"daysForward": 31}, "daysForward must be 0 to 30"),
        ({"daysSkip": 91}, "daysSkip must be 0 to 90"),
        ({"step": 4}, "step must be 0 to 3"),
        ({"step": "first"}, "step: Input should be a valid integer"),
    ],
)
def test_schedule_parameters_out_of_range_are_400(
    client: TestClient, ops: dict[str, Any], params: dict[str, Any], error: str
) -> None:
    url = f"/api-public/v2/team/{ops['team']['slug']}/oncall/schedule"
    response = client.get(url, params=params)
    assert response.status_code == 400
    assert response.json()["error"].startswith(error)


def test_the_v2_user_schedule_has_a_schedule_per_team_of_the_user(
    client: TestClient, ops: dict[str, Any]
) -> None:
    response = client.get("/api-public/v2/user/bob/oncall/schedule")
    assert response.status_code == 200
    teams = response.json()["teamSchedules"]
    assert [t["team"]["slug"] for t in teams] == [ops["team"]["slug"]]
    assert client.get("/api-public/v2/user/ghost/oncall/schedule").status_code == 404


def test_the_v1_team_schedule_uses_epoch_milliseconds_and_camel_case(
    client: TestClient, ops: dict[str, Any]
) -> None:
    url = f"/api-public/v1/policies/{ops['policy']['slug']}/oncall/user"
    client.patch(url, json={"fromUser": "ada", "toUser": "dee"})
    response = client.get(
        f"/api-public/v1/team/{ops['team']['slug']}/oncall/schedule?daysForward=1"
    )
    handoff = int(datetime(2026, 3, 9, 9, tzinfo=UTC).timestamp() * 1000)
    body = response.json()
    assert body["team"] == "Ops"
    entry = body["schedule"][0]
    assert (entry["onCall"], entry["overrideOnCall"], entry["policyType"]) == (
        "ada",
        "dee",
        "rotation_group",
    )
    assert entry["shiftRoll"] == handoff
    assert entry["rolls"][0]["until"] == handoff
    assert entry["rolls"][0]["onCall"] == "ada"
    assert body["overrides"][0] | {"start": 0} == {
        "origOnCall": "ada",
        "orig": "ada",
        "overrideOnCall": "dee",
        "over": "dee",
        "start": 0,
        "end": handoff,
    }


def test_the_v1_user_schedule_is_an_array_per_team(client: TestClient, ops: dict[str, Any]) -> None:
    response = client.get("/api-public/v1/user/ada/oncall/schedule")
    assert [team["team"] for team in response.json()] == ["Ops"]


def test_a_schedule_of_an_unknown_team_is_404(client: TestClient, ops: dict[str, Any]) -> None:
    response = client.get("/api-public/v2/team/team-nothing/oncall/schedule")
    assert (response.status_code, response.json()) == (
        404,
        {"error": "Team team-nothing not found"},
    )


def test_dst_moves_the_utc_time_of_a_handoff_but_not_its_local_time(
    client: TestClient, ops: dict[str, Any]
) -> None:
    team = add_named_team(client, "NYC")
    rotation = add_rotation(
        client, team["slug"], weekly_shift("ada", "bob", timezone="America/New_York")
    )
    add_policy(client, team["slug"], [rotation_entry(rotation["slug"])], name="NY")
    body = client.get(f"/api-public/v2/team/{team['slug']}/oncall/schedule?daysForward=7").json()
    rolls = body["schedules"][0]["schedule"][0]["rolls"]
    assert [(r["start"], r["end"]) for r in rolls] == [
        ("2026-03-02T09:00:00-05:00", "2026-03-09T09:00:00-04:00"),
        ("2026-03-09T09:00:00-04:00", "2026-03-16T09:00:00-04:00"),
    ]
    assert NOW + timedelta(days=7) > datetime(2026, 3, 9, 13, tzinfo=UTC)
