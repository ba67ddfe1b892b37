"""Maintenance through Incipulse: `POST /api/admin/Incident` with `Type: "Maintenance"`, its
updates and resolution, and `GET /api/maintenance/status`. Each is a maintenance window that
mutes no paging, published on the page of its components."""

from datetime import UTC, datetime, timedelta

import time_machine
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.api.incipulse.conftest import api_key
from tests.api.incipulse.helpers import (
    INCIDENT,
    RESOLVE,
    STATUS,
    Page,
    failure,
    maintenance_body,
    make_page,
    run_engine,
    schedule,
    shown_statuses,
)
from tests.conftest import QueryCounter, new_org
from vigil import clock
from vigil.db import transaction
from vigil.maintenance import windows
from vigil.maintenance.recurrence import Schedule
from vigil.maintenance.windows import WindowSpec
from vigil.orgs.service import NewOrganization
from vigil.statuspages import publications
from vigil.statuspages.pages import get_page

START = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)


def window_of(
    sessions: sessionmaker[Session], org: NewOrganization, key: str
) -> windows.WindowState:
    with transaction(sessions) as session:
        return windows.get_window(session, org.org.id, key)


def on_page(
    sessions: sessionmaker[Session], org: NewOrganization, page: Page, key: str
) -> publications.PageWindow:
    with transaction(sessions) as session:
        return publications.page_window(session, get_page(session, org.org.id, page.key), key)


def ongoing(client: TestClient) -> list[dict[str, str]]:
    response = client.get(STATUS)
    assert response.status_code == 200, response.text
    found: list[dict[str, str]] = response.json()["Result"]
    return found


# --- scheduling -------------------------------------------------------------------------------


def test_a_maintenance_is_scheduled_from_incipulses_example(
    incipulse: TestClient, page: Page
) -> None:
    response = incipulse.post(INCIDENT, json=maintenance_body([page.web]))
    assert response.status_code == 200
    body = response.json()
    assert body["Success"] is True
    assert body["Message"] == "Maintenance scheduled"
    assert body["Result"].startswith("mw-")


def test_a_maintenance_is_a_window_muting_no_paging_on_the_utc_schedule(
    incipulse: TestClient, page: Page, sessions: sessionmaker[Session], org: NewOrganization
) -> None:
    state = window_of(sessions, org, schedule(incipulse, [page.web]))
    assert state.window.title == "Scheduled Database Maintenance"
    assert state.window.description == "We will be performing routine database optimizations."
    assert (state.window.mutes_paging, state.window.auto_start, state.window.auto_end) == (
        False,
        True,
        True,
    )
    assert state.keys == []
    assert state.window.zone == "UTC"
    assert (state.current.planned_start, state.current.planned_end) == (
        START,
        START + timedelta(hours=2),
    )


def test_a_maintenance_shows_on_the_page_of_its_components_under_maintenance(
    incipulse: TestClient, page: Page, sessions: sessionmaker[Session], org: NewOrganization
) -> None:
    key = schedule(incipulse, [page.web, page.api])
    shown = on_page(sessions, org, page, key)
    assert shown.status == "NOTSTARTEDYET"
    assert shown.publication is not None
    assert [(c.key, status) for c, status in shown.components] == [
        (page.web, "UNDERMAINTENANCE"),
        (page.api, "UNDERMAINTENANCE"),
    ]


def test_is_notify_false_tells_no_subscriber_of_the_start_and_end(
    incipulse: TestClient, page: Page, sessions: sessionmaker[Session], org: NewOrganization
) -> None:
    publication = on_page(sessions, org, page, schedule(incipulse, [page.web], IsNotify=False))
    assert publication.publication is not None
    assert (publication.publication.notify_start, publication.publication.notify_end) == (
        False,
        False,
    )


def test_without_components_a_maintenance_goes_on_the_only_page(
    incipulse: TestClient, page: Page, sessions: sessionmaker[Session], org: NewOrganization
) -> None:
    key = schedule(incipulse, [])
    assert on_page(sessions, org, page, key).components == []


def test_without_components_and_with_several_pages_it_is_400(
    incipulse: TestClient, page: Page, sessions: sessionmaker[Session], org: NewOrganization
) -> None:
    make_page(sessions, org, "beta")
    response = incipulse.post(INCIDENT, json=maintenance_body([]))
    assert response.status_code == 400
    assert response.json() == failure(
        "There are several status pages: name AffectedComponents to say which page."
    )


