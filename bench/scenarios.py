"""What is measured. A scenario is a name, an async request function and an optional setup.

To add a benchmark, write `async def request(http, target) -> int` (return the HTTP status; `http`
already sends the organization's X-VO-Api-Id/X-VO-Api-Key headers), optionally a `setup` that runs
once per database before the scenario (it may keep what it creates in `target.state`), and append
a `Scenario` to SCENARIOS.
"""

import itertools
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from bench.clients import Http
from bench.server import Server

SEED_USERS = 200


@dataclass
class Target:
    """The server under load, its organization, and whatever setups left for request functions."""

    server: Server
    state: dict[str, Any] = field(default_factory=dict)


RequestFn = Callable[[Http, Target], Awaitable[int]]
SetupFn = Callable[[Http, Target], Awaitable[None]]


@dataclass(frozen=True)
class Scenario:
    name: str  # what --scenarios matches
    endpoint: str  # what the table shows
    request: RequestFn
    setup: SetupFn | None = None
    concurrency: tuple[int, ...] = (1, 32)


_RUN = secrets.token_hex(3)
_serial = itertools.count()


def new_user() -> dict[str, str]:
    """A POST /api-public/v1/user body with a username and e-mail address not used before."""
    n = next(_serial)
    return {
        "username": f"bench-{_RUN}-{n}",
        "firstName": "Bench",
        "lastName": f"User {n}",
        "email": f"bench-{_RUN}-{n}@example.com",
    }


async def seed(http: Http, target: Target) -> None:
    """The data every scenario sees: SEED_USERS users, so that lists have a realistic length."""
    for _ in range(SEED_USERS):
        response = await http.request("POST", "/api-public/v1/user", new_user())
        if response.status != 200:
            raise RuntimeError(f"seeding a user: HTTP {response.status} {response.body[:200]!r}")


async def list_users(http: Http, target: Target) -> int:
    return (await http.request("GET", "/api-public/v1/user")).status


async def create_user(http: Http, target: Target) -> int:
    return (await http.request("POST", "/api-public/v1/user", new_user())).status


SCENARIOS = [
    Scenario("list-users", "GET /api-public/v1/user", list_users),
    Scenario("create-user", "POST /api-public/v1/user", create_user),
]
