"""A page's maintenances: `/v1/{page_id}/maintenances[/{maintenance_id}]`, backed by
maintenance windows that mute no paging."""

from datetime import UTC, datetime
from typing import Any

import time_machine
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.api.instatus.helpers import add_component, add_maintenance, maintenance_body
from tests.conftest import QueryCounter
from vigil.db import transaction
from vigil.engine.worker import Worker
from vigil.maintenance import windows
from vigil.maintenance.automation import HANDLERS
from vigil.maintenance.models import MaintenanceMode
from vigil.orgs.service import NewOrganization


def shown_statuses(client: TestClient, page_id: str) -> dict[str, str]:
    """What the page shows for each component now, by component id."""
    response = client.get(f"/v1/{page_id}/components")
    assert response.status_code == 200, response.text
    return {c["id"]: c["status"] for c in response.json()}


def test_a_maintenance_is_made_from_instatus_example(instatus: TestClient, page_id: str) -> None:
    web = add_component(instatus, page_id)
    made = add_maintenance(
        instatus,
        page_id,
        [web],
        statuses=[{"id": web, "status": "UNDERMAINTENANCE"}],
        translations={"name": {"fr": "Entretien des tests"}, "message": {"fr": "Nous planifions"}},
    )
    assert made["id"].startswith("mw-")
    assert {k: made[k] for k in ("name", "status", "start", "end", "duration")} == {
        "name": "Test maintenance",
        "status": "NOTSTARTEDYET",
        "start": "2026-03-10T05:38:47.998Z",
        "end": "2026-03-10T06:38:47.998Z",
        "duration": 60,
    }
    flags = ("notifyStart", "notifyEnd", "notifyEarly", "notifyMinutes", "autoStart", "autoEnd")
    assert [made[k] for k in flags] == [True, True, True, 60, True, True]
    assert [c["id"] for c in made["components"]] == [web]
    assert made["components"][0]["site"]["id"] == page_id
    assert made["statuses"] == [{"id": web, "status": "UNDERMAINTENANCE"}]
    assert made["translations"]["name"] == {"fr": "Entretien des tests"}
    [first] = made["updates"]
    assert first["message"] == "We are scheduling a test maintenance"
    assert first["messageHtml"] == "<p>We are scheduling a test maintenance</p>"
    assert (first["status"], first["notify"]) == ("NOTSTARTEDYET", True)


def test_an_iso_start_with_z_and_a_duration_are_accepted(
    instatus: TestClient, page_id: str
) -> None:
    body = maintenance_body([], start="2026-03-10T05:00:00Z", duration=90)
    del body["end"]
    made = instatus.post(f"/v1/{page_id}/maintenances", json=body).json()
    assert (made["start"], made["end"], made["duration"]) == (
        "2026-03-10T05:00:00.000Z",
        "2026-03-10T06:30:00.000Z",
        90,
    )


def test_a_maintenance_made_with_autostart_starts_and_ends_on_schedule(
    instatus: TestClient,
    page_id: str,
    sessions: sessionmaker[Session],
    travel: time_machine.Traveller,
) -> None:
    web = add_component(instatus, page_id)
    api = add_component(instatus, page_id, "API")
    made = add_maintenance(instatus, page_id, [web])
    one = f"/v1/{page_id}/maintenances/{made['id']}"
    engine = Worker(sessions, HANDLERS)

    travel.move_to(datetime(2026, 3, 10, 5, 39, tzinfo=UTC))
    engine.run_due()
    assert instatus.get(one).json()["status"] == "INPROGRESS"
    assert shown_statuses(instatus, page_id) == {web: "UNDERMAINTENANCE", api: "OPERATIONAL"}
    components = instatus.get(f"/v1/{page_id}/components").json()
    assert [c["status"] for c in components] == ["UNDERMAINTENANCE", "OPERATIONAL"]

    travel.move_to(datetime(2026, 3, 10, 6, 40, tzinfo=UTC))
    engine.run_due()
    ended = instatus.get(one).json()
    assert ended["status"] == "COMPLETED"
    assert [u["status"] for u in ended["updates"]] == ["COMPLETED", "INPROGRESS", "NOTSTARTEDYET"]
    assert shown_statuses(instatus, page_id) == {web: "OPERATIONAL", api: "OPERATIONAL"}


