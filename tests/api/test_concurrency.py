import anyio
import anyio.to_thread
import httpx

from tests.conftest import vo_headers
from tests.helpers import api_routes
from vigil.api.app import create_app
from vigil.config import Settings
from vigil.orgs.service import NewOrganization


def test_many_concurrent_requests_on_few_threads_and_connections_all_succeed(
    settings: Settings, org: NewOrganization
) -> None:
    """No request holds a pooled connection while it waits for a thread, so the pool never
    deadlocks, whatever the concurrency."""
    app = create_app(settings.model_copy(update={"db_pool_size": 1, "db_pool_timeout": 3.0}))

    async def burst() -> list[int]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = 2
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://vigil", headers=vo_headers(org), timeout=30
        ) as client:
            responses: list[int] = []

            async def one() -> None:
                responses.append((await client.get("/api-public/v1/user")).status_code)

            async with anyio.create_task_group() as group:
                for _ in range(24):
                    group.start_soon(one)
            return responses

    assert anyio.run(burst) == [200] * 24


def test_every_endpoint_with_a_database_session_ends_its_transaction_in_its_own_thread(
    settings: Settings,
) -> None:
    from vigil.api.deps import TransactionalRoute, _session

    with_session = [
        route
        for route in api_routes(create_app(settings))
        if any(dep.call is _session for dep in route.dependant.dependencies)
    ]
    assert with_session
    assert [r.path for r in with_session if not isinstance(r, TransactionalRoute)] == []
