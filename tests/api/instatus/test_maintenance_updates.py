"""A maintenance's updates: `/v1/{page_id}/maintenances/{id}/maintenance-updates[/{update_id}]`,
the window's public timeline."""

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.api.instatus.helpers import add_maintenance
from tests.conftest import QueryCounter
from vigil.db import transaction
from vigil.maintenance import windows
from vigil.orgs.service import NewOrganization


def updates_url(page_id: str, maintenance_id: str) -> str:
    return f"/v1/{page_id}/maintenances/{maintenance_id}/maintenance-updates"


def test_an_update_is_posted(instatus: TestClient, page_id: str) -> None:
    made = add_maintenance(instatus, page_id, [])
    response = instatus.post(
        updates_url(page_id, made["id"]),
        json={
            "message": "Still on schedule",
            "notify": False,
            "translations": {"message": {"fr": "Toujours prévu"}},
        },
    )
    assert response.status_code == 200
    update = response.json()
    assert {k: update[k] for k in ("message", "status", "notify", "translations")} == {
        "message": "Still on schedule",
        "status": "NOTSTARTEDYET",
        "notify": False,
        "translations": {"message": {"fr": "Toujours prévu"}},
    }
    assert update["createdAt"] == "2026-03-02T12:00:00.000Z"


def test_an_update_with_status_inprogress_starts_the_maintenance(
    instatus: TestClient, page_id: str
) -> None:
    made = add_maintenance(instatus, page_id, [])
    instatus.post(
        updates_url(page_id, made["id"]), json={"message": "Starting", "status": "INPROGRESS"}
    )
    shown = instatus.get(f"/v1/{page_id}/maintenances/{made['id']}").json()
    assert shown["status"] == "INPROGRESS"
    assert [(u["message"], u["status"]) for u in shown["updates"]] == [
        ("Starting", "INPROGRESS"),
        ("We are scheduling a test maintenance", "NOTSTARTEDYET"),
    ]


def test_an_update_with_status_completed_ends_the_maintenance(
    instatus: TestClient, page_id: str
) -> None:
    made = add_maintenance(instatus, page_id, [], status="INPROGRESS")
    instatus.post(updates_url(page_id, made["id"]), json={"message": "Done", "status": "COMPLETED"})
    assert instatus.get(f"/v1/{page_id}/maintenances/{made['id']}").json()["status"] == "COMPLETED"


def test_updates_are_listed_newest_first_in_constant_queries(
    instatus: TestClient, page_id: str, queries: QueryCounter
) -> None:
    made = add_maintenance(instatus, page_id, [])
    for message in ("two", "three"):
        instatus.post(updates_url(page_id, made["id"]), json={"message": message})
    queries.statements.clear()
    response = instatus.get(updates_url(page_id, made["id"]))
    assert [u["message"] for u in response.json()] == [
        "three",
        "two",
        "We are scheduling a test maintenance",
    ]
    assert queries.count == 7  # key, page, window, occurrences, publication, components, updates


def test_an_update_is_read_back(instatus: TestClient, page_id: str) -> None:
    made = add_maintenance(instatus, page_id, [])
    [first] = made["updates"]
    response = instatus.get(f"{updates_url(page_id, made['id'])}/{first['id']}")
    assert response.status_code == 200
    assert response.json() == first


def test_an_update_is_corrected_and_the_former_text_kept(
    instatus: TestClient, page_id: str, org: NewOrganization, sessions: sessionmaker[Session]
) -> None:
    made = add_maintenance(instatus, page_id, [])
    [first] = made["updates"]
    response = instatus.put(
        f"{updates_url(page_id, made['id'])}/{first['id']}", json={"message": "Moved by a day"}
    )
    assert response.status_code == 200
    assert response.json()["message"] == "Moved by a day"
    with transaction(sessions) as session:
        [event] = [
            e for e in windows.timeline(session, org.org.id, made["id"]) if e.kind == "update"
        ]
        assert event.details["edits"][0]["body"] == "We are scheduling a test maintenance"


def test_a_deleted_update_leaves_the_page_but_stays_on_the_timeline(
    instatus: TestClient, page_id: str, org: NewOrganization, sessions: sessionmaker[Session]
) -> None:
    made = add_maintenance(instatus, page_id, [])
    [first] = made["updates"]
    one = f"{updates_url(page_id, made['id'])}/{first['id']}"
    assert instatus.delete(one).json() == {"id": first["id"]}
    assert instatus.get(one).status_code == 404
    assert instatus.get(updates_url(page_id, made["id"])).json() == []
    with transaction(sessions) as session:
        kinds = [e.kind for e in windows.timeline(session, org.org.id, made["id"])]
        assert "update" in kinds


def test_an_update_without_a_message_is_400(instatus: TestClient, page_id: str) -> None:
    made = add_maintenance(instatus, page_id, [])
    response = instatus.post(updates_url(page_id, made["id"]), json={"status": "INPROGRESS"})
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "message is required"


def test_an_update_with_an_unknown_status_is_400(instatus: TestClient, page_id: str) -> None:
    made = add_maintenance(instatus, page_id, [])
    response = instatus.post(
        updates_url(page_id, made["id"]), json={"message": "x", "status": "DONE"}
    )
    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith("Unknown maintenance status 'DONE'")


def test_an_unknown_update_is_404(instatus: TestClient, page_id: str) -> None:
    made = add_maintenance(instatus, page_id, [])
    for update_id in ("999999", "not-a-number"):
        response = instatus.get(f"{updates_url(page_id, made['id'])}/{update_id}")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"


def test_updates_of_an_unknown_maintenance_are_404(instatus: TestClient, page_id: str) -> None:
    assert instatus.get(updates_url(page_id, "mw-none")).status_code == 404


def test_a_read_only_key_cannot_post_an_update(
    instatus: TestClient, read_only: TestClient, page_id: str
) -> None:
    made = add_maintenance(instatus, page_id, [])
    response = read_only.post(updates_url(page_id, made["id"]), json={"message": "x"})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"


def test_correcting_or_deleting_an_unknown_update_is_404(
    instatus: TestClient, page_id: str
) -> None:
    made = add_maintenance(instatus, page_id, [])
    one = f"{updates_url(page_id, made['id'])}/999999"
    for response in (instatus.put(one, json={"message": "x"}), instatus.delete(one)):
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"


def test_an_update_of_an_unknown_maintenance_is_404(instatus: TestClient, page_id: str) -> None:
    response = instatus.post(updates_url(page_id, "mw-none"), json={"message": "x"})
    assert response.status_code == 404
    assert response.json()["error"]["message"] == f"No maintenance mw-none on page {page_id}"
