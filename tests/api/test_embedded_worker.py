import threading
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from vigil import clock
from vigil.api.app import create_app
from vigil.config import Settings
from vigil.db import transaction
from vigil.engine import handlers
from vigil.engine.models import Timer
from vigil.engine.timers import schedule
from vigil.orgs.service import NewOrganization


def engine_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "vigil-engine"]


def test_the_server_runs_due_timers_in_process_when_asked(
    settings: Settings, org: NewOrganization, monkeypatch: pytest.MonkeyPatch
) -> None:
    ran = threading.Event()

    def handler(_: Session, timer: Timer) -> None:
        if timer.payload.get("marker") == "embedded":
            ran.set()

    monkeypatch.setitem(handlers.HANDLERS, "test.embedded", handler)
    app = create_app(settings.model_copy(update={"embedded_worker": True}))
    with TestClient(app):
        with transaction(app.state.sessions) as session:
            schedule(session, org.org.id, "test.embedded", clock.now(), {"marker": "embedded"})
        assert ran.wait(timeout=10)
    assert engine_threads() == []


def test_the_server_runs_no_engine_when_told_not_to(settings: Settings) -> None:
    with TestClient(create_app(settings)):
        assert engine_threads() == []


def test_the_engine_runs_in_process_by_default_on_sqlite(tmp_path: Path) -> None:
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'embedded.db'}"))
    with TestClient(app):
        assert len(engine_threads()) == 1
