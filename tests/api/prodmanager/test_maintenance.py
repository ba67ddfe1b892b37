"""Prod Manager maintenances: create, get (with events and links), update (values, schedule,
status), comment, delete and the calendar. Each is a Vigil window that mutes no paging."""

from datetime import UTC, datetime, timedelta

import time_machine
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.api.prodmanager.helpers import (
    create,
    maintenance_form,
    reasons,
    scope_of,
    service_of,
    update,
    valid,
)
from tests.conftest import QueryCounter
from vigil.db import transaction
from vigil.engine.worker import Worker
from vigil.maintenance import windows
from vigil.maintenance.automation import HANDLERS
from vigil.maintenance.models import MaintenanceWindow
from vigil.orgs.service import NewOrganization

START = datetime(2026, 3, 3, 2, 0, tzinfo=UTC)


def window_of(sessions: sessionmaker[Session], maintenance_id: int) -> MaintenanceWindow:
    with transaction(sessions) as session:
        found = session.get(MaintenanceWindow, maintenance_id)
        assert found is not None
        session.expunge(found)
        return found


def get(client: TestClient, maintenance_id: int) -> dict[str, object]:
    found: dict[str, object] = valid(client.get(f"/api/maintenance/{maintenance_id}"))
    return found


def run_engine(sessions: sessionmaker[Session]) -> None:
    """Run every maintenance timer due now (other tests' too: the database is shared, and one
    call runs a batch)."""
    worker = Worker(sessions, HANDLERS)
    for _ in range(1000):
        if not worker.run_due():
            return


# --- create -----------------------------------------------------------------------------------


def test_a_maintenance_is_created_from_the_form_and_answered_as_prod_manager_does(
    pm: TestClient, scope: int, service: int
) -> None:
    created = create(pm, scope, service)
    assert {k: v for k, v in created.items() if k not in ("id", "events", "links")} == {
        "name": "DB upgrade",
        "description": "PostgreSQL 16",
        "external_reference": "CHG-1234",
        "external_link": "https://changes.example.com/CHG-1234",
        "status": "scheduled",
        "service_status": "degraded",
        "scope": scope,
        "service": service,
        "creation_date": "2026-03-02T12:00",
        "scheduled_start_date": "2026-03-03T02:00",
        "scheduled_end_date": "2026-03-03T04:00",
    }
    mid = created["id"]
    assert created["links"] == {
        "self": f"http://127.0.0.1:8080/api/maintenance/{mid}",
        "scope": f"http://127.0.0.1:8080/api/scope/{scope}",
        "service": f"http://127.0.0.1:8080/api/service/{service}",
        "calendar": f"http://127.0.0.1:8080/api/maintenance/{mid}/calendar",
    }
    assert created["events"] == [
        {
            "creation_date": "2026-03-02T12:00",
            "type": "create",
            "content": "Maintenance created",
            "internal": True,
        }
    ]


def test_the_id_is_the_windows_and_the_window_mutes_no_paging_on_a_utc_schedule(
    pm: TestClient, scope: int, service: int, sessions: sessionmaker[Session]
) -> None:
    window = window_of(sessions, create(pm, scope, service)["id"])
    assert (window.title, window.zone, window.start_local) == (
        "DB upgrade",
        "UTC",
        datetime(2026, 3, 3, 2, 0),
    )
    assert window.duration_seconds == 2 * 3600
    assert (window.mutes_paging, window.auto_start, window.auto_end) == (False, True, True)
    assert (window.external_ref, window.created_by) == ("CHG-1234", "Prod Manager API")


def test_optional_fields_may_be_left_out_and_are_then_absent_from_the_answer(
    pm: TestClient, scope: int, service: int
) -> None:
    form = maintenance_form(scope, service)
    for name in ("description", "external_reference", "external_link"):
        del form[name]
    created = valid(pm.post("/api/maintenance/create", data=form))
    assert created["description"] == ""
    assert "external_reference" not in created
    assert "external_link" not in created
    assert "start_date" not in created and "end_date" not in created


