"""The public incidents API: list, get, create by hand, ack, resolve, by user, reroute."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import QueryCounter
from tests.helpers import add_user, mark_paged, paging_routing_key
from vigil.alerts.models import Alert
from vigil.db import transaction
from vigil.engine.timers import pending
from vigil.incidents.models import Incident, Target
from vigil.incidents.service import page_timer_key
from vigil.orgs.service import NewOrganization

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
AT_T0 = "2026-03-01T12:00:00Z"
BASE_URL = "https://vigil.example.com"
INCIDENTS = "/api-public/v1/incidents"


@pytest.fixture
def frozen() -> Iterator[Any]:
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def base_url(app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setattr(app.state.settings, "base_url", BASE_URL)
    return BASE_URL


def alert(client: TestClient, org: NewOrganization, entity_id: str = "db", **fields: Any) -> None:
    url = f"/integrations/generic/20131114/alert/{org.rest_key}/ops"
    body = {"message_type": "CRITICAL", "entity_id": entity_id} | fields
    response = client.post(url, json=body)
    assert response.status_code == 200, response.text


def manual(client: TestClient, *targets: str, user: str = "ada", **extra: Any) -> str:
    body = {
        "summary": "Site down",
        "details": "Every page is a 502",
        "userName": user,
        "targets": [{"type": "User", "slug": target} for target in targets],
    } | extra
    response = client.post(INCIDENTS, json=body)
    assert response.status_code == 200, response.text
    number: str = response.json()["incidentNumber"]
    return number


def command(
    client: TestClient, path: str, names: list[Any], user: str = "ada", **extra: Any
) -> dict[str, Any]:
    response = client.patch(
        f"{INCIDENTS}/{path}", json={"userName": user, "incidentNames": names} | extra
    )
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def listed(client: TestClient) -> list[dict[str, Any]]:
    response = client.get(INCIDENTS)
    assert response.status_code == 200, response.text
    incidents: list[dict[str, Any]] = response.json()["incidents"]
    return incidents


def phases(client: TestClient) -> list[tuple[str, str]]:
    return [(i["incidentNumber"], i["currentPhase"]) for i in listed(client)]


def incident_row(sessions: sessionmaker[Session], org: NewOrganization, number: str) -> Incident:
    with transaction(sessions) as session:
        return session.scalars(
            select(Incident).where(Incident.org_id == org.org.id, Incident.number == int(number))
        ).one()


def targets_of(
    sessions: sessionmaker[Session], org: NewOrganization, number: str
) -> list[tuple[str, str]]:
    incident = incident_row(sessions, org, number)
    with transaction(sessions) as session:
        query = select(Target).where(Target.incident_id == incident.id).order_by(Target.id)
        return [(t.kind, t.slug) for t in session.scalars(query)]


def page_timers(sessions: sessionmaker[Session], org: NewOrganization) -> list[str | None]:
    with transaction(sessions) as session:
        return [t.key for t in pending(session, org.org.id, "incident.page")]


def page_timer(sessions: sessionmaker[Session], org: NewOrganization, number: str) -> str:
    return page_timer_key(incident_row(sessions, org, number).id)


def alert_ids(sessions: sessionmaker[Session], org: NewOrganization) -> list[str]:
    with transaction(sessions) as session:
        query = select(Alert.id).where(Alert.org_id == org.org.id).order_by(Alert.received_at)
        return list(session.scalars(query))


# GET /incidents


def test_the_incident_list_is_empty_without_incidents(
    client: TestClient, queries: QueryCounter
) -> None:
    queries.statements.clear()
    response = client.get(INCIDENTS)
    assert response.status_code == 200
    assert response.json() == {"incidents": []}
    assert queries.count == 2  # authenticate, incidents


def test_an_incident_from_an_alert_is_listed_as_the_full_public_object(
    client: TestClient, org: NewOrganization, sessions: sessionmaker[Session], frozen: Any
) -> None:
    alert(
        client,
        org,
        entity_display_name="Disk full",
        state_message="91%",
        host_name="db1",
        monitoring_tool="prometheus",
    )
    [alert_id] = alert_ids(sessions, org)
    assert client.get(INCIDENTS).json() == {
        "incidents": [
            {
                "incidentNumber": "1",
                "startTime": AT_T0,
                "currentPhase": "UNACKED",
                "alertCount": 1,
                "lastAlertTime": AT_T0,
                "lastAlertId": alert_id,
                "entityId": "db",
                "entityType": "SERVICE",
                "entityState": "CRITICAL",
                "entityDisplayName": "Disk full",
                "routingKey": "ops",
                "host": "db1",
                "service": "Disk full",
                "pagedUsers": [],
                "pagedTeams": [],
                "pagedPolicies": [],
                "transitions": [
                    {
                        "name": "TRIGGERED",
                        "at": AT_T0,
                        "manually": False,
                        "alertId": alert_id,
                        "alertUrl": f"{BASE_URL}/api-public/v1/alerts/{alert_id}",
                    }
                ],
            }
        ]
    }


def test_listing_several_incidents_takes_as_many_queries_as_listing_one(
    client: TestClient, org: NewOrganization, queries: QueryCounter
) -> None:
    add_user(client, "ada")
    manual(client, "ada")
    queries.statements.clear()
    assert len(listed(client)) == 1
    assert queries.count == 4  # authenticate, incidents, transitions, targets
    alert(client, org, "web")
    manual(client, "ada")
    command(client, "ack", ["1"])
    queries.statements.clear()
    assert len(listed(client)) == 3
    assert queries.count == 4


def test_an_acknowledged_incident_is_acked_with_its_transition(
    client: TestClient, org: NewOrganization, frozen: Any
) -> None:
    add_user(client, "ada")
    alert(client, org)
    frozen.shift(timedelta(minutes=3))
    command(client, "ack", ["1"], message="on it")
    [incident] = listed(client)
    assert incident["currentPhase"] == "ACKED"
    assert incident["transitions"][1] == {
        "name": "ACKED",
        "at": "2026-03-01T12:03:00Z",
        "by": "ada",
        "message": "on it",
        "manually": True,
    }


def test_an_incident_resolved_within_24_hours_is_listed_as_resolved(
    client: TestClient, org: NewOrganization, frozen: Any
) -> None:
    add_user(client, "ada")
    alert(client, org)
    command(client, "resolve", ["1"])
    frozen.shift(timedelta(hours=23, minutes=59))
    [incident] = listed(client)
    assert incident["currentPhase"] == "RESOLVED"
    assert [t["name"] for t in incident["transitions"]] == ["TRIGGERED", "RESOLVED"]


def test_an_incident_resolved_more_than_24_hours_ago_is_not_listed(
    client: TestClient, org: NewOrganization, frozen: Any
) -> None:
    add_user(client, "ada")
    alert(client, org, "db")
    alert(client, org, "web")
    command(client, "resolve", ["1"])
    frozen.shift(timedelta(hours=24, seconds=1))
    assert phases(client) == [("2", "UNACKED")]


def test_an_open_incident_stays_listed_however_old(
    client: TestClient, org: NewOrganization, frozen: Any
) -> None:
    alert(client, org)
    frozen.shift(timedelta(days=30))
    assert phases(client) == [("1", "UNACKED")]


def test_paged_targets_are_listed_as_paged_users_and_policies(
    client: TestClient, org: NewOrganization, sessions: sessionmaker[Session]
) -> None:
    add_user(client, "ada")
    add_user(client, "grace")
    number = manual(client, "ada", "grace")
    mark_paged(sessions, org.org.id, number)
    [incident] = listed(client)
    assert incident["pagedUsers"] == ["ada", "grace"]
    assert incident["pagedTeams"] == []


def test_targets_not_yet_paged_are_not_listed_as_paged(
    client: TestClient, org: NewOrganization, sessions: sessionmaker[Session]
) -> None:
    add_user(client, "ada")
    manual(client, "ada")
    [incident] = listed(client)
    assert (incident["pagedUsers"], incident["pagedPolicies"]) == ([], [])


def test_other_transition_names_are_upper_cased(client: TestClient) -> None:
    add_user(client, "ada")
    add_user(client, "grace")
    manual(client, "ada")
    reroute(client, [{"incidentNumber": "1", "targets": [user("grace")]}])
    [incident] = listed(client)
    assert [(t["name"], t.get("message")) for t in incident["transitions"]] == [
        ("TRIGGERED", None),
        ("REROUTED", "Rerouted to user grace"),
    ]


def test_alert_urls_do_not_double_a_trailing_slash_of_the_base_url(
    client: TestClient,
    org: NewOrganization,
    sessions: sessionmaker[Session],
    app: FastAPI,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(app.state.settings, "base_url", "https://vigil.example.com/oncall/")
    alert(client, org)
    [alert_id] = alert_ids(sessions, org)
    [transition] = listed(client)[0]["transitions"]
    assert (
        transition["alertUrl"]
        == f"https://vigil.example.com/oncall/api-public/v1/alerts/{alert_id}"
    )


def test_incidents_of_another_organization_are_not_listed(
    client: TestClient, other_client: TestClient, org: NewOrganization
) -> None:
    alert(client, org)
    assert listed(other_client) == []


# GET /incidents/{number}


def test_one_incident_is_a_bare_incident_object(
    client: TestClient, org: NewOrganization, queries: QueryCounter
) -> None:
    alert(client, org, "db")
    alert(client, org, "web")
    queries.statements.clear()
    response = client.get(f"{INCIDENTS}/2")
    assert queries.count == 4  # authenticate, incident, transitions, targets
    assert response.status_code == 200
    assert response.json() == listed(client)[1]


def test_an_unknown_incident_number_is_404(client: TestClient) -> None:
    response = client.get(f"{INCIDENTS}/7")
    assert response.status_code == 404
    assert response.json() == {"error": "Incident 7 not found"}


@pytest.mark.parametrize("number", ["abc", "-1", "0", "1.0", "99999999999999999999"])
def test_a_number_that_cannot_be_an_incident_number_is_404(client: TestClient, number: str) -> None:
    response = client.get(f"{INCIDENTS}/{number}")
    assert response.status_code == 404
    assert response.json() == {"error": f"Incident {number} not found"}


def test_another_organizations_incident_is_404(
    client: TestClient, other_client: TestClient, org: NewOrganization
) -> None:
    alert(client, org)
    assert other_client.get(f"{INCIDENTS}/1").status_code == 404


# POST /incidents


def test_creating_an_incident_answers_its_number_and_entity_id(
    client: TestClient, org: NewOrganization, sessions: sessionmaker[Session], queries: QueryCounter
) -> None:
    add_user(client, "ada")
    alert(client, org)
    body = {
        "summary": "Site down",
        "details": "Every page is a 502",
        "userName": "ada",
        "targets": [{"type": "User", "slug": "ada"}],
    }
    queries.statements.clear()
    response = client.post(INCIDENTS, json=body)
    count = queries.count
    assert response.status_code == 200
    assert response.json() == {
        "incidentNumber": "2",
        "entityId": incident_row(sessions, org, "2").entity_id,
    }
    # authenticate, creator, target users, number, incident, target, transition,
    # page timer lookup and insert, alert
    assert count == 10


def test_a_manual_incident_is_listed_as_triggered_by_its_creator(
    client: TestClient, org: NewOrganization, sessions: sessionmaker[Session], frozen: Any
) -> None:
    add_user(client, "ada")
    add_user(client, "grace")
    manual(client, "grace")
    [alert_id] = alert_ids(sessions, org)
    assert listed(client) == [
        {
            "incidentNumber": "1",
            "startTime": AT_T0,
            "currentPhase": "UNACKED",
            "alertCount": 1,
            "lastAlertTime": AT_T0,
            "lastAlertId": alert_id,
            "entityId": incident_row(sessions, org, "1").entity_id,
            "entityType": "SERVICE",
            "entityState": "CRITICAL",
            "entityDisplayName": "Site down",
            "routingKey": "default",
            "service": "Site down",
            "pagedUsers": [],
            "pagedTeams": [],
            "pagedPolicies": [],
            "transitions": [
                {
                    "name": "TRIGGERED",
                    "at": AT_T0,
                    "by": "ada",
                    "manually": True,
                    "alertId": alert_id,
                    "alertUrl": f"{BASE_URL}/api-public/v1/alerts/{alert_id}",
                }
            ],
        }
    ]


def test_a_manual_incident_targets_the_named_users_once_each(
    client: TestClient, org: NewOrganization, sessions: sessionmaker[Session]
) -> None:
    add_user(client, "ada")
    add_user(client, "grace")
    number = manual(client, "grace", "ada", "grace")
    assert targets_of(sessions, org, number) == [("user", "grace"), ("user", "ada")]


def test_a_manual_incident_stores_an_alert_with_the_manual_payload(
    client: TestClient, org: NewOrganization, sessions: sessionmaker[Session], frozen: Any
) -> None:
    add_user(client, "ada")
    manual(client, "ada")
    entity_id = incident_row(sessions, org, "1").entity_id
    [alert_id] = alert_ids(sessions, org)
    raw = (
        '{"created_by":"ada","monitoring_tool":"manual","entity_display_name":"Site down",'
        '"message_type":"CRITICAL","alert_type":"CRITICAL","entity_state":"CRITICAL",'
        f'"entity_id":"{entity_id}","state_message":"Every page is a 502",'
        '"monitor_name":"vouser-ada"}'
    )
    assert client.get(f"/api-public/v1/alerts/{alert_id}").json() == {
        "messageType": "CRITICAL",
        "entityId": entity_id,
        "entityDisplayName": "Site down",
        "stateMessage": "Every page is a 502",
        "monitoringTool": "manual",
        "timestamp": int(T0.timestamp()),
        "stateStartTime": int(T0.timestamp()),
        "raw": raw,
    }


def test_creating_an_incident_writes_a_due_page_timer(
    client: TestClient, org: NewOrganization, sessions: sessionmaker[Session], frozen: Any
) -> None:
    add_user(client, "ada")
    number = manual(client, "ada")
    with transaction(sessions) as session:
        [timer] = pending(session, org.org.id, "incident.page")
    incident = incident_row(sessions, org, number)
    assert (timer.key, timer.due_at, timer.payload) == (
        page_timer_key(incident.id),
        T0,
        {"incident_id": incident.id},
    )


def test_a_multi_responder_incident_is_stored_as_such(
    client: TestClient, org: NewOrganization, sessions: sessionmaker[Session]
) -> None:
    add_user(client, "ada")
    number = manual(client, "ada", isMultiResponder=True)
    assert incident_row(sessions, org, number).is_multi_responder is True


def test_details_may_be_left_out(
    client: TestClient, org: NewOrganization, sessions: sessionmaker[Session]
) -> None:
    add_user(client, "ada")
    body = {"summary": "Site down", "userName": "ada", "targets": [user("ada")]}
    assert client.post(INCIDENTS, json=body).status_code == 200
    assert incident_row(sessions, org, "1").state_message is None


def test_an_unknown_creator_is_400_and_nothing_is_created(
    client: TestClient, org: NewOrganization, sessions: sessionmaker[Session]
) -> None:
    add_user(client, "ada")
    body = {"summary": "Site down", "userName": "nobody", "targets": [user("ada")]}
    response = client.post(INCIDENTS, json=body)
    assert response.status_code == 400
    assert response.json() == {"error": "User nobody is not a user of this organization"}
    assert listed(client) == []
    assert alert_ids(sessions, org) == []


def test_unknown_targets_are_400_naming_each_and_nothing_is_created(
    client: TestClient, org: NewOrganization, sessions: sessionmaker[Session]
) -> None:
    add_user(client, "ada")
    targets = [
        user("ada"),
        user("nobody"),
        {"type": "EscalationPolicy", "slug": "pol-bEaTn9Y3zQ3vPf3U"},
    ]
    response = client.post(
        INCIDENTS, json={"summary": "Site down", "userName": "ada", "targets": targets}
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": "User nobody not found; Escalation policy pol-bEaTn9Y3zQ3vPf3U not found"
    }
    assert listed(client) == []
    assert alert_ids(sessions, org) == []
    assert page_timers(sessions, org) == []


def test_a_user_of_another_organization_is_not_a_target(
    client: TestClient, other_client: TestClient
) -> None:
    add_user(client, "ada")
    add_user(other_client, "grace")
    body = {"summary": "Site down", "userName": "ada", "targets": [user("grace")]}
    response = client.post(INCIDENTS, json=body)
    assert response.status_code == 400
    assert response.json() == {"error": "User grace not found"}


def test_an_incident_without_targets_is_400(client: TestClient) -> None:
    add_user(client, "ada")
    response = client.post(INCIDENTS, json={"summary": "x", "userName": "ada", "targets": []})
    assert response.status_code == 400
    assert response.json()["error"].startswith("targets:")


def test_an_unknown_target_type_is_400(client: TestClient) -> None:
    add_user(client, "ada")
    targets = [{"type": "Team", "slug": "team-Z3scfG2gh0qF3QsL"}]
    response = client.post(INCIDENTS, json={"summary": "x", "userName": "ada", "targets": targets})
    assert response.status_code == 400
    assert response.json() == {
        "error": "targets.0.type: Input should be 'User' or 'EscalationPolicy'"
    }


def test_a_missing_summary_is_400(client: TestClient) -> None:
    add_user(client, "ada")
    response = client.post(INCIDENTS, json={"userName": "ada", "targets": [user("ada")]})
    assert response.status_code == 400
    assert response.json() == {"error": "summary: Field required"}


# PATCH /incidents/ack and /incidents/resolve


def test_acknowledging_incidents_answers_one_result_per_number_in_order(
    client: TestClient, org: NewOrganization, sessions: sessionmaker[Session], queries: QueryCounter
) -> None:
    add_user(client, "ada")
    alert(client, org, "db")
    alert(client, org, "web")
    queries.statements.clear()
    answer = command(client, "ack", ["2", "1"])
    assert answer == {
        "results": [
            {
                "incidentNumber": "2",
                "entityId": "web",
                "cmdAccepted": True,
                "message": "",
            },
            {"incidentNumber": "1", "entityId": "db", "cmdAccepted": True, "message": ""},
        ]
    }
    # authenticate, user, incidents; per incident: update, responder, transition, timers
    assert queries.count == 3 + 2 * 4
    assert phases(client) == [("1", "ACKED"), ("2", "ACKED")]


def test_acknowledging_cancels_the_page_timer(
    client: TestClient, org: NewOrganization, sessions: sessionmaker[Session]
) -> None:
    paging_routing_key(sessions, org.org.id)
    add_user(client, "ada")
    alert(client, org, "db")
    alert(client, org, "web")
    command(client, "ack", ["1"])
    assert page_timers(sessions, org) == [page_timer(sessions, org, "2")]


def test_unknown_numbers_are_not_accepted_and_the_others_still_are(
    client: TestClient, org: NewOrganization
) -> None:
    add_user(client, "ada")
    alert(client, org)
    answer = command(client, "ack", ["9", "1", "first"])
    assert answer == {
        "results": [
            {"incidentNumber": "9", "cmdAccepted": False, "message": "Incident 9 not found"},
            {"incidentNumber": "1", "entityId": "db", "cmdAccepted": True, "message": ""},
            {
                "incidentNumber": "first",
                "cmdAccepted": False,
                "message": "Incident first not found",
            },
        ]
    }
    assert phases(client) == [("1", "ACKED")]


def test_acknowledging_an_acknowledged_incident_is_not_accepted(
    client: TestClient, org: NewOrganization
) -> None:
    add_user(client, "ada")
    alert(client, org)
    command(client, "ack", ["1"])
    assert command(client, "ack", ["1"])["results"] == [
        {
            "incidentNumber": "1",
            "entityId": "db",
            "cmdAccepted": False,
            "message": "Incident 1 is already acknowledged",
        }
    ]


def test_acknowledging_a_resolved_incident_is_not_accepted(
    client: TestClient, org: NewOrganization
) -> None:
    add_user(client, "ada")
    alert(client, org)
    command(client, "resolve", ["1"])
    [result] = command(client, "ack", ["1"])["results"]
    assert (result["cmdAccepted"], result["message"]) == (False, "Incident 1 is already resolved")
    assert phases(client) == [("1", "RESOLVED")]


def test_the_same_number_twice_is_acknowledged_once(
    client: TestClient, org: NewOrganization
) -> None:
    add_user(client, "ada")
    alert(client, org)
    results = command(client, "ack", ["1", "1"])["results"]
    assert [(r["cmdAccepted"], r["message"]) for r in results] == [
        (True, ""),
        (False, "Incident 1 is already acknowledged"),
    ]


def test_incident_numbers_sent_as_json_numbers_are_accepted(
    client: TestClient, org: NewOrganization
) -> None:
    add_user(client, "ada")
    alert(client, org)
    [result] = command(client, "ack", [1])["results"]
    assert (result["incidentNumber"], result["cmdAccepted"]) == ("1", True)


def test_resolving_incidents_answers_one_result_per_number_and_cancels_paging(
    client: TestClient, org: NewOrganization, sessions: sessionmaker[Session], queries: QueryCounter
) -> None:
    add_user(client, "ada")
    alert(client, org, "db")
    alert(client, org, "web")
    command(client, "ack", ["2"])
    queries.statements.clear()
    answer = command(client, "resolve", ["1", "2"], message="fixed")
    assert answer == {
        "results": [
            {"incidentNumber": "1", "entityId": "db", "cmdAccepted": True, "message": ""},
            {"incidentNumber": "2", "entityId": "web", "cmdAccepted": True, "message": ""},
        ]
    }
    assert queries.count == 3 + 2 * 3
    assert phases(client) == [("1", "RESOLVED"), ("2", "RESOLVED")]
    assert page_timers(sessions, org) == []


def test_resolving_records_the_user_and_message(client: TestClient, org: NewOrganization) -> None:
    add_user(client, "ada")
    alert(client, org)
    command(client, "resolve", ["1"], message="fixed")
    transition = listed(client)[0]["transitions"][-1]
    assert (transition["name"], transition["by"], transition["message"]) == (
        "RESOLVED",
        "ada",
        "fixed",
    )


def test_resolving_a_resolved_incident_is_not_accepted(
    client: TestClient, org: NewOrganization
) -> None:
    add_user(client, "ada")
    alert(client, org)
    command(client, "resolve", ["1"])
    [result] = command(client, "resolve", ["1"])["results"]
    assert (result["cmdAccepted"], result["message"]) == (False, "Incident 1 is already resolved")


@pytest.mark.parametrize("path", ["ack", "resolve"])
def test_an_unknown_user_is_404_and_nothing_changes(
    client: TestClient, org: NewOrganization, sessions: sessionmaker[Session], path: str
) -> None:
    paging_routing_key(sessions, org.org.id)
    alert(client, org)
    response = client.patch(
        f"{INCIDENTS}/{path}", json={"userName": "nobody", "incidentNames": ["1"]}
    )
    assert response.status_code == 404
    assert response.json() == {"error": "User nobody not found"}
    assert phases(client) == [("1", "UNACKED")]
    assert page_timers(sessions, org) == [page_timer(sessions, org, "1")]


def test_acknowledging_another_organizations_incident_is_not_accepted(
    client: TestClient, other_client: TestClient, org: NewOrganization
) -> None:
    alert(client, org)
    add_user(other_client, "grace")
    [result] = command(other_client, "ack", ["1"], user="grace")["results"]
    assert result == {
        "incidentNumber": "1",
        "cmdAccepted": False,
        "message": "Incident 1 not found",
    }
    assert phases(client) == [("1", "UNACKED")]


def test_missing_incident_names_are_400(client: TestClient) -> None:
    add_user(client, "ada")
    response = client.patch(f"{INCIDENTS}/ack", json={"userName": "ada"})
    assert response.status_code == 400
    assert response.json() == {"error": "incidentNames: Field required"}


# PATCH /incidents/byUser/ack and /byUser/resolve


def test_acknowledging_by_user_acks_the_triggered_incidents_targeting_the_user(
    client: TestClient, org: NewOrganization, sessions: sessionmaker[Session], queries: QueryCounter
) -> None:
    add_user(client, "ada")
    add_user(client, "grace")
    manual(client, "grace")
    manual(client, "ada")
    manual(client, "grace", "ada")
    queries.statements.clear()
    response = client.patch(
        f"{INCIDENTS}/byUser/ack", json={"userName": "grace", "message": "mine"}
    )
    # authenticate, user, incidents; per incident: update, responder, transition, timers
    assert queries.count == 3 + 2 * 4
    assert response.status_code == 200
    assert response.json() == {
        "results": [
            {
                "incidentNumber": number,
                "entityId": incident_row(sessions, org, number).entity_id,
                "cmdAccepted": True,
                "message": "",
            }
            for number in ("1", "3")
        ]
    }
    assert phases(client) == [("1", "ACKED"), ("2", "UNACKED"), ("3", "ACKED")]
    assert page_timers(sessions, org) == [page_timer(sessions, org, "2")]


def test_acknowledging_by_user_leaves_out_acknowledged_and_resolved_incidents(
    client: TestClient,
) -> None:
    add_user(client, "ada")
    manual(client, "ada")
    manual(client, "ada")
    command(client, "ack", ["1"])
    command(client, "resolve", ["2"])
    response = client.patch(f"{INCIDENTS}/byUser/ack", json={"userName": "ada"})
    assert response.json() == {"results": []}


def test_acknowledging_by_user_without_incidents_answers_an_empty_list(
    client: TestClient, org: NewOrganization
) -> None:
    add_user(client, "ada")
    alert(client, org)
    response = client.patch(f"{INCIDENTS}/byUser/ack", json={"userName": "ada"})
    assert response.status_code == 200
    assert response.json() == {"results": []}
    assert phases(client) == [("1", "UNACKED")]


def test_resolving_by_user_resolves_triggered_and_acknowledged_incidents(
    client: TestClient, org: NewOrganization, sessions: sessionmaker[Session]
) -> None:
    add_user(client, "ada")
    add_user(client, "grace")
    manual(client, "ada")
    manual(client, "ada")
    manual(client, "grace")
    command(client, "ack", ["2"])
    response = client.patch(f"{INCIDENTS}/byUser/resolve", json={"userName": "ada"})
    assert [(r["incidentNumber"], r["cmdAccepted"]) for r in response.json()["results"]] == [
        ("1", True),
        ("2", True),
    ]
    assert phases(client) == [("1", "RESOLVED"), ("2", "RESOLVED"), ("3", "UNACKED")]
    assert page_timers(sessions, org) == [page_timer(sessions, org, "3")]


@pytest.mark.parametrize("path", ["byUser/ack", "byUser/resolve"])
def test_by_user_with_an_unknown_user_is_404(client: TestClient, path: str) -> None:
    response = client.patch(f"{INCIDENTS}/{path}", json={"userName": "nobody"})
    assert response.status_code == 404
    assert response.json() == {"error": "User nobody not found"}


def test_by_user_does_not_reach_another_organizations_incidents(
    client: TestClient, other_client: TestClient
) -> None:
    add_user(client, "ada")
    manual(client, "ada")
    add_user(other_client, "ada")
    response = other_client.patch(f"{INCIDENTS}/byUser/resolve", json={"userName": "ada"})
    assert response.json() == {"results": []}
    assert phases(client) == [("1", "UNACKED")]


# POST /incidents/reroute


def user(username: str) -> dict[str, str]:
    return {"type": "User", "slug": username}


def reroute(
    client: TestClient, reroutes: list[dict[str, Any]], by: str = "ada", **extra: Any
) -> dict[str, Any]:
    response = client.post(
        f"{INCIDENTS}/reroute", json={"userName": by, "reroutes": reroutes} | extra
    )
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def test_rerouting_replaces_the_targets_and_pages_again(
    client: TestClient, org: NewOrganization, sessions: sessionmaker[Session], queries: QueryCounter
) -> None:
    add_user(client, "ada")
    add_user(client, "grace")
    manual(client, "ada")
    command(client, "ack", ["1"])
    queries.statements.clear()
    answer = reroute(client, [{"incidentNumber": "1", "targets": [user("grace")]}])
    assert answer == {
        "statuses": [
            {
                "incidentNumber": "1",
                "success": True,
                "message": "",
                "targetStatus": [{"slug": "grace", "success": True, "message": ""}],
            }
        ]
    }
    # authenticate, user, target users, incidents; update, targets, delete ada, insert grace,
    # transition, cancel the old paging, page timer lookup and insert
    assert queries.count == 12
    assert targets_of(sessions, org, "1") == [("user", "grace")]
    assert phases(client) == [("1", "UNACKED")]
    assert page_timers(sessions, org) == [page_timer(sessions, org, "1")]


def test_rerouting_with_add_targets_keeps_the_existing_targets(
    client: TestClient, org: NewOrganization, sessions: sessionmaker[Session]
) -> None:
    add_user(client, "ada")
    add_user(client, "grace")
    manual(client, "ada")
    reroute(client, [{"incidentNumber": "1", "targets": [user("grace")], "addTargets": True}])
    assert targets_of(sessions, org, "1") == [("user", "ada"), ("user", "grace")]


def test_add_targets_is_also_taken_at_the_top_level(
    client: TestClient, org: NewOrganization, sessions: sessionmaker[Session]
) -> None:
    add_user(client, "ada")
    add_user(client, "grace")
    manual(client, "ada")
    reroute(client, [{"incidentNumber": "1", "targets": [user("grace")]}], addTargets=True)
    assert targets_of(sessions, org, "1") == [("user", "ada"), ("user", "grace")]


def test_unknown_targets_fail_alone_and_the_others_are_still_paged(
    client: TestClient, org: NewOrganization, sessions: sessionmaker[Session]
) -> None:
    add_user(client, "ada")
    add_user(client, "grace")
    manual(client, "ada")
    targets = [user("nobody"), user("grace"), {"type": "EscalationPolicy", "slug": "pol-x"}]
    answer = reroute(client, [{"incidentNumber": "1", "targets": targets}])
    assert answer["statuses"] == [
        {
            "incidentNumber": "1",
            "success": True,
            "message": "",
            "targetStatus": [
                {"slug": "nobody", "success": False, "message": "User nobody not found"},
                {"slug": "grace", "success": True, "message": ""},
                {"slug": "pol-x", "success": False, "message": "Escalation policy pol-x not found"},
            ],
        }
    ]
    assert targets_of(sessions, org, "1") == [("user", "grace")]


def test_rerouting_to_no_existing_target_changes_nothing(
    client: TestClient, org: NewOrganization, sessions: sessionmaker[Session]
) -> None:
    add_user(client, "ada")
    manual(client, "ada")
    command(client, "ack", ["1"])
    answer = reroute(client, [{"incidentNumber": "1", "targets": [user("nobody")]}])
    assert answer["statuses"] == [
        {
            "incidentNumber": "1",
            "success": False,
            "message": "No target exists; nothing changed",
            "targetStatus": [
                {"slug": "nobody", "success": False, "message": "User nobody not found"}
            ],
        }
    ]
    assert targets_of(sessions, org, "1") == [("user", "ada")]
    assert phases(client) == [("1", "ACKED")]
    assert page_timers(sessions, org) == []


def test_rerouting_an_unknown_incident_fails_and_the_others_are_still_rerouted(
    client: TestClient, org: NewOrganization, sessions: sessionmaker[Session]
) -> None:
    add_user(client, "ada")
    add_user(client, "grace")
    manual(client, "ada")
    answer = reroute(
        client,
        [
            {"incidentNumber": "5", "targets": [user("grace")]},
            {"incidentNumber": "1", "targets": [user("grace")]},
        ],
    )
    assert [(s["incidentNumber"], s["success"], s["message"]) for s in answer["statuses"]] == [
        ("5", False, "Incident 5 not found"),
        ("1", True, ""),
    ]
    assert answer["statuses"][0]["targetStatus"] == []
    assert targets_of(sessions, org, "1") == [("user", "grace")]


def test_rerouting_a_resolved_incident_fails_and_changes_nothing(
    client: TestClient, org: NewOrganization, sessions: sessionmaker[Session]
) -> None:
    add_user(client, "ada")
    add_user(client, "grace")
    manual(client, "ada")
    command(client, "resolve", ["1"])
    answer = reroute(client, [{"incidentNumber": "1", "targets": [user("grace")]}])
    assert answer["statuses"] == [
        {
            "incidentNumber": "1",
            "success": False,
            "message": "Incident 1 is resolved",
            "targetStatus": [],
        }
    ]
    assert targets_of(sessions, org, "1") == [("user", "ada")]
    assert page_timers(sessions, org) == []


def test_rerouting_by_an_unknown_user_is_404(client: TestClient) -> None:
    add_user(client, "ada")
    manual(client, "ada")
    response = client.post(
        f"{INCIDENTS}/reroute",
        json={
            "userName": "nobody",
            "reroutes": [{"incidentNumber": "1", "targets": [user("ada")]}],
        },
    )
    assert response.status_code == 404
    assert response.json() == {"error": "User nobody not found"}


def test_a_reroute_without_targets_is_400(client: TestClient) -> None:
    add_user(client, "ada")
    response = client.post(
        f"{INCIDENTS}/reroute",
        json={"userName": "ada", "reroutes": [{"incidentNumber": "1", "targets": []}]},
    )
    assert response.status_code == 400
    assert response.json()["error"].startswith("reroutes.0.targets:")


def test_rerouting_another_organizations_incident_fails(
    client: TestClient,
    other_client: TestClient,
    org: NewOrganization,
    sessions: sessionmaker[Session],
) -> None:
    add_user(client, "ada")
    manual(client, "ada")
    add_user(other_client, "ada")
    add_user(other_client, "grace")
    answer = reroute(other_client, [{"incidentNumber": "1", "targets": [user("grace")]}])
    assert answer["statuses"][0]["success"] is False
    assert targets_of(sessions, org, "1") == [("user", "ada")]
