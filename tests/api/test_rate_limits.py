"""Request limits of the three status-page dialects: past its limit a client gets 429 with
Retry-After in the dialect's own error shape; a client is its API key, or its remote address
without a valid key (anonymous Prod Manager reads, wrong keys). The VictorOps API is not
limited. The app here has small limits (3 a minute per key for Instatus and Incipulse, 3 an
hour per key and 2 an hour per address for Prod Manager); the clock stands still on Monday
2 March 2026 at noon UTC, the start of a minute and of an hour."""

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from tests.api.prodmanager.helpers import valid
from tests.conftest import fresh_database, new_org, vo_headers
from tests.helpers import api_routes
from tests.maintenance.builders import MONDAY
from vigil.api.app import create_app
from vigil.api.incipulse import auth as incipulse_auth
from vigil.api.instatus import auth as instatus_auth
from vigil.api.prodmanager import auth as prodmanager_auth
from vigil.api.rate_limits import RateLimiter
from vigil.config import Settings
from vigil.db import transaction
from vigil.migrations import upgrade
from vigil.orgs.service import NewOrganization, create_api_key

LIMITS = {
    "rate_limit_instatus": "3/1m",
    "rate_limit_incipulse": "3/1m",
    "rate_limit_prodmanager": "3/1h",
    "rate_limit_prodmanager_anonymous": "2/1h",
}
ADDRESS = "203.0.113.7"

Connect = Callable[..., TestClient]
"""connect(headers=None, address=ADDRESS): a client of the limited app."""


@dataclass(frozen=True)
class Dialect:
    name: str
    path: str
    header: str
    limit: int
    retry_after: int
    """Seconds a client waits after `limit` requests at the start of a window."""

    def key(self, secret: str) -> dict[str, str]:
        return {self.header: f"Bearer {secret}" if self.header == "Authorization" else secret}


INSTATUS = Dialect("instatus", "/v1/pages", "Authorization", 3, 80)
INCIPULSE = Dialect("incipulse", "/api/maintenance/status", "X-API-KEY", 3, 80)
PRODMANAGER = Dialect("prodmanager", "/api/scope", "Authorization", 3, 4800)
DIALECTS = [
    pytest.param(dialect, id=dialect.name) for dialect in (INSTATUS, INCIPULSE, PRODMANAGER)
]


@pytest.fixture(autouse=True)
def travel() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller


@contextmanager
def connecting(app: FastAPI) -> Iterator[Connect]:
    """Makes clients of `app` (from `address`), closing them all at the end."""
    with ExitStack() as clients:

        def connect(headers: dict[str, str] | None = None, address: str = ADDRESS) -> TestClient:
            client = TestClient(
                app, headers=headers, client=(address, 50000), raise_server_exceptions=False
            )
            return clients.enter_context(client)

        yield connect


@pytest.fixture
def limited(settings: Settings) -> Iterator[FastAPI]:
    """An app with small limits, on the shared test database (a limiter of its own per test)."""
    app = create_app(settings.model_copy(update=LIMITS))
    yield app
    app.state.engine.dispose()


@pytest.fixture
def connect(limited: FastAPI) -> Iterator[Connect]:
    with connecting(limited) as connect:
        yield connect


