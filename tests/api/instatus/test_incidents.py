"""A page's incidents and their updates: `/v1/{page_id}/incidents[/{id}]` and
`/v1/{page_id}/incidents/{id}/incident-updates[/{update_id}]`."""

import time_machine
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.api.instatus.helpers import add_component, add_incident
from tests.conftest import QueryCounter
from vigil import clock
from vigil.db import transaction
from vigil.incidents.service import NewIncident, trigger
from vigil.orgs.service import NewOrganization


def statuses_shown(client: TestClient, page_id: str) -> dict[str, str]:
    return {c["name"]: c["status"] for c in client.get(f"/v1/{page_id}/components").json()}


def test_an_incident_is_opened_with_its_components(instatus: TestClient, page_id: str) -> None:
    web = add_component(instatus, page_id)
    made = add_incident(
        instatus,
        page_id,
        components=[web],
        statuses=[{"id": web, "status": "PARTIALOUTAGE"}],
        notify=False,
        translations={"name": {"fr": "Site en panne"}, "message": {"fr": "On regarde"}},
    )
    assert made["id"].startswith("ck")
    assert (made["name"], made["status"], made["resolved"]) == (
        "Website down",
        "INVESTIGATING",
        None,
    )
    assert made["started"] == "2026-03-02T12:00:00.000Z"
    assert [c["id"] for c in made["components"]] == [web]
    assert made["statuses"] == [{"id": web, "status": "PARTIALOUTAGE"}]
    assert made["translations"] == {"name": {"fr": "Site en panne"}}
    [first] = made["updates"]
    assert (first["message"], first["status"], first["notify"]) == (
        "We are looking into it",
        "INVESTIGATING",
        False,
    )
    assert first["translations"] == {"message": {"fr": "On regarde"}}
    assert statuses_shown(instatus, page_id) == {"Website": "PARTIALOUTAGE"}


def test_components_without_statuses_show_a_major_outage(
    instatus: TestClient, page_id: str
) -> None:
    web = add_component(instatus, page_id)
    add_incident(instatus, page_id, components=[web])
    assert statuses_shown(instatus, page_id) == {"Website": "MAJOROUTAGE"}


def test_an_incident_may_start_in_the_past(instatus: TestClient, page_id: str) -> None:
    made = add_incident(instatus, page_id, started="2026-03-02 11:30:00.000", status="IDENTIFIED")
    assert (made["started"], made["status"]) == ("2026-03-02T11:30:00.000Z", "IDENTIFIED")


def test_an_incident_is_read_back(instatus: TestClient, page_id: str) -> None:
    made = add_incident(instatus, page_id)
    response = instatus.get(f"/v1/{page_id}/incidents/{made['id']}")
    assert response.status_code == 200
    assert response.json() == made


def test_incidents_are_listed_latest_first_in_constant_queries(
    instatus: TestClient, page_id: str, queries: QueryCounter, travel: time_machine.Traveller
) -> None:
    web = add_component(instatus, page_id)
    for n in range(3):
        travel.shift(60)
        add_incident(instatus, page_id, name=f"i{n}", components=[web])
    queries.statements.clear()
    response = instatus.get(f"/v1/{page_id}/incidents")
    assert [i["name"] for i in response.json()] == ["i2", "i1", "i0"]
    assert all(len(i["components"]) == 1 for i in response.json())
    assert queries.count == 5  # key, page, incidents, their components, their updates


def test_incidents_are_paginated(
    instatus: TestClient, page_id: str, travel: time_machine.Traveller
) -> None:
    for n in range(3):
        travel.shift(60)
        add_incident(instatus, page_id, name=f"i{n}")
    response = instatus.get(f"/v1/{page_id}/incidents", params={"page": 2, "per_page": 2})
    assert [i["name"] for i in response.json()] == ["i0"]


def test_per_page_over_100_is_400(instatus: TestClient, page_id: str) -> None:
    response = instatus.get(f"/v1/{page_id}/incidents", params={"per_page": 500})
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "per_page is from 1 to 100"