def test_a_maintenance_mutes_no_paging(
    instatus: TestClient, page_id: str, org: NewOrganization, sessions: sessionmaker[Session]
) -> None:
    made = add_maintenance(instatus, page_id, [], status="INPROGRESS")
    assert made["status"] == "INPROGRESS"
    with transaction(sessions) as session:
        assert windows.get_window(session, org.org.id, made["id"]).window.mutes_paging is False
        modes = select(func.count()).select_from(MaintenanceMode)
        assert session.scalar(modes.where(MaintenanceMode.org_id == org.org.id)) == 0


def test_created_in_progress_it_starts_at_once(instatus: TestClient, page_id: str) -> None:
    made = add_maintenance(instatus, page_id, [], status="INPROGRESS")
    assert made["status"] == "INPROGRESS"
    assert made["start"] == "2026-03-02T12:00:00.000Z"


def test_a_maintenance_is_read_back(instatus: TestClient, page_id: str) -> None:
    made = add_maintenance(instatus, page_id, [])
    response = instatus.get(f"/v1/{page_id}/maintenances/{made['id']}")
    assert response.status_code == 200
    assert response.json() == made


def test_maintenances_are_listed_latest_first_in_constant_queries(
    instatus: TestClient,
    page_id: str,
    queries: QueryCounter,
    travel: time_machine.Traveller,
) -> None:
    web = add_component(instatus, page_id)
    for n in range(3):
        travel.shift(60)
        add_maintenance(instatus, page_id, [web], name=f"m{n}")
    queries.statements.clear()
    response = instatus.get(f"/v1/{page_id}/maintenances")
    assert [m["name"] for m in response.json()] == ["m2", "m1", "m0"]
    assert all(len(m["updates"]) == 1 and len(m["components"]) == 1 for m in response.json())
    assert queries.count == 7  # key, page, windows, occurrences, publications, components, updates


def test_maintenances_are_paginated(
    instatus: TestClient, page_id: str, travel: time_machine.Traveller
) -> None:
    for n in range(3):
        travel.shift(60)
        add_maintenance(instatus, page_id, [], name=f"m{n}")
    url = f"/v1/{page_id}/maintenances"
    assert [m["name"] for m in instatus.get(url, params={"per_page": 2}).json()] == ["m2", "m1"]
    second = instatus.get(url, params={"page": 2, "per_page": 2}).json()
    assert [m["name"] for m in second] == ["m0"]
    assert instatus.get(url, params={"page": 3, "per_page": 2}).json() == []


def test_per_page_over_100_is_400_in_instatus_format(instatus: TestClient, page_id: str) -> None:
    response = instatus.get(f"/v1/{page_id}/maintenances", params={"per_page": 101})
    assert response.status_code == 400
    assert response.json() == {
        "error": {"code": "bad_request", "message": "per_page is from 1 to 100"}
    }


def test_a_page_number_that_is_not_a_number_is_400(instatus: TestClient, page_id: str) -> None:
    response = instatus.get(f"/v1/{page_id}/maintenances", params={"page": "two"})
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "page must be a whole number; got 'two'"


def test_a_maintenance_is_changed(instatus: TestClient, page_id: str) -> None:
    web = add_component(instatus, page_id)
    api = add_component(instatus, page_id, "API")
    made = add_maintenance(instatus, page_id, [web])
    response = instatus.put(
        f"/v1/{page_id}/maintenances/{made['id']}",
        json={
            "name": "Test maintenance 2",
            "start": "2026-03-11 05:00:00.000",
            "end": "2026-03-11 07:00:00.000",
            "components": [web, api],
            "statuses": [{"id": api, "status": "PARTIALOUTAGE"}],
            "notifyEarly": False,
            "translations": {"name": {"fr": "Entretien 2"}},
        },
    )
    assert response.status_code == 200, response.text
    changed = response.json()
    assert (changed["name"], changed["start"], changed["duration"]) == (
        "Test maintenance 2",
        "2026-03-11T05:00:00.000Z",
        120,
    )
    assert changed["statuses"] == [
        {"id": web, "status": "UNDERMAINTENANCE"},
        {"id": api, "status": "PARTIALOUTAGE"},
    ]
    assert (changed["notifyEarly"], changed["notifyMinutes"]) == (False, None)
    assert changed["translations"] == {"name": {"fr": "Entretien 2"}}


