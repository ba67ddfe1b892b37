"""Instatus clients: `instatus` sends the organization's read-write key as a Bearer token;
`page_id` is a page made through the API."""

from collections.abc import Iterator

import pytest
import time_machine
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.maintenance.builders import MONDAY
from vigil.db import transaction
from vigil.orgs.service import NewOrganization, create_api_key


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def instatus(app: FastAPI, org: NewOrganization) -> Iterator[TestClient]:
    with TestClient(app, headers=bearer(org.api_key), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def read_only(
    app: FastAPI, org: NewOrganization, sessions: sessionmaker[Session]
) -> Iterator[TestClient]:
    """A client of the same organization with a read-only key."""
    with transaction(sessions) as session:
        _, secret = create_api_key(session, org.org.id, read_only=True)
    with TestClient(app, headers=bearer(secret), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def page_id(instatus: TestClient, org: NewOrganization) -> str:
    subdomain = f"acme-{org.org.id}"
    response = instatus.post("/v1/pages", json={"name": "Acme", "subdomain": subdomain})
    assert response.status_code == 200, response.text
    made: str = response.json()["id"]
    return made


@pytest.fixture(autouse=True)
def travel() -> Iterator[time_machine.Traveller]:
    """Every Instatus test runs on Monday 2 March 2026 at noon UTC, the clock still."""
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller
