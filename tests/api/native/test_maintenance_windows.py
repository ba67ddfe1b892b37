"""The native maintenance window API: making, reading, changing and deleting windows,
with every bad input answered by a clear 4xx."""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import QueryCounter, vo_headers
from tests.maintenance.builders import travel
from tests.maintenance.windows_builders import WindowShop
from vigil.db import transaction
from vigil.orgs.service import NewOrganization, create_api_key

__all__ = ["travel"]

WINDOWS = "/api/v1/maintenance/windows"
ONE_PM = "2026-03-02T13:00"
"""An hour after the frozen clock (MONDAY 2026-03-02 12:00 UTC), as UTC wall-clock time."""


@pytest.fixture
def shop(sessions: sessionmaker[Session], org: NewOrganization, travel: Any) -> WindowShop:
    """Routing keys `ops` and `db`, user ada and team ops; the clock frozen on MONDAY noon."""
    return WindowShop(sessions, org)


def window_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "Database upgrade",
        "routingKeys": ["db"],
        "start": ONE_PM,
        "durationMinutes": 120,
    }
    return body | overrides


def make(client: TestClient, **overrides: Any) -> dict[str, Any]:
    response = client.post(WINDOWS, json=window_body(**overrides))
    assert response.status_code == 201, response.text
    made: dict[str, Any] = response.json()
    return made


def error_of(response: Any, status: int) -> str:
    assert response.status_code == status, response.text
    message: str = response.json()["error"]
    return message


# --- create ---------------------------------------------------------------------------------


def test_creating_a_window_answers_201_with_the_window(
    client: TestClient, shop: WindowShop
) -> None:
    made = make(client, description="Postgres 17", reminders=[30], userName="ada")

    assert made["id"].startswith("mw-")
    assert made | {"id": "", "createdAt": "", "updatedAt": ""} == {
        "id": "",
        "title": "Database upgrade",
        "description": "Postgres 17",
        "global": False,
        "mutesPaging": True,
        "routingKeys": ["db"],
        "timezone": "UTC",
        "start": "2026-03-02T13:00:00",
        "durationMinutes": 120,
        "rrule": None,
        "autoStart": True,
        "autoEnd": True,
        "endBehavior": "repage",
        "exceptions": [],
        "reminders": [30],
        "recipients": [],
        "externalRef": None,
        "externalLink": None,
        "canceled": False,
        "createdBy": "ada",
        "createdAt": "",
        "updatedAt": "",
        "status": "scheduled",
        "outcome": None,
        "occurrence": {
            "index": 0,
            "status": "scheduled",
            "outcome": None,
            "plannedStart": "2026-03-02T13:00:00Z",
            "plannedEnd": "2026-03-02T15:00:00Z",
            "actualStart": None,
            "actualEnd": None,
            "maintenanceModeId": None,
        },
    }
    assert made["createdAt"] == "2026-03-02T12:00:00Z"


def test_the_creator_defaults_to_api(client: TestClient, shop: WindowShop) -> None:
    assert make(client)["createdBy"] == "api"


def test_creating_a_window_takes_a_fixed_number_of_queries(
    client: TestClient, shop: WindowShop, queries: QueryCounter
) -> None:
    queries.statements.clear()

    make(client, recipients=[{"type": "user", "ref": "ada"}])

    assert queries.count == 20, "\n".join(queries.statements)


def test_the_start_is_wall_clock_time_in_the_zone(client: TestClient, shop: WindowShop) -> None:
    made = make(client, start="2026-03-02T14:00", timezone="Europe/Berlin")

    assert made["start"] == "2026-03-02T14:00:00"
    assert made["occurrence"]["plannedStart"] == "2026-03-02T13:00:00Z"


def test_a_start_with_an_offset_is_turned_into_the_zone_wall_clock(
    client: TestClient, shop: WindowShop
) -> None:
    made = make(client, start="2026-03-02T13:00:00Z", timezone="Europe/Berlin")

    assert made["start"] == "2026-03-02T14:00:00"
    assert made["occurrence"]["plannedStart"] == "2026-03-02T13:00:00Z"


def test_an_end_gives_the_duration(client: TestClient, shop: WindowShop) -> None:
    made = make(client, durationMinutes=None, end="2026-03-02T13:45")

    assert made["durationMinutes"] == 45
    assert made["occurrence"]["plannedEnd"] == "2026-03-02T13:45:00Z"


def test_a_global_window_mutes_every_key(client: TestClient, shop: WindowShop) -> None:
    made = make(client, routingKeys=None, **{"global": True})

    assert (made["global"], made["routingKeys"]) == (True, [])


