"""Anonymous reads on a deployment with exactly one organization: Prod Manager's public view.
They read scopes, services and maintenances without a token, never see internal events or
comments (and do see public ones), and still may not write.

The shared test database holds many organizations, so these tests run on a database of
their own (a fresh SQLite file, or a fresh PostgreSQL database when the suite runs there)."""

import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.api.prodmanager.conftest import bearer
from tests.api.prodmanager.helpers import create, scope_of, service_of, valid
from tests.conftest import fresh_database, new_org
from vigil.api.app import create_app
from vigil.config import Settings
from vigil.migrations import upgrade


@pytest.fixture(scope="module")
def lone(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, TestClient]]:
    """(anonymous client, client with the read-write key) of a one-organization deployment."""
    for url in fresh_database(tmp_path_factory.mktemp("lone")):
        upgrade(url)
        app = create_app(Settings(database_url=url, embedded_worker=False))
        only = new_org(app.state.sessions, "Only Org")
        with (
            TestClient(app, raise_server_exceptions=False) as anonymous,
            TestClient(app, headers=bearer(only.api_key), raise_server_exceptions=False) as pm,
        ):
            yield anonymous, pm
        app.state.engine.dispose()


@pytest.fixture
def maintenance(lone: tuple[TestClient, TestClient]) -> int:
    """A maintenance with a public and an internal comment."""
    _, pm = lone
    suffix = uuid.uuid4().hex[:6]
    mid: int = create(pm, scope_of(pm, f"eu-{suffix}"), service_of(pm, f"Compute-{suffix}"))["id"]
    pm.post(f"/api/maintenance/{mid}/comment", data={"comment": "We start soon"})
    pm.post(f"/api/maintenance/{mid}/comment", data={"comment": "Root pw", "internal": "1"})
    return mid


def test_anonymous_readers_list_scopes_services_and_maintenances(
    lone: tuple[TestClient, TestClient], maintenance: int
) -> None:
    anonymous, _ = lone
    assert valid(anonymous.get("/api/scope"))["items"]
    assert valid(anonymous.get("/api/service"))["items"]
    ids = [item["id"] for item in valid(anonymous.get("/api/maintenance"))["items"]]
    assert maintenance in ids


def test_anonymous_readers_see_public_comments_and_never_internal_ones(
    lone: tuple[TestClient, TestClient], maintenance: int
) -> None:
    anonymous, _ = lone
    events = valid(anonymous.get(f"/api/maintenance/{maintenance}"))["events"]
    assert [(event["type"], event["content"]) for event in events] == [("comment", "We start soon")]
    assert all(event["internal"] is False for event in events)


def test_the_organizations_key_still_sees_everything(
    lone: tuple[TestClient, TestClient], maintenance: int
) -> None:
    _, pm = lone
    events = valid(pm.get(f"/api/maintenance/{maintenance}"))["events"]
    assert [event["content"] for event in events] == [
        "Maintenance created",
        "We start soon",
        "Root pw",
    ]


def test_anonymous_readers_get_the_calendar(
    lone: tuple[TestClient, TestClient], maintenance: int
) -> None:
    anonymous, _ = lone
    response = anonymous.get(f"/api/maintenance/{maintenance}/calendar")
    assert response.status_code == 200
    assert "BEGIN:VCALENDAR" in response.text


def test_anonymous_readers_still_may_not_write(
    lone: tuple[TestClient, TestClient], maintenance: int
) -> None:
    anonymous, _ = lone
    response = anonymous.post(f"/api/maintenance/{maintenance}/comment", data={"comment": "hi"})
    assert response.status_code == 401