def test_status_inprogress_then_completed_starts_and_ends_it(
    instatus: TestClient, page_id: str
) -> None:
    made = add_maintenance(instatus, page_id, [])
    one = f"/v1/{page_id}/maintenances/{made['id']}"
    assert instatus.put(one, json={"status": "INPROGRESS"}).json()["status"] == "INPROGRESS"
    assert instatus.put(one, json={"status": "COMPLETED"}).json()["status"] == "COMPLETED"


def test_completing_a_maintenance_not_started_cancels_it(
    instatus: TestClient, page_id: str, org: NewOrganization, sessions: sessionmaker[Session]
) -> None:
    made = add_maintenance(instatus, page_id, [])
    response = instatus.put(
        f"/v1/{page_id}/maintenances/{made['id']}", json={"status": "COMPLETED"}
    )
    assert response.json()["status"] == "COMPLETED"
    with transaction(sessions) as session:
        assert windows.get_window(session, org.org.id, made["id"]).current.status == "canceled"


def test_a_started_maintenance_cannot_go_back_to_notstartedyet(
    instatus: TestClient, page_id: str
) -> None:
    made = add_maintenance(instatus, page_id, [], status="INPROGRESS")
    response = instatus.put(
        f"/v1/{page_id}/maintenances/{made['id']}", json={"status": "NOTSTARTEDYET"}
    )
    assert response.status_code == 409
    assert response.json()["error"] == {
        "code": "conflict",
        "message": "The maintenance has started: it cannot be scheduled again",
    }


def test_an_unknown_maintenance_status_is_400(instatus: TestClient, page_id: str) -> None:
    response = instatus.post(
        f"/v1/{page_id}/maintenances", json=maintenance_body([], status="SOON")
    )
    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith("Unknown maintenance status 'SOON'")


def test_an_unknown_component_is_400(instatus: TestClient, page_id: str) -> None:
    response = instatus.post(f"/v1/{page_id}/maintenances", json=maintenance_body(["cknope"]))
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "Unknown component(s) on this page: cknope"


def test_an_unknown_component_status_is_400(instatus: TestClient, page_id: str) -> None:
    web = add_component(instatus, page_id)
    body = maintenance_body([web], statuses=[{"id": web, "status": "DOWN"}])
    response = instatus.post(f"/v1/{page_id}/maintenances", json=body)
    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith("Unknown component status 'DOWN'")


def test_an_end_before_the_start_is_400(instatus: TestClient, page_id: str) -> None:
    body = maintenance_body([], end="2026-03-10 04:00:00")
    response = instatus.post(f"/v1/{page_id}/maintenances", json=body)
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "end must be after start"


def test_a_start_that_is_no_date_is_400(instatus: TestClient, page_id: str) -> None:
    response = instatus.post(
        f"/v1/{page_id}/maintenances", json=maintenance_body([], start="tomorrow")
    )
    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith("start must be a date and time")


def test_a_maintenance_without_an_end_or_duration_is_400(
    instatus: TestClient, page_id: str
) -> None:
    body: dict[str, Any] = maintenance_body([])
    del body["end"]
    response = instatus.post(f"/v1/{page_id}/maintenances", json=body)
    assert response.status_code == 400
    assert "end or duration" in response.json()["error"]["message"]


def test_a_maintenance_without_a_name_is_400(instatus: TestClient, page_id: str) -> None:
    body = maintenance_body([])
    del body["name"]
    response = instatus.post(f"/v1/{page_id}/maintenances", json=body)
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "name is required"


