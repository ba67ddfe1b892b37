"""Small builders shared by API tests."""

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from vigil import clock
from vigil.alerts.routing_keys import create_routing_key
from vigil.db import transaction
from vigil.engine.worker import Handler, Worker
from vigil.incidents.models import Incident, Target
from vigil.incidents.recipients import Paged, add_recipients
from vigil.oncall import policies
from vigil.oncall.policies import EntrySpec, StepSpec
from vigil.people import teams, users
from vigil.people.users import UserFields


def user_body(username: str = "ada", **overrides: Any) -> dict[str, Any]:
    body = {
        "username": username,
        "firstName": "Ada",
        "lastName": "Lovelace",
        "email": f"{username.replace('@', '.')}@example.com",
    }
    return body | overrides


def add_user(client: TestClient, username: str = "ada", **overrides: Any) -> dict[str, Any]:
    response = client.post("/api-public/v1/user", json=user_body(username, **overrides))
    assert response.status_code == 200, response.text
    created: dict[str, Any] = response.json()
    return created


def api_routes(app: FastAPI) -> list[APIRoute]:
    """Every API route, including those of included routers (FastAPI nests them)."""

    def walk(routes: Iterable[Any]) -> Iterator[APIRoute]:
        for route in routes:
            if isinstance(route, APIRoute):
                yield route
            elif hasattr(route, "original_router"):
                yield from walk(route.original_router.routes)

    return list(walk(app.routes))


def add_named_team(client: TestClient, name: str = "Ops") -> dict[str, Any]:
    """A team made through the API (its slug is in the answer)."""
    response = client.post("/api-public/v1/team", json={"name": name})
    assert response.status_code == 200, response.text
    created: dict[str, Any] = response.json()
    return created


def weekly_shift(*usernames: str, **overrides: Any) -> dict[str, Any]:
    """A 24/7 shift handing off every Monday at 09:00 UTC from 2026-03-02 (a Monday)."""
    shift = {
        "label": "primary",
        "shiftType": "24/7",
        "timezone": "UTC",
        "start": "2026-03-02",
        "handoffTime": "09:00",
        "handoffEveryDays": 7,
        "members": list(usernames),
    }
    return shift | overrides


def add_rotation(
    client: TestClient, team_slug: str, *shifts: dict[str, Any], label: str = "Primary"
) -> dict[str, Any]:
    response = client.post(
        f"/api-public/v1/team/{team_slug}/rotations", json={"label": label, "shifts": list(shifts)}
    )
    assert response.status_code == 200, response.text
    created: dict[str, Any] = response.json()
    return created


def rotation_entry(slug: str, kind: str = "rotation_group") -> dict[str, Any]:
    return {"executionType": kind, "rotationGroup": {"slug": slug}}


def user_entry(username: str) -> dict[str, Any]:
    return {"executionType": "user", "user": {"username": username}}


def add_policy(
    client: TestClient,
    team_slug: str,
    *steps: list[dict[str, Any]],
    name: str = "Main",
    timeout: int = 5,
) -> dict[str, Any]:
    """An escalation policy whose steps are lists of entries (see rotation_entry, user_entry)."""
    body = {
        "name": name,
        "teamSlug": team_slug,
        "steps": [{"timeout": timeout, "entries": entries} for entries in steps],
    }
    response = client.post("/api-public/v1/policies", json=body)
    assert response.status_code == 200, response.text
    created: dict[str, Any] = response.json()
    return created


def mark_paged(sessions: sessionmaker[Session], org_id: int, number: int | str) -> None:
    """What the paging engine leaves behind: each target of the incident noted as paged (a
    policy with team Ops, `team-ops`)."""
    with transaction(sessions) as session:
        incident_id = session.scalars(
            select(Incident.id).where(Incident.org_id == org_id, Incident.number == int(number))
        ).one()
        targets = session.scalars(select(Target).where(Target.incident_id == incident_id)).all()
        paged = [
            Paged(t.kind, n, t.slug, t.slug, ("team-ops", "Ops") if t.kind == "policy" else None)
            for n, t in enumerate(targets)
        ]
        add_recipients(session, org_id, incident_id, paged, clock.now())


def paging_routing_key(sessions: sessionmaker[Session], org_id: int, name: str = "ops") -> None:
    """Routing key `name` paging a policy of its own team that pages its own user
    (`pager-<name>`), so incidents opened on it ask the engine to page."""
    with transaction(sessions) as session:
        pager = users.create_user(
            session,
            org_id,
            UserFields(f"pager-{name}", "Pat", "Pager", f"pager-{name}@example.com"),
        )
        team = teams.create_team(session, org_id, f"Pagers {name}")
        step = StepSpec(5, (EntrySpec("user", pager.username),))
        policy = policies.create_policy(session, org_id, team, "Pagers", [step])
        create_routing_key(session, org_id, name, [policy.slug])


def run_all_due(sessions: sessionmaker[Session], handlers: Mapping[str, Handler]) -> int:
    """Run every timer due now, batch after batch (timers other tests left due share the
    database and would crowd a single batch); returns how many ran."""
    worker = Worker(sessions, handlers)
    ran = 0
    for _ in range(100):
        batch = worker.run_due()
        ran += batch
        if not batch:
            break
    return ran