def test_a_series_keeps_its_rule_and_everything_given(client: TestClient, shop: WindowShop) -> None:
    made = make(
        client,
        rrule="freq=weekly;byday=mo",
        autoStart=False,
        autoEnd=False,
        endBehavior="digest",
        exceptions=[{"minSeverity": "CRITICAL"}, {"entityPrefix": "ups-"}],
        recipients=[{"type": "user", "ref": "ada"}, {"type": "email", "ref": "ops@example.com"}],
        externalRef="CHG-42",
        externalLink="https://change.example.com/CHG-42",
    )

    assert made["rrule"] == "FREQ=WEEKLY;BYDAY=MO"
    assert (made["autoStart"], made["autoEnd"], made["endBehavior"]) == (False, False, "digest")
    assert made["exceptions"] == [{"minSeverity": "CRITICAL"}, {"entityPrefix": "ups-"}]
    assert made["recipients"] == [
        {"type": "user", "ref": "ada"},
        {"type": "email", "ref": "ops@example.com"},
    ]
    assert (made["externalRef"], made["externalLink"]) == (
        "CHG-42",
        "https://change.example.com/CHG-42",
    )


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"start": "tomorrow"}, "start must be an ISO 8601 date and time"),
        ({"start": "2026-03-02"}, "start must be an ISO 8601 date and time"),
        ({"start": "2026-02-30T13:00"}, "start must be an ISO 8601 date and time"),
        ({"end": "2026-03-02T12:30", "durationMinutes": None}, "end must be after start"),
        ({"end": "2026-03-02T14:00"}, "end or durationMinutes, not both"),
        ({"durationMinutes": None}, "Give end or durationMinutes"),
        ({"durationMinutes": 0}, "durationMinutes"),
        ({"timezone": "Mars/Olympus"}, "unknown time zone"),
        ({"rrule": "FREQ=MINUTELY"}, "FREQ=MINUTELY is not allowed"),
        ({"rrule": "FREQ=MONTHLY;BYMONTHDAY=30;BYMONTH=2"}, "never happens"),
        ({"routingKeys": ["nope"]}, "Unknown routing key(s): nope"),
        ({"routingKeys": []}, "Name the routing keys"),
        ({"recipients": [{"type": "user", "ref": "nobody"}]}, "Unknown user recipient"),
        ({"recipients": [{"type": "pager", "ref": "x"}]}, "recipients.0.type"),
        ({"externalLink": "ftp://example.com"}, "externalLink must be an http(s) URL"),
        ({"title": ""}, "title"),
        ({"endBehavior": "later"}, "endBehavior"),
        ({"exceptions": [{}]}, "An exception needs"),
        ({"reminders": [0]}, "Reminders are minutes before the start"),
        ({"start": "2026-03-01T09:00"}, "every occurrence ends in the past"),
    ],
)
def test_bad_windows_are_refused_with_400(
    client: TestClient, shop: WindowShop, overrides: dict[str, Any], message: str
) -> None:
    response = client.post(WINDOWS, json=window_body(**overrides))

    assert message in error_of(response, 400)


def test_a_body_that_is_not_json_is_refused_with_400(client: TestClient, shop: WindowShop) -> None:
    response = client.post(WINDOWS, content=b"{", headers={"Content-Type": "application/json"})

    assert "not valid JSON" in error_of(response, 400)


# --- read -----------------------------------------------------------------------------------


def test_a_window_reads_back_as_made(client: TestClient, shop: WindowShop) -> None:
    made = make(client)

    assert client.get(f"{WINDOWS}/{made['id']}").json() == made


def test_reading_a_window_takes_a_fixed_number_of_queries(
    client: TestClient, shop: WindowShop, queries: QueryCounter
) -> None:
    made = make(client, recipients=[{"type": "user", "ref": "ada"}])
    client.post(f"{WINDOWS}/{made['id']}/start")
    queries.statements.clear()

    response = client.get(f"{WINDOWS}/{made['id']}")

    assert response.json()["occurrence"]["maintenanceModeId"].startswith("mm-")
    assert queries.count == 6, "\n".join(queries.statements)


def test_an_unknown_window_is_404(client: TestClient, shop: WindowShop) -> None:
    response = client.get(f"{WINDOWS}/mw-nope")

    assert error_of(response, 404) == "No maintenance window mw-nope"


def test_another_organization_cannot_see_a_window(
    client: TestClient, other_client: TestClient, shop: WindowShop
) -> None:
    made = make(client)

    assert other_client.get(f"{WINDOWS}/{made['id']}").status_code == 404


# --- update ---------------------------------------------------------------------------------