def test_a_status_change_posts_an_update(instatus: TestClient, page_id: str) -> None:
    made = add_incident(instatus, page_id)
    response = instatus.put(
        f"/v1/{page_id}/incidents/{made['id']}",
        json={"name": "Website slow", "status": "MONITORING", "message": "A fix is out"},
    )
    assert response.status_code == 200
    changed = response.json()
    assert (changed["name"], changed["status"]) == ("Website slow", "MONITORING")
    assert [u["status"] for u in changed["updates"]] == ["MONITORING", "INVESTIGATING"]


def test_resolving_an_incident_gives_its_components_back(
    instatus: TestClient, page_id: str
) -> None:
    web = add_component(instatus, page_id)
    made = add_incident(instatus, page_id, components=[web])
    resolved = instatus.put(
        f"/v1/{page_id}/incidents/{made['id']}", json={"status": "RESOLVED"}
    ).json()
    assert resolved["resolved"] == "2026-03-02T12:00:00.000Z"
    assert statuses_shown(instatus, page_id) == {"Website": "OPERATIONAL"}


def test_an_incident_is_deleted(instatus: TestClient, page_id: str) -> None:
    made = add_incident(instatus, page_id)
    one = f"/v1/{page_id}/incidents/{made['id']}"
    assert instatus.delete(one).json() == {"id": made["id"]}
    assert instatus.get(one).status_code == 404


def test_an_unknown_incident_is_404(instatus: TestClient, page_id: str) -> None:
    response = instatus.get(f"/v1/{page_id}/incidents/cknone")
    assert response.status_code == 404
    assert response.json()["error"] == {
        "code": "not_found",
        "message": f"No incident cknone on page {page_id}",
    }


def test_an_unknown_incident_status_is_400(instatus: TestClient, page_id: str) -> None:
    response = instatus.post(
        f"/v1/{page_id}/incidents", json={"name": "x", "message": "y", "status": "PANIC"}
    )
    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith("Unknown incident status 'PANIC'")


def test_an_incident_without_a_name_is_400(instatus: TestClient, page_id: str) -> None:
    response = instatus.post(f"/v1/{page_id}/incidents", json={"message": "y"})
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "name is required"


def test_an_unknown_component_is_400(instatus: TestClient, page_id: str) -> None:
    response = instatus.post(
        f"/v1/{page_id}/incidents", json={"name": "x", "components": ["cknope"]}
    )
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "Unknown component(s) on this page: cknope"


def test_a_bad_started_date_is_400(instatus: TestClient, page_id: str) -> None:
    response = instatus.post(f"/v1/{page_id}/incidents", json={"name": "x", "started": "soon"})
    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith("started must be a date and time")


def test_a_read_only_key_cannot_open_an_incident(read_only: TestClient, page_id: str) -> None:
    response = read_only.post(f"/v1/{page_id}/incidents", json={"name": "x"})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"


# --- incident updates -------------------------------------------------------------------------


def updates_url(page_id: str, incident_id: str) -> str:
    return f"/v1/{page_id}/incidents/{incident_id}/incident-updates"


def test_an_update_is_posted_and_moves_the_incident(instatus: TestClient, page_id: str) -> None:
    made = add_incident(instatus, page_id)
    response = instatus.post(
        updates_url(page_id, made["id"]), json={"message": "Found it", "status": "IDENTIFIED"}
    )
    assert response.status_code == 200
    update = response.json()
    assert (update["message"], update["status"], update["notify"]) == (
        "Found it",
        "IDENTIFIED",
        True,
    )
    shown = instatus.get(f"/v1/{page_id}/incidents/{made['id']}").json()
    assert shown["status"] == "IDENTIFIED"


def test_updates_are_listed_newest_first(
    instatus: TestClient, page_id: str, travel: time_machine.Traveller
) -> None:
    made = add_incident(instatus, page_id)
    travel.shift(60)
    instatus.post(updates_url(page_id, made["id"]), json={"message": "second"})
    listed = instatus.get(updates_url(page_id, made["id"])).json()
    assert [u["message"] for u in listed] == ["second", "We are looking into it"]