def test_every_missing_required_field_is_named_in_the_reasons(pm: TestClient) -> None:
    response = pm.post("/api/maintenance/create", data={"description": "no"})
    assert response.status_code == 400
    assert set(reasons(response)) == {
        "scope",
        "service",
        "name",
        "service_status",
        "scheduled_start_date",
        "scheduled_end_date",
    }
    assert reasons(response)["name"] == ["this field is required"]


def test_external_link_must_be_a_url(pm: TestClient, scope: int, service: int) -> None:
    form = maintenance_form(scope, service, external_link="not a url")
    response = pm.post("/api/maintenance/create", data=form)
    valid(response, 400)
    assert list(reasons(response)) == ["external_link"]


def test_dates_must_be_prod_managers_format(pm: TestClient, scope: int, service: int) -> None:
    form = maintenance_form(scope, service, scheduled_start_date="03/03/2026 02:00")
    response = pm.post("/api/maintenance/create", data=form)
    valid(response, 400)
    assert "YYYY-MM-DDTHH:MM" in reasons(response)["scheduled_start_date"][0]


def test_the_end_must_come_after_the_start(pm: TestClient, scope: int, service: int) -> None:
    form = maintenance_form(scope, service, scheduled_end_date="2026-03-03T01:00")
    response = pm.post("/api/maintenance/create", data=form)
    valid(response, 400)
    assert reasons(response) == {"scheduled_end_date": ["must be after scheduled_start_date"]}


def test_a_maintenance_already_over_is_refused(pm: TestClient, scope: int, service: int) -> None:
    form = maintenance_form(
        scope,
        service,
        scheduled_start_date="2026-03-01T02:00",
        scheduled_end_date="2026-03-01T03:00",
    )
    response = pm.post("/api/maintenance/create", data=form)
    valid(response, 400)
    assert "past" in response.json()["message"]


def test_service_status_must_be_up_degraded_or_down(
    pm: TestClient, scope: int, service: int
) -> None:
    response = pm.post(
        "/api/maintenance/create", data=maintenance_form(scope, service, service_status="slow")
    )
    valid(response, 400)
    assert reasons(response) == {"service_status": ["expected one of up, degraded, down"]}


def test_an_unknown_scope_or_service_is_a_bad_field(
    pm: TestClient, scope: int, service: int
) -> None:
    form = maintenance_form(scope + 1000, service + 1000)
    response = pm.post("/api/maintenance/create", data=form)
    valid(response, 400)
    assert reasons(response) == {"scope": [f"no scope {scope + 1000}"]}


def test_another_organizations_scope_cannot_be_used(
    pm: TestClient, service: int, other_org_pm: TestClient
) -> None:
    theirs = scope_of(other_org_pm)
    response = pm.post("/api/maintenance/create", data=maintenance_form(theirs, service))
    valid(response, 400)
    assert reasons(response) == {"scope": [f"no scope {theirs}"]}


def test_a_status_other_than_scheduled_is_refused_at_creation(
    pm: TestClient, scope: int, service: int
) -> None:
    valid(
        pm.post(
            "/api/maintenance/create", data=maintenance_form(scope, service, status="scheduled")
        )
    )
    form = maintenance_form(scope, service, status="in-progress", start_date="2026-03-02T11:00")
    response = pm.post("/api/maintenance/create", data=form)
    valid(response, 400)
    assert set(reasons(response)) == {"status", "start_date"}


def test_update_to_an_unknown_service_is_a_bad_field(
    pm: TestClient, scope: int, service: int
) -> None:
    mid = create(pm, scope, service)["id"]
    response = update(pm, mid, service=service + 1000)
    valid(response, 400)
    assert list(reasons(response)) == ["service"]


# --- get --------------------------------------------------------------------------------------


def test_get_answers_the_maintenance_in_two_queries_after_authentication(
    pm: TestClient, scope: int, service: int, queries: QueryCounter
) -> None:
    mid = create(pm, scope, service)["id"]
    queries.statements.clear()
    found = get(pm, mid)
    assert found["id"] == mid
    assert queries.count == 3  # the key, the maintenance, its events


