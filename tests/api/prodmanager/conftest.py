"""Prod Manager clients: `pm` sends the organization's read-write key as a bearer token,
`read_only` a read-only key of the same organization; `scope` and `service` are one of each
made through the API. The clock stands still on Monday 2 March 2026 at noon UTC."""

from collections.abc import Iterator

import pytest
import time_machine
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import delete
from sqlalchemy.orm import Session, sessionmaker

from tests.api.prodmanager.helpers import scope_of, service_of
from tests.conftest import new_org
from tests.maintenance.builders import MONDAY
from vigil.db import transaction
from vigil.engine.models import Timer
from vigil.orgs.service import NewOrganization, create_api_key


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture(autouse=True)
def travel() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller


@pytest.fixture
def pm(app: FastAPI, org: NewOrganization, sessions: sessionmaker[Session]) -> Iterator[TestClient]:
    with TestClient(app, headers=bearer(org.api_key), raise_server_exceptions=False) as client:
        yield client
    # The database is shared: leave no window timers for later tests' engines to run.
    with transaction(sessions) as session:
        session.execute(delete(Timer).where(Timer.org_id == org.org.id))


@pytest.fixture
def read_only(
    app: FastAPI, org: NewOrganization, sessions: sessionmaker[Session]
) -> Iterator[TestClient]:
    with transaction(sessions) as session:
        _, secret = create_api_key(session, org.org.id, read_only=True)
    with TestClient(app, headers=bearer(secret), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def other_org_pm(app: FastAPI, sessions: sessionmaker[Session]) -> Iterator[TestClient]:
    """A Prod Manager client of a second organization, for isolation tests."""
    other = new_org(sessions, "Other Org")
    with TestClient(app, headers=bearer(other.api_key), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def scope(pm: TestClient) -> int:
    return scope_of(pm)


@pytest.fixture
def service(pm: TestClient) -> int:
    return service_of(pm)