@contextmanager
def counting(app: FastAPI) -> Iterator[list[str]]:
    """The SQL statements the app's engine runs within the block."""
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(args[2])

    event.listen(app.state.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(app.state.engine, "before_cursor_execute", record)


def statuses(client: TestClient, path: str, times: int) -> list[int]:
    return [client.get(path).status_code for _ in range(times)]


def exhaust(client: TestClient, dialect: Dialect) -> None:
    assert statuses(client, dialect.path, dialect.limit) == [200] * dialect.limit


def test_instatus_answers_429_past_the_limit_in_its_error_shape(
    connect: Connect, org: NewOrganization
) -> None:
    instatus = connect(INSTATUS.key(org.api_key))
    assert statuses(instatus, "/v1/pages", 3) == [200, 200, 200]
    refused = instatus.get("/v1/pages")
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "80"
    assert refused.json() == {
        "error": {
            "code": "too_many_requests",
            "message": "Too many requests (at most 3 requests per 1 minute); retry in 80 seconds",
        }
    }


def test_incipulse_answers_429_past_the_limit_in_its_envelope(
    connect: Connect, org: NewOrganization
) -> None:
    incipulse = connect(INCIPULSE.key(org.api_key))
    exhaust(incipulse, INCIPULSE)
    refused = incipulse.get("/api/maintenance/status")
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "80"
    assert refused.json() == {
        "Success": False,
        "Result": None,
        "Message": "Too many requests (at most 3 requests per 1 minute); retry in 80 seconds",
    }


def test_prod_manager_answers_429_past_the_limit_with_its_headers(
    connect: Connect, org: NewOrganization
) -> None:
    pm = connect(PRODMANAGER.key(org.api_key))
    exhaust(pm, PRODMANAGER)
    refused = pm.get("/api/scope")
    assert refused.status_code == 429
    assert refused.json() == {
        "message": "Too many requests (at most 3 requests per 1 hour); retry in 4800 seconds",
        "reasons": {},
    }
    assert refused.headers["Retry-After"] == "4800"
    assert refused.headers["X-RateLimit-Limit"] == "3"
    assert refused.headers["X-RateLimit-Remaining"] == "0"
    assert refused.headers["X-RateLimit-Used"] == "3"


def test_prod_manager_answers_carry_the_rate_limit_headers(
    connect: Connect, org: NewOrganization
) -> None:
    pm = connect(PRODMANAGER.key(org.api_key))
    answer = pm.get("/api/scope")
    valid(answer)
    end_of_hour = int((MONDAY + timedelta(hours=1)).timestamp())
    assert answer.headers["X-RateLimit-Limit"] == "3"
    assert answer.headers["X-RateLimit-Remaining"] == "2"
    assert answer.headers["X-RateLimit-Used"] == "1"
    assert answer.headers["X-RateLimit-Reset"] == str(end_of_hour)
    assert answer.headers["X-RateLimit-Client"].startswith("key-")


def test_prod_manager_error_answers_carry_the_rate_limit_headers_too(
    connect: Connect, org: NewOrganization
) -> None:
    missing = connect(PRODMANAGER.key(org.api_key)).get("/api/scope/999999999")
    assert missing.status_code == 404
    assert missing.headers["X-RateLimit-Remaining"] == "2"
    wrong = connect(PRODMANAGER.key("not-a-key")).get("/api/scope")
    assert wrong.status_code == 401
    assert wrong.headers["X-RateLimit-Limit"] == "2"
    assert wrong.headers["X-RateLimit-Client"] == ADDRESS


@pytest.mark.parametrize("dialect", DIALECTS)
def test_another_key_is_not_held_back(
    dialect: Dialect, connect: Connect, org: NewOrganization, sessions: sessionmaker[Session]
) -> None:
    exhaust(connect(dialect.key(org.api_key)), dialect)
    with transaction(sessions) as session:
        _, other_key = create_api_key(session, org.org.id)
    assert connect(dialect.key(other_key)).get(dialect.path).status_code == 200


@pytest.mark.parametrize("dialect", DIALECTS)
def test_waiting_retry_after_lets_requests_through_again(
    dialect: Dialect, connect: Connect, org: NewOrganization, travel: time_machine.Traveller
) -> None:
    client = connect(dialect.key(org.api_key))
    exhaust(client, dialect)
    retry_after = int(client.get(dialect.path).headers["Retry-After"])
    travel.shift(retry_after - 1)
    assert client.get(dialect.path).status_code == 429
    travel.shift(1)
    assert client.get(dialect.path).status_code == 200


@pytest.mark.parametrize("dialect", DIALECTS)
def test_a_quiet_window_restores_the_whole_limit(
    dialect: Dialect, connect: Connect, org: NewOrganization, travel: time_machine.Traveller
) -> None:
    client = connect(dialect.key(org.api_key))
    exhaust(client, dialect)
    travel.shift(2 * dialect.retry_after)
    exhaust(client, dialect)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_a_wrong_key_is_still_401(dialect: Dialect, connect: Connect) -> None:
    assert connect(dialect.key("not-a-key")).get(dialect.path).status_code == 401


@pytest.mark.parametrize("dialect", DIALECTS)
def test_wrong_keys_count_against_the_address_and_spare_valid_keys(
    dialect: Dialect, connect: Connect, org: NewOrganization
) -> None:
    guesser = connect(dialect.key("not-a-key"))
    # Prod Manager limits callers without a valid token to 2 an hour per address.
    tries = 2 if dialect is PRODMANAGER else dialect.limit
    assert statuses(guesser, dialect.path, tries) == [401] * tries
    refused = guesser.get(dialect.path)
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert connect(dialect.key(org.api_key)).get(dialect.path).status_code == 200
    assert (
        connect(dialect.key("not-a-key"), address="198.51.100.9").get(dialect.path).status_code
        == 401
    )


def test_a_refused_keyed_request_costs_only_the_key_lookup(
    connect: Connect, org: NewOrganization, limited: FastAPI
) -> None:
    pm = connect(PRODMANAGER.key(org.api_key))
    exhaust(pm, PRODMANAGER)
    with counting(limited) as statements:
        assert pm.get("/api/scope").status_code == 429
    assert len(statements) == 1


def test_the_victorops_api_is_not_limited(
    limited: FastAPI, connect: Connect, org: NewOrganization
) -> None:
    victorops = connect(vo_headers(org))
    assert statuses(victorops, "/api-public/v1/user", 5) == [200] * 5


def test_a_limit_of_zero_turns_the_dialect_off(settings: Settings, org: NewOrganization) -> None:
    app = create_app(settings.model_copy(update=LIMITS | {"rate_limit_incipulse": "0"}))
    try:
        with connecting(app) as connect:
            incipulse = connect(INCIPULSE.key(org.api_key))
            assert statuses(incipulse, INCIPULSE.path, 10) == [200] * 10
    finally:
        app.state.engine.dispose()


def test_every_status_page_dialect_route_is_limited(limited: FastAPI) -> None:
    limiting = {
        instatus_auth._principal,
        incipulse_auth._principal,
        prodmanager_auth._reader,
        prodmanager_auth._writer,
    }
    dialects = ("vigil.api.instatus", "vigil.api.incipulse", "vigil.api.prodmanager")
    routes = [r for r in api_routes(limited) if r.endpoint.__module__.startswith(dialects)]
    assert len(routes) > 40
    unlimited = [
        f"{sorted(route.methods or ())} {route.path}"
        for route in routes
        if not limiting & {dependency.call for dependency in route.dependant.dependencies}
    ]
    assert unlimited == []


# Anonymous Prod Manager reads need a deployment of exactly one organization.


@pytest.fixture(scope="module")
def lone_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    for url in fresh_database(tmp_path_factory.mktemp("lone-limited")):
        upgrade(url)
        lone = Settings(database_url=url, embedded_worker=False)
        app = create_app(lone.model_copy(update=LIMITS))
        new_org(app.state.sessions, "Only Org")
        yield app
        app.state.engine.dispose()


@pytest.fixture
def lone(lone_app: FastAPI) -> Iterator[Connect]:
    lone_app.state.rate_limiter = RateLimiter.from_settings(lone_app.state.settings)
    with connecting(lone_app) as connect:
        yield connect


def test_anonymous_prod_manager_reads_are_limited_by_address(lone: Connect) -> None:
    reader = lone()
    assert statuses(reader, "/api/scope", 2) == [200, 200]
    refused = reader.get("/api/scope")
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "5400"  # 2 an hour: half of the next hour
    assert refused.headers["X-RateLimit-Client"] == ADDRESS
    assert lone(address="198.51.100.9").get("/api/scope").status_code == 200


def test_a_refused_anonymous_read_costs_no_query(lone: Connect, lone_app: FastAPI) -> None:
    reader = lone()
    assert statuses(reader, "/api/scope", 2) == [200, 200]
    with counting(lone_app) as statements:
        assert reader.get("/api/scope").status_code == 429
    assert statements == []