def test_an_update_is_read_corrected_and_deleted(instatus: TestClient, page_id: str) -> None:
    made = add_incident(instatus, page_id)
    [first] = made["updates"]
    one = f"{updates_url(page_id, made['id'])}/{first['id']}"
    assert instatus.get(one).json() == first
    corrected = instatus.put(one, json={"message": "Looking into it", "status": "IDENTIFIED"})
    assert (corrected.json()["message"], corrected.json()["status"]) == (
        "Looking into it",
        "IDENTIFIED",
    )
    assert instatus.delete(one).json() == {"id": first["id"]}
    assert instatus.get(one).status_code == 404


def test_an_update_without_a_message_is_400(instatus: TestClient, page_id: str) -> None:
    made = add_incident(instatus, page_id)
    response = instatus.post(updates_url(page_id, made["id"]), json={"status": "RESOLVED"})
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "message is required"


def test_an_update_with_an_unknown_status_is_400(instatus: TestClient, page_id: str) -> None:
    made = add_incident(instatus, page_id)
    response = instatus.post(
        updates_url(page_id, made["id"]), json={"message": "x", "status": "FINE"}
    )
    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith("Unknown incident status 'FINE'")


def test_an_unknown_update_is_404(instatus: TestClient, page_id: str) -> None:
    made = add_incident(instatus, page_id)
    response = instatus.get(f"{updates_url(page_id, made['id'])}/cknone")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_an_incident_links_to_the_paging_incident_behind_it(
    instatus: TestClient, page_id: str, sessions: sessionmaker[Session], org: NewOrganization
) -> None:
    with transaction(sessions) as session:
        paging = trigger(
            session, org.org.id, NewIncident("ops", "db-1", "CRITICAL", "db-1 down"), clock.now()
        )

    made = add_incident(instatus, page_id, vigilIncident=paging.number)

    assert made["vigilIncident"] == paging.number
    assert instatus.get(f"/v1/{page_id}/incidents/{made['id']}").json()["vigilIncident"] == (
        paging.number
    )


def test_an_unknown_paging_incident_cannot_be_linked(instatus: TestClient, page_id: str) -> None:
    answer = instatus.post(
        f"/v1/{page_id}/incidents",
        json={"name": "Down", "message": "Looking", "vigilIncident": 999_999},
    )

    assert answer.status_code == 400
    assert answer.json()["error"]["message"] == "No incident #999999 to link"


def test_changing_or_deleting_an_unknown_incident_is_404(
    instatus: TestClient, page_id: str
) -> None:
    one = f"/v1/{page_id}/incidents/cknone"
    for response in (instatus.put(one, json={"status": "RESOLVED"}), instatus.delete(one)):
        assert response.status_code == 404
        assert response.json()["error"] == {
            "code": "not_found",
            "message": f"No incident cknone on page {page_id}",
        }


def test_changing_an_incident_to_an_unknown_status_is_400(
    instatus: TestClient, page_id: str
) -> None:
    made = add_incident(instatus, page_id)
    one = f"/v1/{page_id}/incidents/{made['id']}"
    response = instatus.put(one, json={"status": "PANIC", "message": "x"})
    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith("Unknown incident status 'PANIC'")
    assert instatus.get(one).json() == made


def test_correcting_or_deleting_an_unknown_update_is_404(
    instatus: TestClient, page_id: str
) -> None:
    made = add_incident(instatus, page_id)
    one = f"{updates_url(page_id, made['id'])}/cknone"
    for response in (instatus.put(one, json={"message": "x"}), instatus.delete(one)):
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"


def test_an_update_of_an_unknown_incident_is_404(instatus: TestClient, page_id: str) -> None:
    response = instatus.post(updates_url(page_id, "cknone"), json={"message": "x"})
    assert response.status_code == 404
    assert response.json()["error"]["message"] == f"No incident cknone on page {page_id}"
