"""iCalendar feeds of upcoming shifts at secret URLs (per user and per team)."""

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from fastapi.testclient import TestClient
from icalendar import Calendar

from tests.helpers import (
    add_named_team,
    add_policy,
    add_rotation,
    add_user,
    rotation_entry,
    weekly_shift,
)

NOW = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)


@pytest.fixture
def team(client: TestClient) -> Iterator[dict[str, Any]]:
    """Team Ops with members ada and bob; P1 pages their weekly rotation (Monday 09:00 UTC)."""
    with time_machine.travel(NOW, tick=False):
        team = add_named_team(client)
        for name in ("ada", "bob"):
            add_user(client, name)
            client.post(f"/api-public/v1/team/{team['slug']}/members", json={"username": name})
        rotation = add_rotation(client, team["slug"], weekly_shift("ada", "bob"))
        add_policy(client, team["slug"], [rotation_entry(rotation["slug"])], name="P1")
        yield team


def feed_path(client: TestClient, owner: str) -> str:
    response = client.post(f"/api-public/v1/{owner}/oncall/calendar")
    assert response.status_code == 200, response.text
    url: str = response.json()["url"]
    assert url.startswith("http://127.0.0.1:8080/calendar/") and url.endswith(".ics")
    return url.removeprefix("http://127.0.0.1:8080")


def events(anonymous: TestClient, path: str) -> list[tuple[str, datetime, datetime]]:
    with time_machine.travel(NOW, tick=False):
        response = anonymous.get(path)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    return [
        (str(event["summary"]), event.decoded("dtstart"), event.decoded("dtend"))
        for event in calendar.walk("VEVENT")
    ]


def test_a_users_feed_lists_their_upcoming_shifts_without_an_api_key(
    client: TestClient, anonymous: TestClient, team: dict[str, Any]
) -> None:
    found = events(anonymous, feed_path(client, "user/bob"))
    assert found[0] == (
        "On call: bob (P1)",
        datetime(2026, 3, 9, 9, tzinfo=UTC),
        datetime(2026, 3, 16, 9, tzinfo=UTC),
    )
    assert all(summary == "On call: bob (P1)" for summary, _, _ in found)


def test_a_teams_feed_lists_everyones_shifts_from_now(
    client: TestClient, anonymous: TestClient, team: dict[str, Any]
) -> None:
    found = events(anonymous, feed_path(client, f"team/{team['slug']}"))
    assert [summary for summary, _, _ in found[:3]] == [
        "On call: ada (P1)",
        "On call: bob (P1)",
        "On call: ada (P1)",
    ]
    assert found[0][1] == NOW


def test_making_a_new_feed_retires_the_old_url(
    client: TestClient, anonymous: TestClient, team: dict[str, Any]
) -> None:
    old = feed_path(client, "user/ada")
    feed_path(client, "user/ada")
    response = anonymous.get(old)
    assert (response.status_code, response.json()) == (
        404,
        {"error": "No calendar feed at this address"},
    )


def test_an_unknown_token_is_404(anonymous: TestClient) -> None:
    assert anonymous.get("/calendar/not-a-token.ics").status_code == 404


def test_a_feed_for_an_unknown_user_is_404(client: TestClient) -> None:
    assert client.post("/api-public/v1/user/ghost/oncall/calendar").status_code == 404