def test_without_any_page_it_is_400(incipulse: TestClient) -> None:
    response = incipulse.post(INCIDENT, json=maintenance_body([]))
    assert response.status_code == 400
    assert response.json() == failure("There is no status page yet: make one first.")


def test_components_of_two_pages_are_400(
    incipulse: TestClient, page: Page, sessions: sessionmaker[Session], org: NewOrganization
) -> None:
    beta = make_page(sessions, org, "beta")
    response = incipulse.post(INCIDENT, json=maintenance_body([page.web, beta.web]))
    assert response.status_code == 400
    assert response.json() == failure("AffectedComponents must all be on one status page.")


def test_an_unknown_component_is_400(incipulse: TestClient, page: Page) -> None:
    response = incipulse.post(INCIDENT, json=maintenance_body([page.web, "nope"]))
    assert response.status_code == 400
    assert response.json() == failure("Unknown AffectedComponents: nope.")


def test_an_end_before_the_start_is_400(incipulse: TestClient, page: Page) -> None:
    body = maintenance_body([page.web], EndDate="2026-03-10T01:00:00Z")
    response = incipulse.post(INCIDENT, json=body)
    assert response.status_code == 400
    assert response.json() == failure("End date must be after start date.")


def test_an_end_at_the_start_is_400(incipulse: TestClient, page: Page) -> None:
    body = maintenance_body([page.web], EndDate="2026-03-10T02:00:00Z")
    response = incipulse.post(INCIDENT, json=body)
    assert response.status_code == 400
    assert response.json() == failure("End date must be after start date.")


def test_a_missing_title_is_400(incipulse: TestClient, page: Page) -> None:
    response = incipulse.post(INCIDENT, json=maintenance_body([page.web], Title="  "))
    assert response.status_code == 400
    assert response.json() == failure("Title is required.")


def test_a_missing_start_date_is_400(incipulse: TestClient, page: Page) -> None:
    body = maintenance_body([page.web])
    del body["StartDate"]
    response = incipulse.post(INCIDENT, json=body)
    assert response.status_code == 400
    assert response.json() == failure("StartDate is required.")


def test_a_date_that_is_not_iso_8601_is_400(incipulse: TestClient, page: Page) -> None:
    response = incipulse.post(INCIDENT, json=maintenance_body([page.web], EndDate="tomorrow"))
    assert response.status_code == 400
    assert response.json()["Message"].startswith("EndDate must be an ISO 8601 date and time")


def test_a_maintenance_already_over_is_400(incipulse: TestClient, page: Page) -> None:
    body = maintenance_body(
        [page.web], StartDate="2026-03-01T02:00:00Z", EndDate="2026-03-01T04:00:00Z"
    )
    response = incipulse.post(INCIDENT, json=body)
    assert response.status_code == 400
    assert response.json() == failure(
        "The window is over before it is made: every occurrence ends in the past"
    )


def test_an_unknown_type_is_400(incipulse: TestClient, page: Page) -> None:
    response = incipulse.post(INCIDENT, json=maintenance_body([page.web], Type="Outage"))
    assert response.status_code == 400
    assert response.json() == failure("Type must be Incident or Maintenance; got 'Outage'.")


def test_field_names_are_taken_in_any_case(
    incipulse: TestClient, page: Page, sessions: sessionmaker[Session], org: NewOrganization
) -> None:
    body = {key.lower(): value for key, value in maintenance_body([page.web]).items()}
    body["type"] = "maintenance"
    response = incipulse.post(INCIDENT, json=body)
    assert response.status_code == 200, response.text
    assert window_of(sessions, org, response.json()["Result"]).window.title == (
        "Scheduled Database Maintenance"
    )


def test_dates_with_an_offset_are_read_as_the_instant_they_name(
    incipulse: TestClient, page: Page, sessions: sessionmaker[Session], org: NewOrganization
) -> None:
    key = schedule(
        incipulse,
        [page.web],
        StartDate="2026-03-10T03:00:00+01:00",
        EndDate="2026-03-10T05:00:00+01:00",
    )
    assert window_of(sessions, org, key).current.planned_start == START


# --- running on the clock -----------------------------------------------------------------------


def test_a_maintenance_starts_on_the_moved_clock_and_shows_as_in_progress(
    incipulse: TestClient,
    page: Page,
    sessions: sessionmaker[Session],
    org: NewOrganization,
    travel: time_machine.Traveller,
) -> None:
    key = schedule(incipulse, [page.web])
    assert ongoing(incipulse) == []
    travel.move_to(START)
    assert run_engine(sessions) >= 1
    assert ongoing(incipulse) == [
        {
            "IncidentId": key,
            "Title": "Scheduled Database Maintenance",
            "Status": "In Progress",
            "StartDate": "2026-03-10T02:00:00Z",
        }
    ]
    assert shown_statuses(sessions, org, page.key) == {
        page.web: "UNDERMAINTENANCE",
        page.api: "OPERATIONAL",
    }