def test_an_unknown_maintenance_is_404_in_prod_managers_error_body(pm: TestClient) -> None:
    response = pm.get("/api/maintenance/999999")
    valid(response, 404)
    assert response.json() == {"message": "No maintenance 999999", "reasons": {}}


def test_a_non_numeric_id_is_404(pm: TestClient) -> None:
    response = pm.get("/api/maintenance/abc")
    valid(response, 404)


def test_another_organizations_maintenance_is_404(
    pm: TestClient, scope: int, service: int, other_org_pm: TestClient
) -> None:
    mid = create(pm, scope, service)["id"]
    response = other_org_pm.get(f"/api/maintenance/{mid}")
    valid(response, 404)
    assert response.json() == {"message": f"No maintenance {mid}", "reasons": {}}


# --- update: values and schedule --------------------------------------------------------------


def test_update_changes_only_what_is_sent(pm: TestClient, scope: int, service: int) -> None:
    mid = create(pm, scope, service)["id"]
    changed = valid(update(pm, mid, name="DB upgrade to 16.2", service_status="down"))
    assert (changed["name"], changed["service_status"]) == ("DB upgrade to 16.2", "down")
    assert (changed["description"], changed["external_reference"]) == ("PostgreSQL 16", "CHG-1234")
    assert changed["events"][-1] == {
        "creation_date": "2026-03-02T12:00",
        "type": "update",
        "content": "Changed: name",
        "internal": True,
    }


def test_sending_every_field_back_unchanged_changes_nothing(
    pm: TestClient, scope: int, service: int
) -> None:
    created = create(pm, scope, service)
    form = maintenance_form(scope, service, status="scheduled")
    changed = valid(update(pm, created["id"], **form))
    assert changed["events"] == created["events"]


def test_update_moves_to_another_scope_and_service(
    pm: TestClient, scope: int, service: int
) -> None:
    mid = create(pm, scope, service)["id"]
    database = service_of(pm, "Database")
    changed = valid(update(pm, mid, service=database))
    assert changed["service"] == database
    assert changed["links"]["service"].endswith(f"/api/service/{database}")


def test_update_reschedules_a_scheduled_maintenance(
    pm: TestClient, scope: int, service: int
) -> None:
    mid = create(pm, scope, service)["id"]
    changed = valid(
        update(
            pm, mid, scheduled_start_date="2026-03-04T02:00", scheduled_end_date="2026-03-04T05:00"
        )
    )
    assert (changed["scheduled_start_date"], changed["scheduled_end_date"]) == (
        "2026-03-04T02:00",
        "2026-03-04T05:00",
    )


def test_update_refuses_a_bad_external_link(pm: TestClient, scope: int, service: int) -> None:
    mid = create(pm, scope, service)["id"]
    response = update(pm, mid, external_link="ftp//nowhere")
    valid(response, 400)
    assert list(reasons(response)) == ["external_link"]


def test_update_of_an_unknown_maintenance_is_404(pm: TestClient) -> None:
    valid(update(pm, 999999, name="x"), 404)


# --- update: status ---------------------------------------------------------------------------


def test_in_progress_starts_the_window_now(pm: TestClient, scope: int, service: int) -> None:
    mid = create(pm, scope, service)["id"]
    changed = valid(update(pm, mid, status="in-progress"))
    assert (changed["status"], changed["start_date"]) == ("in-progress", "2026-03-02T12:00")
    assert "end_date" not in changed


def test_in_progress_with_a_start_date_records_when_it_started(
    pm: TestClient, scope: int, service: int
) -> None:
    mid = create(pm, scope, service)["id"]
    changed = valid(update(pm, mid, status="in-progress", start_date="2026-03-02T11:30"))
    assert changed["start_date"] == "2026-03-02T11:30"