def test_translations_of_other_fields_are_400(instatus: TestClient, page_id: str) -> None:
    body = maintenance_body([], translations={"title": {"fr": "Titre"}})
    response = instatus.post(f"/v1/{page_id}/maintenances", json=body)
    assert response.status_code == 400
    assert response.json()["error"]["message"] == (
        "Translations are for name, message, not 'title'"
    )


def test_a_maintenance_is_deleted(instatus: TestClient, page_id: str) -> None:
    made = add_maintenance(instatus, page_id, [])
    one = f"/v1/{page_id}/maintenances/{made['id']}"
    response = instatus.delete(one)
    assert response.json() == {"id": made["id"]}
    assert instatus.get(one).status_code == 404


def test_a_started_maintenance_cannot_be_deleted(instatus: TestClient, page_id: str) -> None:
    made = add_maintenance(instatus, page_id, [], status="INPROGRESS")
    response = instatus.delete(f"/v1/{page_id}/maintenances/{made['id']}")
    assert response.status_code == 409
    assert response.json()["error"] == {
        "code": "conflict",
        "message": "The window has started at least once: cancel it instead of deleting it",
    }


def test_an_unknown_maintenance_is_404(instatus: TestClient, page_id: str) -> None:
    response = instatus.get(f"/v1/{page_id}/maintenances/mw-nothing")
    assert response.status_code == 404
    assert response.json()["error"]["message"] == f"No maintenance mw-nothing on page {page_id}"


def test_a_maintenance_of_another_page_is_404(
    instatus: TestClient, page_id: str, org: NewOrganization
) -> None:
    other = instatus.post("/v1/pages", json={"name": "B", "subdomain": f"b-{org.org.id}"}).json()
    made = add_maintenance(instatus, other["id"], [])
    assert instatus.get(f"/v1/{page_id}/maintenances/{made['id']}").status_code == 404


def test_a_read_only_key_cannot_schedule(read_only: TestClient, page_id: str) -> None:
    response = read_only.post(f"/v1/{page_id}/maintenances", json=maintenance_body([]))
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"


def test_changing_or_deleting_an_unknown_maintenance_is_404(
    instatus: TestClient, page_id: str
) -> None:
    one = f"/v1/{page_id}/maintenances/mw-nothing"
    for response in (instatus.put(one, json={"name": "x"}), instatus.delete(one)):
        assert response.status_code == 404
        assert response.json()["error"] == {
            "code": "not_found",
            "message": f"No maintenance mw-nothing on page {page_id}",
        }


def test_a_change_that_is_not_valid_is_400_and_changes_nothing(
    instatus: TestClient, page_id: str
) -> None:
    made = add_maintenance(instatus, page_id, [])
    one = f"/v1/{page_id}/maintenances/{made['id']}"
    response = instatus.put(one, json={"name": "Moved", "end": "2026-03-10 04:00:00"})
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "end must be after start"
    response = instatus.put(one, json={"status": "SOON"})
    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith("Unknown maintenance status 'SOON'")
    assert instatus.get(one).json() == made


def test_the_early_notice_is_the_windows_reminder(
    instatus: TestClient, page_id: str, org: NewOrganization, sessions: sessionmaker[Session]
) -> None:
    made = add_maintenance(instatus, page_id, [])
    one = f"/v1/{page_id}/maintenances/{made['id']}"

    def reminders() -> list[int]:
        with transaction(sessions) as session:
            return list(windows.get_window(session, org.org.id, made["id"]).window.reminders)

    assert reminders() == [60]
    changed = instatus.put(one, json={"notifyMinutes": 15}).json()
    assert (changed["notifyEarly"], changed["notifyMinutes"], reminders()) == (True, 15, [15])
    changed = instatus.put(one, json={"name": "Renamed"}).json()
    assert (changed["notifyEarly"], changed["notifyMinutes"], reminders()) == (True, 15, [15])
    changed = instatus.put(one, json={"notifyEarly": False, "notifyMinutes": 30}).json()
    assert (changed["notifyEarly"], changed["notifyMinutes"], reminders()) == (False, None, [])
    changed = instatus.put(one, json={"notifyEarly": True}).json()
    assert (changed["notifyEarly"], changed["notifyMinutes"], reminders()) == (True, 60, [60])