def test_patching_changes_only_the_fields_given(client: TestClient, shop: WindowShop) -> None:
    made = make(client, description="Postgres 17", externalRef="CHG-1")

    changed = client.patch(
        f"{WINDOWS}/{made['id']}", json={"title": "Postgres upgrade", "externalRef": None}
    )

    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert (body["title"], body["description"], body["externalRef"]) == (
        "Postgres upgrade",
        "Postgres 17",
        None,
    )
    assert body["occurrence"] == made["occurrence"]


def test_patching_the_start_moves_the_scheduled_occurrence(
    client: TestClient, shop: WindowShop
) -> None:
    made = make(client)

    body = client.patch(f"{WINDOWS}/{made['id']}", json={"start": "2026-03-03T13:00"}).json()

    assert body["start"] == "2026-03-03T13:00:00"
    assert body["durationMinutes"] == 120
    assert body["occurrence"]["plannedStart"] == "2026-03-03T13:00:00Z"
    assert body["occurrence"]["plannedEnd"] == "2026-03-03T15:00:00Z"


def test_patching_the_zone_keeps_the_wall_clock_start(client: TestClient, shop: WindowShop) -> None:
    made = make(client)

    body = client.patch(f"{WINDOWS}/{made['id']}", json={"timezone": "Europe/Berlin"}).json()

    assert (body["timezone"], body["start"]) == ("Europe/Berlin", "2026-03-02T13:00:00")
    assert body["occurrence"]["plannedStart"] == "2026-03-02T12:00:00Z"


def test_patching_an_end_sets_the_duration(client: TestClient, shop: WindowShop) -> None:
    made = make(client)

    body = client.patch(f"{WINDOWS}/{made['id']}", json={"end": "2026-03-02T13:30"}).json()

    assert body["durationMinutes"] == 30


def test_patching_the_rrule_to_null_makes_a_one_off(client: TestClient, shop: WindowShop) -> None:
    made = make(client, rrule="FREQ=DAILY")

    body = client.patch(f"{WINDOWS}/{made['id']}", json={"rrule": None}).json()

    assert body["rrule"] is None


def test_patching_routing_keys_of_a_global_window_scopes_it(
    client: TestClient, shop: WindowShop
) -> None:
    made = make(client, routingKeys=None, **{"global": True})

    body = client.patch(f"{WINDOWS}/{made['id']}", json={"routingKeys": ["ops"]}).json()

    assert (body["global"], body["routingKeys"]) == (False, ["ops"])


def test_patching_a_scoped_window_to_global_drops_its_routing_keys(
    client: TestClient, shop: WindowShop
) -> None:
    made = make(client)

    body = client.patch(f"{WINDOWS}/{made['id']}", json={"global": True}).json()

    assert (body["global"], body["routingKeys"]) == (True, [])


def test_patching_both_routing_keys_and_global_is_refused(
    client: TestClient, shop: WindowShop
) -> None:
    made = make(client)

    response = client.patch(f"{WINDOWS}/{made['id']}", json={"global": True, "routingKeys": ["db"]})

    assert "give routingKeys or global, not both" in error_of(response, 400)
    assert client.get(f"{WINDOWS}/{made['id']}").json() == made


def test_patching_recipients_replaces_them(client: TestClient, shop: WindowShop) -> None:
    made = make(client, recipients=[{"type": "user", "ref": "ada"}])

    body = client.patch(
        f"{WINDOWS}/{made['id']}", json={"recipients": [{"type": "email", "ref": "a@b.example"}]}
    ).json()

    assert body["recipients"] == [{"type": "email", "ref": "a@b.example"}]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"start": "soon"}, "start must be an ISO 8601"),
        ({"end": "2026-03-02T12:00"}, "end must be after start"),
        ({"end": "2026-03-02T16:00", "durationMinutes": 30}, "not both"),
        ({"timezone": "Nowhere/Land"}, "unknown time zone"),
        ({"rrule": "FREQ=SECONDLY"}, "FREQ=SECONDLY is not allowed"),
        ({"routingKeys": ["nope"]}, "Unknown routing key(s): nope"),
        ({"recipients": [{"type": "team", "ref": "nobody"}]}, "Unknown team recipient"),
        ({"externalLink": "javascript:alert(1)"}, "externalLink must be an http(s) URL"),
    ],
)
def test_bad_changes_are_refused_with_400(
    client: TestClient, shop: WindowShop, change: dict[str, Any], message: str
) -> None:
    made = make(client)

    assert message in error_of(client.patch(f"{WINDOWS}/{made['id']}", json=change), 400)


def test_the_scope_cannot_change_while_in_progress(client: TestClient, shop: WindowShop) -> None:
    made = make(client)
    client.post(f"{WINDOWS}/{made['id']}/start")

    response = client.patch(f"{WINDOWS}/{made['id']}", json={"routingKeys": ["ops"]})

    assert "cannot change while the window is in progress" in error_of(response, 409)


