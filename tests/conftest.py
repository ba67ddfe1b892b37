"""Shared fixtures: one migrated database per run (SQLite or PostgreSQL), one organization per test.

Set VIGIL_TEST_DATABASE_URL to a PostgreSQL URL to run the suite there (a fresh database is
created from it and dropped afterwards); anything else, or nothing, runs on a SQLite file.
"""

import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from vigil.api.app import create_app
from vigil.cli import app as cli
from vigil.config import Settings, get_settings
from vigil.db import transaction
from vigil.migrations import upgrade
from vigil.orgs.service import NewOrganization, create_organization


def _requested_url() -> str:
    return os.environ.get("VIGIL_TEST_DATABASE_URL", "sqlite")


def is_postgres(url: str) -> bool:
    return url.startswith("postgresql")


def fresh_database(folder: Path) -> Iterator[str]:
    """A database of its own, empty, for tests that need to be alone in one (a file under
    `folder`, or a new PostgreSQL database dropped afterwards); iterate it once."""
    requested = _requested_url()
    if not is_postgres(requested):
        yield f"sqlite:///{folder / 'vigil-test.db'}"
        return
    name = f"vigil_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(requested, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(requested).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from fresh_database(tmp_path_factory.mktemp("db"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if is_postgres(_requested_url()):
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (VIGIL_TEST_DATABASE_URL)")
    for item in items:
        if "postgres_only" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    upgrade(database_url)
    return Settings(
        database_url=database_url,
        max_body_bytes=65_536,
        embedded_worker=False,
        status_page_cache_seconds=0,  # tests see each change at once; the cache has its own test
        # No request limits; tests/api/test_rate_limits.py builds an app with small ones.
        rate_limit_instatus="0",
        rate_limit_incipulse="0",
        rate_limit_prodmanager="0",
        rate_limit_prodmanager_anonymous="0",
    )


@pytest.fixture(scope="session")
def app(settings: Settings) -> FastAPI:
    return create_app(settings)


@pytest.fixture(scope="session")
def engine(app: FastAPI) -> Engine:
    bound: Engine = app.state.engine
    return bound


@pytest.fixture(scope="session")
def sessions(app: FastAPI) -> sessionmaker[Session]:
    factory: sessionmaker[Session] = app.state.sessions
    return factory


def new_org(sessions: sessionmaker[Session], name: str = "Acme") -> NewOrganization:
    with transaction(sessions) as session:
        return create_organization(session, name)


@pytest.fixture
def org(sessions: sessionmaker[Session]) -> NewOrganization:
    """A fresh organization: tests never see each other's data, on either database."""
    return new_org(sessions)


def vo_headers(created: NewOrganization, key: str | None = None) -> dict[str, str]:
    return {"X-VO-Api-Id": created.org.api_id, "X-VO-Api-Key": key or created.api_key}


@pytest.fixture
def client(app: FastAPI, org: NewOrganization) -> Iterator[TestClient]:
    """A client authenticated as `org` with its read-write key."""
    with TestClient(app, headers=vo_headers(org), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def anonymous(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def other_client(app: FastAPI, sessions: sessionmaker[Session]) -> Iterator[TestClient]:
    """A client of a second organization, for isolation tests."""
    other = new_org(sessions, "Other Org")
    with TestClient(app, headers=vo_headers(other), raise_server_exceptions=False) as test_client:
        yield test_client


@dataclass
class QueryCounter:
    statements: list[str]

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def queries(engine: Engine) -> Iterator[QueryCounter]:
    """Counts SQL statements, so endpoint tests can pin their number (no N+1 creeps in)."""
    counter = QueryCounter([])

    def record(*args: Any) -> None:
        counter.statements.append(args[2])

    event.listen(engine, "before_cursor_execute", record)
    yield counter
    event.remove(engine, "before_cursor_execute", record)


Run = Callable[..., tuple[int, str]]
"""run("org", "create", ...): the `vigil` command's exit code and output."""


@pytest.fixture
def run(database_url: str, settings: object, monkeypatch: pytest.MonkeyPatch) -> Iterator[Run]:
    """Invoke `vigil ...` against the test database."""
    monkeypatch.setenv("VIGIL_DATABASE_URL", database_url)
    get_settings.cache_clear()
    runner = CliRunner()

    def invoke(*args: str) -> tuple[int, str]:
        result = runner.invoke(cli, list(args))
        return result.exit_code, result.output

    yield invoke
    get_settings.cache_clear()