def test_a_start_date_in_the_future_is_refused(pm: TestClient, scope: int, service: int) -> None:
    mid = create(pm, scope, service)["id"]
    response = update(pm, mid, status="in-progress", start_date="2026-03-02T13:00")
    valid(response, 400)
    assert reasons(response) == {"start_date": ["cannot be in the future"]}


def test_succeed_ends_the_window_with_that_outcome(
    pm: TestClient, scope: int, service: int, travel: time_machine.Traveller
) -> None:
    mid = create(pm, scope, service)["id"]
    valid(update(pm, mid, status="in-progress"))
    travel.shift(timedelta(minutes=30))
    changed = valid(update(pm, mid, status="succeed"))
    assert (changed["status"], changed["end_date"]) == ("succeed", "2026-03-02T12:30")


def test_failed_ends_the_window_as_failed(pm: TestClient, scope: int, service: int) -> None:
    mid = create(pm, scope, service)["id"]
    changed = valid(update(pm, mid, status="failed"))
    assert (changed["status"], changed["start_date"], changed["end_date"]) == (
        "failed",
        "2026-03-02T12:00",
        "2026-03-02T12:00",
    )


def test_canceled_cancels_a_scheduled_maintenance(pm: TestClient, scope: int, service: int) -> None:
    mid = create(pm, scope, service)["id"]
    changed = valid(update(pm, mid, status="canceled"))
    assert changed["status"] == "canceled"
    assert "start_date" not in changed


def test_a_maintenance_in_progress_cannot_be_canceled(
    pm: TestClient, scope: int, service: int
) -> None:
    mid = create(pm, scope, service)["id"]
    valid(update(pm, mid, status="in-progress"))
    response = update(pm, mid, status="canceled")
    valid(response, 409)
    assert "succeed or failed" in response.json()["message"]


def test_a_finished_maintenance_cannot_go_back_to_scheduled(
    pm: TestClient, scope: int, service: int
) -> None:
    mid = create(pm, scope, service)["id"]
    valid(update(pm, mid, status="succeed"))
    valid(update(pm, mid, status="scheduled"), 409)


def test_an_unknown_status_is_400(pm: TestClient, scope: int, service: int) -> None:
    mid = create(pm, scope, service)["id"]
    response = update(pm, mid, status="done")
    valid(response, 400)
    assert list(reasons(response)) == ["status"]


def test_the_end_of_a_maintenance_in_progress_can_move(
    pm: TestClient, scope: int, service: int
) -> None:
    mid = create(pm, scope, service, scheduled_start_date="2026-03-02T11:00")
    mid = mid["id"]
    valid(update(pm, mid, status="in-progress"))
    changed = valid(update(pm, mid, scheduled_end_date="2026-03-03T06:00"))
    assert changed["scheduled_end_date"] == "2026-03-03T06:00"


def test_the_start_of_a_maintenance_in_progress_cannot_move(
    pm: TestClient, scope: int, service: int
) -> None:
    mid = create(pm, scope, service)["id"]
    valid(update(pm, mid, status="in-progress"))
    valid(update(pm, mid, scheduled_start_date="2026-03-02T10:00"), 409)


def test_the_engine_starts_and_ends_it_on_schedule(
    pm: TestClient,
    scope: int,
    service: int,
    sessions: sessionmaker[Session],
    travel: time_machine.Traveller,
) -> None:
    mid = create(pm, scope, service)["id"]
    travel.move_to(START)
    run_engine(sessions)
    assert get(pm, mid)["status"] == "in-progress"
    travel.move_to(START + timedelta(hours=2))
    run_engine(sessions)
    found = get(pm, mid)
    assert (found["status"], found["end_date"]) == ("succeed", "2026-03-03T04:00")


# --- comments ---------------------------------------------------------------------------------


def test_a_comment_is_added_to_the_events(pm: TestClient, scope: int, service: int) -> None:
    mid = create(pm, scope, service)["id"]
    response = pm.post(f"/api/maintenance/{mid}/comment", data={"comment": "Going well"})
    found = valid(response, like=f"/api/maintenance/{mid}")
    assert found["events"][-1] == {
        "creation_date": "2026-03-02T12:00",
        "type": "comment",
        "content": "Going well",
        "internal": False,
    }