def test_patching_an_unknown_window_is_404(client: TestClient, shop: WindowShop) -> None:
    assert client.patch(f"{WINDOWS}/mw-nope", json={"title": "x"}).status_code == 404


# --- delete ---------------------------------------------------------------------------------


def test_deleting_a_window_that_never_started_removes_it(
    client: TestClient, shop: WindowShop
) -> None:
    made = make(client)

    response = client.delete(f"{WINDOWS}/{made['id']}")

    assert (response.status_code, response.content) == (204, b"")
    assert client.get(f"{WINDOWS}/{made['id']}").status_code == 404


def test_deleting_a_window_that_started_is_409(client: TestClient, shop: WindowShop) -> None:
    made = make(client)
    client.post(f"{WINDOWS}/{made['id']}/start")

    response = client.delete(f"{WINDOWS}/{made['id']}")

    assert "cancel it instead" in error_of(response, 409)


def test_deleting_an_unknown_window_is_404(client: TestClient, shop: WindowShop) -> None:
    assert client.delete(f"{WINDOWS}/mw-nope").status_code == 404


# --- authentication and documentation -------------------------------------------------------


ROUTES = [
    ("GET", WINDOWS),
    ("POST", WINDOWS),
    *((method, f"{WINDOWS}/{{id}}") for method in ("GET", "PATCH", "DELETE")),
    *(("POST", f"{WINDOWS}/{{id}}/{verb}") for verb in ("start", "end", "extend", "cancel")),
    ("GET", f"{WINDOWS}/{{id}}/occurrences"),
    ("GET", f"{WINDOWS}/{{id}}/timeline"),
    ("POST", f"{WINDOWS}/{{id}}/timeline"),
]
"""Every route of the native window API, `{id}` standing for the window's."""


def test_the_route_list_is_every_route(anonymous: TestClient) -> None:
    paths = anonymous.get("/openapi.json").json()["paths"]

    documented = {
        (method.upper(), path.replace("{window_id}", "{id}"))
        for path, methods in paths.items()
        if path.startswith(WINDOWS)
        for method in methods
    }
    assert documented == set(ROUTES)


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_every_route_needs_the_api_headers(
    anonymous: TestClient, client: TestClient, shop: WindowShop, method: str, path: str
) -> None:
    made = make(client)

    response = anonymous.request(method, path.format(id=made["id"]), json=window_body())

    assert response.status_code == 401, response.text
    assert client.get(f"{WINDOWS}/{made['id']}").json() == made


def test_aread_only_key_may_read_but_not_write(
    app: Any, sessions: sessionmaker[Session], org: NewOrganization, shop: WindowShop
) -> None:
    read_only = read_only_key(sessions, org)
    with TestClient(app, headers=vo_headers(org, read_only)) as reader:
        assert reader.get(WINDOWS).status_code == 200
        response = reader.post(WINDOWS, json=window_body())
    assert error_of(response, 403) == "This API key is read-only"


def test_the_routes_are_described_in_openapi(anonymous: TestClient) -> None:
    paths = anonymous.get("/openapi.json").json()["paths"]

    window = paths[f"{WINDOWS}/{{window_id}}"]
    assert set(paths[WINDOWS]) == {"get", "post"}
    assert set(window) == {"get", "patch", "delete"}
    for verb in ("start", "end", "extend", "cancel", "occurrences", "timeline"):
        assert f"{WINDOWS}/{{window_id}}/{verb}" in paths
    assert paths[WINDOWS]["post"]["summary"] == "Schedule a maintenance window"
    ended = paths[f"{WINDOWS}/{{window_id}}/end"]["post"]["responses"]
    assert set(ended) >= {"200", "400", "401", "403", "404", "409"}
    assert ended["200"]["content"]["application/json"]["example"]["id"].startswith("mw-")
    assert "requestBody" in paths[WINDOWS]["post"]


def read_only_key(sessions: sessionmaker[Session], created: NewOrganization) -> str:
    with transaction(sessions) as session:
        _, secret = create_api_key(session, created.org.id, read_only=True)
    return secret


def test_a_window_for_status_pages_only_mutes_no_paging(client: TestClient) -> None:
    answer = client.post(
        "/api/v1/maintenance/windows",
        json={
            "title": "Website redesign",
            "mutesPaging": False,
            "start": "2030-01-01T10:00:00Z",
            "durationMinutes": 30,
        },
    )

    assert answer.status_code == 201, answer.text
    assert (answer.json()["mutesPaging"], answer.json()["routingKeys"]) == (False, [])