def test_a_maintenance_leaves_the_status_when_the_engine_ends_it(
    incipulse: TestClient,
    page: Page,
    sessions: sessionmaker[Session],
    org: NewOrganization,
    travel: time_machine.Traveller,
) -> None:
    schedule(incipulse, [page.web])
    travel.move_to(START)
    run_engine(sessions)
    travel.move_to(START + timedelta(hours=2))
    run_engine(sessions)
    assert ongoing(incipulse) == []
    assert shown_statuses(sessions, org, page.key)[page.web] == "OPERATIONAL"


def test_the_status_lists_only_this_organizations_windows_shown_on_a_page(
    incipulse: TestClient,
    page: Page,
    sessions: sessionmaker[Session],
    org: NewOrganization,
    travel: time_machine.Traveller,
) -> None:
    """A window published on no page is internal: it is not Incipulse's to show."""
    with transaction(sessions) as session:
        internal = WindowSpec(
            title="Internal",
            schedule=Schedule(
                start=START.replace(tzinfo=None), zone="UTC", duration=timedelta(hours=1)
            ),
            mutes_paging=False,
        )
        windows.create_window(session, org.org.id, internal, actor="ada", at=clock.now())
    key = schedule(incipulse, [page.web])
    travel.move_to(START)
    run_engine(sessions)
    assert [entry["IncidentId"] for entry in ongoing(incipulse)] == [key]


def test_the_status_answers_in_two_queries_however_many_are_in_progress(
    incipulse: TestClient,
    page: Page,
    sessions: sessionmaker[Session],
    travel: time_machine.Traveller,
    queries: QueryCounter,
) -> None:
    for _ in range(3):
        schedule(incipulse, [page.web, page.api])
    travel.move_to(START)
    run_engine(sessions)
    queries.statements.clear()
    assert len(ongoing(incipulse)) == 3
    assert queries.count == 2  # the key, then the windows in progress


# --- updates and resolution -------------------------------------------------------------------


def test_an_update_with_a_description_posts_a_public_update(
    incipulse: TestClient, page: Page, sessions: sessionmaker[Session], org: NewOrganization
) -> None:
    key = schedule(incipulse, [page.web])
    response = incipulse.put(INCIDENT, json={"IncidentId": key, "Description": "Moved a bit"})
    assert response.status_code == 200
    assert response.json() == {"Success": True, "Result": key, "Message": "Maintenance updated"}
    shown = on_page(sessions, org, page, key)
    assert [event.body for event in shown.updates] == ["Moved a bit"]
    assert shown.status == "NOTSTARTEDYET"


def test_status_in_progress_starts_a_maintenance_at_once(
    incipulse: TestClient, page: Page, sessions: sessionmaker[Session], org: NewOrganization
) -> None:
    key = schedule(incipulse, [page.web])
    response = incipulse.put(
        INCIDENT, json={"IncidentId": key, "Description": "Starting now", "Status": "In Progress"}
    )
    assert response.status_code == 200
    assert on_page(sessions, org, page, key).status == "INPROGRESS"
    assert ongoing(incipulse)[0]["StartDate"] == "2026-03-02T12:00:00Z"


def test_status_completed_ends_a_maintenance_in_progress(
    incipulse: TestClient, page: Page, sessions: sessionmaker[Session], org: NewOrganization
) -> None:
    key = schedule(incipulse, [page.web])
    incipulse.put(INCIDENT, json={"IncidentId": key, "Status": "In Progress"})
    response = incipulse.put(INCIDENT, json={"IncidentId": key, "Status": "Completed"})
    assert response.status_code == 200
    assert window_of(sessions, org, key).current.status == "completed"
    assert ongoing(incipulse) == []


def test_a_new_title_renames_the_maintenance(
    incipulse: TestClient, page: Page, sessions: sessionmaker[Session], org: NewOrganization
) -> None:
    key = schedule(incipulse, [page.web])
    incipulse.put(INCIDENT, json={"IncidentId": key, "Title": "Database upgrade"})
    assert window_of(sessions, org, key).window.title == "Database upgrade"