def test_an_internal_comment_is_marked_internal(pm: TestClient, scope: int, service: int) -> None:
    mid = create(pm, scope, service)["id"]
    response = pm.post(
        f"/api/maintenance/{mid}/comment", data={"comment": "Replica lag", "internal": "1"}
    )
    assert valid(response, like=f"/api/maintenance/{mid}")["events"][-1]["internal"] is True


def test_a_comment_needs_text(pm: TestClient, scope: int, service: int) -> None:
    mid = create(pm, scope, service)["id"]
    response = pm.post(f"/api/maintenance/{mid}/comment", data={"internal": "2"})
    assert response.status_code == 400
    assert reasons(response) == {
        "comment": ["this field is required"],
        "internal": ["must be 0 or 1, got '2'"],
    }


def test_a_comment_on_an_unknown_maintenance_is_404(pm: TestClient) -> None:
    response = pm.post("/api/maintenance/999999/comment", data={"comment": "hello"})
    assert response.status_code == 404
    assert response.json() == {"message": "No maintenance 999999", "reasons": {}}


# --- delete -----------------------------------------------------------------------------------


def test_delete_removes_a_maintenance_not_started(
    pm: TestClient, scope: int, service: int, sessions: sessionmaker[Session]
) -> None:
    mid = create(pm, scope, service)["id"]
    assert valid(pm.post(f"/api/maintenance/{mid}/delete")) == {}
    assert pm.get(f"/api/maintenance/{mid}").status_code == 404
    with transaction(sessions) as session:
        assert session.get(MaintenanceWindow, mid) is None


def test_a_maintenance_that_started_cannot_be_deleted(
    pm: TestClient, scope: int, service: int
) -> None:
    mid = create(pm, scope, service)["id"]
    valid(update(pm, mid, status="in-progress"))
    response = pm.post(f"/api/maintenance/{mid}/delete")
    assert response.status_code == 409
    assert "cancel" in response.json()["message"]


def test_deleting_an_unknown_maintenance_is_404(pm: TestClient) -> None:
    valid(pm.post("/api/maintenance/999999/delete"), 404)


# --- calendar ---------------------------------------------------------------------------------


def test_the_calendar_is_an_ics_file_of_the_maintenance(
    pm: TestClient, scope: int, service: int
) -> None:
    mid = create(pm, scope, service)["id"]
    response = pm.get(f"/api/maintenance/{mid}/calendar")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    assert f'filename="maintenance-{mid}.ics"' in response.headers["content-disposition"]
    text = response.text.replace("\r\n ", "")
    assert "BEGIN:VEVENT" in text
    assert "SUMMARY:[CHG-1234] DB upgrade" in text
    assert "DTSTART:20260303T020000Z" in text
    assert "DTEND:20260303T040000Z" in text
    assert "STATUS:CONFIRMED" in text


def test_a_canceled_maintenances_calendar_says_cancelled(
    pm: TestClient, scope: int, service: int
) -> None:
    mid = create(pm, scope, service)["id"]
    valid(update(pm, mid, status="canceled"))
    assert "STATUS:CANCELLED" in pm.get(f"/api/maintenance/{mid}/calendar").text


def test_the_calendar_of_an_unknown_maintenance_is_404(pm: TestClient) -> None:
    assert pm.get("/api/maintenance/999999/calendar").status_code == 404


def test_the_timeline_is_the_windows(
    pm: TestClient, scope: int, service: int, sessions: sessionmaker[Session], org: NewOrganization
) -> None:
    mid = create(pm, scope, service)["id"]
    pm.post(f"/api/maintenance/{mid}/comment", data={"comment": "Note", "internal": "1"})
    with transaction(sessions) as session:
        key = window_of(sessions, mid).key
        kinds = [event.kind for event in windows.timeline(session, org.org.id, key)]
    assert kinds == ["created", "comment"]
