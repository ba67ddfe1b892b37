"""Public incidents through Incipulse: `POST /api/admin/Incident` (no maintenance Type),
`PUT /api/admin/Incident` and `POST /api/admin/Incident/ResolveIncident`."""

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.api.incipulse.conftest import api_key
from tests.api.incipulse.helpers import (
    INCIDENT,
    RESOLVE,
    STATUS,
    Page,
    failure,
    open_incident,
    shown_statuses,
)
from tests.conftest import QueryCounter, new_org
from vigil.db import transaction
from vigil.orgs.service import NewOrganization
from vigil.statuspages import incidents
from vigil.statuspages.incidents import IncidentView
from vigil.statuspages.pages import get_page


def incident_of(
    sessions: sessionmaker[Session], org: NewOrganization, page: Page, key: str
) -> IncidentView:
    with transaction(sessions) as session:
        status_page = get_page(session, org.org.id, page.key)
        return incidents.view(session, incidents.get_incident(session, status_page, key))


def test_an_incident_is_opened_with_its_id_as_the_result(incipulse: TestClient, page: Page) -> None:
    response = incipulse.post(
        INCIDENT,
        json={
            "Title": "Website down",
            "Description": "We are looking into it",
            "Status": "Investigating",
            "Impact": "Major Outage",
            "AffectedComponents": [page.web],
            "IsNotify": True,
        },
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["Success"], body["Message"]) == (True, "Incident created")
    assert body["Result"].startswith("ck")


def test_an_incident_has_its_title_status_and_first_update(
    incipulse: TestClient, page: Page, sessions: sessionmaker[Session], org: NewOrganization
) -> None:
    view = incident_of(sessions, org, page, open_incident(incipulse, [page.web], IsNotify=False))
    assert (view.incident.name, view.incident.status) == ("Website down", "INVESTIGATING")
    [first] = view.updates
    assert (first.message, first.status, first.notify) == (
        "We are looking into it",
        "INVESTIGATING",
        False,
    )


def test_the_impact_is_what_the_affected_components_show(
    incipulse: TestClient, page: Page, sessions: sessionmaker[Session], org: NewOrganization
) -> None:
    open_incident(incipulse, [page.api], Impact="Partial Outage")
    assert shown_statuses(sessions, org, page.key) == {
        page.web: "OPERATIONAL",
        page.api: "PARTIALOUTAGE",
    }


def test_impacts_are_read_in_any_case_and_spacing(
    incipulse: TestClient, page: Page, sessions: sessionmaker[Session], org: NewOrganization
) -> None:
    key = open_incident(incipulse, [page.web], Impact="degraded performance")
    assert [s for _, s in incident_of(sessions, org, page, key).components] == [
        "DEGRADEDPERFORMANCE"
    ]


def test_without_an_impact_components_show_a_major_outage(
    incipulse: TestClient, page: Page, sessions: sessionmaker[Session], org: NewOrganization
) -> None:
    open_incident(incipulse, [page.web], Impact=None)
    assert shown_statuses(sessions, org, page.key)[page.web] == "MAJOROUTAGE"


def test_an_incident_may_be_opened_in_another_status(
    incipulse: TestClient, page: Page, sessions: sessionmaker[Session], org: NewOrganization
) -> None:
    key = open_incident(incipulse, [page.web], Status="Identified")
    assert incident_of(sessions, org, page, key).incident.status == "IDENTIFIED"


def test_an_unknown_impact_is_400(incipulse: TestClient, page: Page) -> None:
    response = incipulse.post(
        INCIDENT, json={"Title": "Down", "Impact": "Apocalypse", "AffectedComponents": [page.web]}
    )
    assert response.status_code == 400
    assert response.json()["Message"].startswith("Unknown Impact 'Apocalypse'; expected one of")


def test_an_unknown_status_is_400(incipulse: TestClient, page: Page) -> None:
    response = incipulse.post(INCIDENT, json={"Title": "Down", "Status": "Panicking"})
    assert response.status_code == 400
    assert response.json() == failure(
        "Unknown Status 'Panicking'; expected one of Investigating, Identified, Monitoring,"
        " Resolved."
    )


def test_a_missing_title_is_400(incipulse: TestClient, page: Page) -> None:
    response = incipulse.post(INCIDENT, json={"Description": "Something", "AffectedComponents": []})
    assert response.status_code == 400
    assert response.json() == failure("Title is required.")


def test_an_empty_body_is_400_asking_for_the_title(incipulse: TestClient) -> None:
    response = incipulse.post(INCIDENT)
    assert response.status_code == 400
    assert response.json() == failure("Title is required.")


def test_an_incident_is_no_maintenance_in_progress(incipulse: TestClient, page: Page) -> None:
    open_incident(incipulse, [page.web])
    assert incipulse.get(STATUS).json()["Result"] == []


def test_opening_an_incident_takes_ten_queries(
    incipulse: TestClient, page: Page, queries: QueryCounter
) -> None:
    open_incident(incipulse, [page.web])
    queries.statements.clear()
    open_incident(incipulse, [page.api])
    assert queries.count == 10


# --- updates ------------------------------------------------------------------------------------