def test_an_unknown_maintenance_status_is_400(incipulse: TestClient, page: Page) -> None:
    key = schedule(incipulse, [page.web])
    response = incipulse.put(INCIDENT, json={"IncidentId": key, "Status": "Paused"})
    assert response.status_code == 400
    assert response.json() == failure(
        "Unknown maintenance Status 'Paused'; expected Scheduled, In Progress or Completed."
    )


def test_an_update_changing_nothing_is_400(incipulse: TestClient, page: Page) -> None:
    key = schedule(incipulse, [page.web])
    response = incipulse.put(INCIDENT, json={"IncidentId": key})
    assert response.status_code == 400
    assert response.json() == failure("Give a Description, a Status or a Title to change.")


def test_moving_a_started_maintenance_back_to_scheduled_is_409(
    incipulse: TestClient, page: Page
) -> None:
    key = schedule(incipulse, [page.web])
    incipulse.put(INCIDENT, json={"IncidentId": key, "Status": "In Progress"})
    response = incipulse.put(INCIDENT, json={"IncidentId": key, "Status": "Scheduled"})
    assert response.status_code == 409
    body = response.json()
    assert (body["Success"], body["Result"]) == (False, None)
    assert body["Message"].startswith("The maintenance has started")


def test_resolving_a_maintenance_in_progress_ends_it(
    incipulse: TestClient, page: Page, sessions: sessionmaker[Session], org: NewOrganization
) -> None:
    key = schedule(incipulse, [page.web])
    incipulse.put(INCIDENT, json={"IncidentId": key, "Status": "In Progress"})
    response = incipulse.post(RESOLVE, json={"IncidentId": key})
    assert response.status_code == 200
    assert response.json() == {"Success": True, "Result": key, "Message": "Maintenance completed"}
    state = window_of(sessions, org, key)
    assert (state.current.status, state.current.actual_end) == ("completed", clock.now())
    assert shown_statuses(sessions, org, page.key)[page.web] == "OPERATIONAL"


def test_resolving_a_maintenance_not_started_cancels_it(
    incipulse: TestClient, page: Page, sessions: sessionmaker[Session], org: NewOrganization
) -> None:
    key = schedule(incipulse, [page.web])
    incipulse.post(RESOLVE, json={"IncidentId": key})
    assert window_of(sessions, org, key).current.status == "canceled"


def test_resolving_with_a_description_posts_it_as_the_closing_update(
    incipulse: TestClient, page: Page, sessions: sessionmaker[Session], org: NewOrganization
) -> None:
    key = schedule(incipulse, [page.web])
    incipulse.put(INCIDENT, json={"IncidentId": key, "Status": "In Progress"})
    incipulse.post(RESOLVE, json={"IncidentId": key, "Description": "All done"})
    shown = on_page(sessions, org, page, key)
    assert shown.status == "COMPLETED"
    assert shown.updates[0].body == "All done"


def test_resolving_a_completed_maintenance_again_changes_nothing(
    incipulse: TestClient, page: Page, sessions: sessionmaker[Session], org: NewOrganization
) -> None:
    key = schedule(incipulse, [page.web])
    incipulse.post(RESOLVE, json={"IncidentId": key})
    response = incipulse.post(RESOLVE, json={"IncidentId": key})
    assert response.status_code == 200
    assert window_of(sessions, org, key).current.status == "canceled"


def test_an_unknown_id_is_404(incipulse: TestClient, page: Page) -> None:
    response = incipulse.post(RESOLVE, json={"IncidentId": "mw-nothing"})
    assert response.status_code == 404
    assert response.json() == failure("No incident or maintenance mw-nothing.")


def test_a_missing_id_is_400(incipulse: TestClient) -> None:
    response = incipulse.post(RESOLVE, json={})
    assert response.status_code == 400
    assert response.json() == failure("IncidentId is required.")


def test_another_organizations_maintenance_is_404(
    incipulse: TestClient, page: Page, sessions: sessionmaker[Session]
) -> None:
    key = schedule(incipulse, [page.web])
    other = new_org(sessions, "Other")
    response = incipulse.put(
        INCIDENT,
        json={"IncidentId": key, "Status": "In Progress"},
        headers=api_key(other.api_key),
    )
    assert response.status_code == 404
    assert response.json() == failure(f"No incident or maintenance {key}.")


def test_scheduling_a_maintenance_takes_25_queries(
    incipulse: TestClient, page: Page, queries: QueryCounter
) -> None:
    schedule(incipulse, [page.web])
    queries.statements.clear()
    schedule(incipulse, [page.api])
    assert queries.count == 25  # 3 here, the rest making and publishing the window
