"""Several `vigil serve` processes on one PostgreSQL database behave as one service."""

import asyncio
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import new_org, vo_headers
from tests.e2e.servers import vigil_server
from tests.helpers import user_body
from vigil.db import transaction
from vigil.orgs.service import NewOrganization, list_api_keys, revoke_api_key

pytestmark = pytest.mark.postgres_only


@pytest.fixture(scope="module")
def two_servers(database_url: str, settings: object) -> Iterator[tuple[str, str]]:
    with vigil_server(database_url) as first, vigil_server(database_url) as second:
        yield first, second


@pytest.fixture
def tenant(sessions: sessionmaker[Session]) -> NewOrganization:
    return new_org(sessions)


def test_a_user_created_through_one_server_is_served_by_the_other(
    two_servers: tuple[str, str], tenant: NewOrganization
) -> None:
    first, second = two_servers
    headers = vo_headers(tenant)
    created = httpx.post(f"{first}/api-public/v1/user", headers=headers, json=user_body("ada"))
    assert created.status_code == 200
    fetched = httpx.get(f"{second}/api-public/v1/user/ada", headers=headers)
    assert fetched.status_code == 200
    assert fetched.json()["email"] == "ada@example.com"


def test_racing_creates_of_one_username_through_two_servers_store_it_once(
    two_servers: tuple[str, str], tenant: NewOrganization
) -> None:
    headers = vo_headers(tenant)

    async def race() -> list[int]:
        async with httpx.AsyncClient(headers=headers, timeout=30) as client:
            requests = [
                client.post(
                    f"{two_servers[i % 2]}/api-public/v1/user",
                    json=user_body("ada", email=f"ada{i}@example.com"),
                )
                for i in range(20)
            ]
            return [response.status_code for response in await asyncio.gather(*requests)]

    statuses = asyncio.run(race())
    assert statuses.count(200) == 1
    assert set(statuses) <= {200, 409, 422}
    users = httpx.get(f"{two_servers[1]}/api-public/v2/user", headers=headers).json()["users"]
    assert [u["username"] for u in users] == ["ada"]


def test_a_key_revoked_through_one_process_is_refused_by_every_server(
    two_servers: tuple[str, str], tenant: NewOrganization, sessions: sessionmaker[Session]
) -> None:
    headers = vo_headers(tenant)
    for base in two_servers:
        assert httpx.get(f"{base}/api-public/v1/user", headers=headers).status_code == 200
    with transaction(sessions) as session:
        key = next(k for k in list_api_keys(session, tenant.org.id) if k.kind == "api")
        revoke_api_key(session, tenant.org.id, key.id)
    for base in two_servers:
        assert httpx.get(f"{base}/api-public/v1/user", headers=headers).status_code == 401


def test_serve_with_several_workers_answers_and_merges_metrics(
    database_url: str, settings: object, sessions: sessionmaker[Session]
) -> None:
    tenant = new_org(sessions)
    with vigil_server(database_url, "--workers", "2") as base:
        for _ in range(10):
            response = httpx.get(f"{base}/api-public/v1/user", headers=vo_headers(tenant))
            assert response.status_code == 200
        metrics = httpx.get(f"{base}/metrics").text
    line = next(
        row
        for row in metrics.splitlines()
        if row.startswith("vigil_http_requests_total{")
        and 'route="/api-public/v1/user"' in row
        and 'status="200"' in row
    )
    assert float(line.rsplit(" ", 1)[1]) == 10.0