def test_an_update_posts_a_message_and_moves_the_status(
    incipulse: TestClient, page: Page, sessions: sessionmaker[Session], org: NewOrganization
) -> None:
    key = open_incident(incipulse, [page.web])
    response = incipulse.put(
        INCIDENT, json={"IncidentId": key, "Description": "Found it", "Status": "Identified"}
    )
    assert response.status_code == 200
    assert response.json() == {"Success": True, "Result": key, "Message": "Incident updated"}
    view = incident_of(sessions, org, page, key)
    assert view.incident.status == "IDENTIFIED"
    latest = view.updates[0]
    assert (latest.message, latest.status) == ("Found it", "IDENTIFIED")


def test_an_update_without_a_status_keeps_it(
    incipulse: TestClient, page: Page, sessions: sessionmaker[Session], org: NewOrganization
) -> None:
    key = open_incident(incipulse, [page.web], Status="Monitoring")
    incipulse.put(INCIDENT, json={"IncidentId": key, "Description": "Still watching"})
    view = incident_of(sessions, org, page, key)
    assert (view.incident.status, len(view.updates)) == ("MONITORING", 2)


def test_an_update_may_change_the_impact(
    incipulse: TestClient, page: Page, sessions: sessionmaker[Session], org: NewOrganization
) -> None:
    key = open_incident(incipulse, [page.web])
    incipulse.put(INCIDENT, json={"IncidentId": key, "Impact": "Minor Outage"})
    assert shown_statuses(sessions, org, page.key)[page.web] == "MINOROUTAGE"


def test_new_affected_components_without_an_impact_keep_the_incidents_impact(
    incipulse: TestClient, page: Page, sessions: sessionmaker[Session], org: NewOrganization
) -> None:
    key = open_incident(incipulse, [page.web], Impact="Partial Outage")

    incipulse.put(INCIDENT, json={"IncidentId": key, "AffectedComponents": [page.web, page.api]})

    assert shown_statuses(sessions, org, page.key) == {
        page.web: "PARTIALOUTAGE",
        page.api: "PARTIALOUTAGE",
    }


def test_affected_components_without_an_impact_drop_the_ones_not_named(
    incipulse: TestClient, page: Page, sessions: sessionmaker[Session], org: NewOrganization
) -> None:
    key = open_incident(incipulse, [page.web, page.api], Impact="Minor Outage")

    incipulse.put(INCIDENT, json={"IncidentId": key, "AffectedComponents": [page.api]})

    assert shown_statuses(sessions, org, page.key) == {
        page.web: "OPERATIONAL",
        page.api: "MINOROUTAGE",
    }


def test_an_update_changing_nothing_is_400(incipulse: TestClient, page: Page) -> None:
    key = open_incident(incipulse, [page.web])
    response = incipulse.put(INCIDENT, json={"IncidentId": key, "Description": " "})
    assert response.status_code == 400
    assert response.json() == failure(
        "Give a Description, a Status, a Title, an Impact or AffectedComponents."
    )


def test_an_update_of_an_unknown_id_is_404(incipulse: TestClient, page: Page) -> None:
    response = incipulse.put(INCIDENT, json={"IncidentId": "cknothing", "Status": "Resolved"})
    assert response.status_code == 404
    assert response.json() == failure("No incident or maintenance cknothing.")


def test_an_update_without_an_id_is_400(incipulse: TestClient) -> None:
    response = incipulse.put(INCIDENT, json={"Status": "Resolved"})
    assert response.status_code == 400
    assert response.json() == failure("IncidentId is required.")


def test_another_organizations_incident_is_404(
    incipulse: TestClient, page: Page, sessions: sessionmaker[Session]
) -> None:
    key = open_incident(incipulse, [page.web])
    other = new_org(sessions, "Other")
    response = incipulse.put(
        INCIDENT, json={"IncidentId": key, "Status": "Resolved"}, headers=api_key(other.api_key)
    )
    assert response.status_code == 404
    assert response.json() == failure(f"No incident or maintenance {key}.")


# --- resolution ---------------------------------------------------------------------------------


def test_resolving_an_incident_frees_its_components(
    incipulse: TestClient, page: Page, sessions: sessionmaker[Session], org: NewOrganization
) -> None:
    key = open_incident(incipulse, [page.web])
    response = incipulse.post(RESOLVE, json={"IncidentId": key})
    assert response.status_code == 200
    assert response.json() == {"Success": True, "Result": key, "Message": "Incident resolved"}
    assert incident_of(sessions, org, page, key).incident.status == "RESOLVED"
    assert shown_statuses(sessions, org, page.key)[page.web] == "OPERATIONAL"


def test_resolving_twice_posts_one_resolution(
    incipulse: TestClient, page: Page, sessions: sessionmaker[Session], org: NewOrganization
) -> None:
    key = open_incident(incipulse, [page.web])
    incipulse.post(RESOLVE, json={"IncidentId": key})
    assert incipulse.post(RESOLVE, json={"IncidentId": key}).status_code == 200
    assert [u.status for u in incident_of(sessions, org, page, key).updates] == [
        "RESOLVED",
        "INVESTIGATING",
    ]


def test_resolving_with_a_description_posts_it(
    incipulse: TestClient, page: Page, sessions: sessionmaker[Session], org: NewOrganization
) -> None:
    key = open_incident(incipulse, [page.web])
    incipulse.post(RESOLVE, json={"IncidentId": key, "Description": "Fixed the cable"})
    assert incident_of(sessions, org, page, key).updates[0].message == "Fixed the cable"


def test_resolving_an_unknown_id_is_404(incipulse: TestClient) -> None:
    response = incipulse.post(RESOLVE, json={"IncidentId": "cknothing"})
    assert response.status_code == 404
    assert response.json() == failure("No incident or maintenance cknothing.")
