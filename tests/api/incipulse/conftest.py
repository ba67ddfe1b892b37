"""Incipulse clients: `incipulse` sends the organization's read-write key as `X-API-KEY`;
`page` is the organization's status page with two components (`page.web`, `page.api`)."""

from collections.abc import Iterator

import pytest
import time_machine
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.api.incipulse.helpers import Page, make_page
from tests.maintenance.builders import MONDAY
from vigil.db import transaction
from vigil.orgs.service import NewOrganization, create_api_key


def api_key(key: str) -> dict[str, str]:
    return {"X-API-KEY": key}


@pytest.fixture
def incipulse(app: FastAPI, org: NewOrganization) -> Iterator[TestClient]:
    with TestClient(app, headers=api_key(org.api_key), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def read_only_key(org: NewOrganization, sessions: sessionmaker[Session]) -> str:
    with transaction(sessions) as session:
        _, secret = create_api_key(session, org.org.id, read_only=True)
    return secret


@pytest.fixture
def read_only(app: FastAPI, read_only_key: str) -> Iterator[TestClient]:
    """A client of the same organization with a read-only key."""
    with TestClient(app, headers=api_key(read_only_key), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def page(sessions: sessionmaker[Session], org: NewOrganization) -> Page:
    return make_page(sessions, org, "acme")


@pytest.fixture(autouse=True)
def travel() -> Iterator[time_machine.Traveller]:
    """Every Incipulse test runs on Monday 2 March 2026 at noon UTC, the clock still."""
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller
