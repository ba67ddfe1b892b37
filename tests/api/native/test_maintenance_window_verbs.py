"""The native maintenance window API, verbs on the current occurrence (start, end, extend,
cancel) and the window's occurrences and timeline."""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.api.native.test_maintenance_windows import (
    WINDOWS,
    error_of,
    make,
    read_only_key,
    shop,
)
from tests.conftest import QueryCounter, vo_headers
from tests.maintenance.builders import later, travel
from tests.maintenance.windows_builders import WindowShop
from vigil.orgs.service import NewOrganization

__all__ = ["shop", "travel"]

MODES = "/api-public/v1/maintenancemode"


def verb(client: TestClient, window: dict[str, Any], name: str, **body: Any) -> Any:
    return client.post(f"{WINDOWS}/{window['id']}/{name}", json=body or None)


def done(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


# --- start ----------------------------------------------------------------------------------


def test_starting_early_opens_a_maintenance_mode(client: TestClient, shop: WindowShop) -> None:
    made = make(client)

    started = done(verb(client, made, "start", userName="ada"))

    occurrence = started["occurrence"]
    assert (started["status"], occurrence["actualStart"]) == ("in_progress", "2026-03-02T12:00:00Z")
    [mode] = client.get(MODES).json()["activeInstances"]
    assert mode["instanceId"] == occurrence["maintenanceModeId"]
    assert (mode["routingKeys"], mode["startedBy"]) == (["db"], "ada")


def test_starting_a_started_window_is_409(client: TestClient, shop: WindowShop) -> None:
    made = make(client)
    verb(client, made, "start")

    assert "only a scheduled window starts" in error_of(verb(client, made, "start"), 409)


def test_a_window_starts_beside_a_global_mode_started_by_hand(
    client: TestClient, shop: WindowShop
) -> None:
    client.post(f"{MODES}/start", json={})
    made = make(client, routingKeys=None, **{"global": True})

    started = done(verb(client, made, "start"))

    assert started["status"] == "in_progress"
    assert len(client.get(MODES).json()["activeInstances"]) == 2


def test_starting_an_unknown_window_is_404(client: TestClient, shop: WindowShop) -> None:
    assert client.post(f"{WINDOWS}/mw-nope/start").status_code == 404


# --- end ------------------------------------------------------------------------------------


def test_ending_closes_the_mode_with_the_outcome(
    client: TestClient, shop: WindowShop, travel: Any
) -> None:
    made = make(client)
    verb(client, made, "start")
    later(travel, 30)

    ended = done(verb(client, made, "end", outcome="failed", note="Rolled back"))

    assert (ended["status"], ended["outcome"]) == ("completed", "failed")
    assert ended["occurrence"]["actualEnd"] == "2026-03-02T12:30:00Z"
    assert client.get(MODES).json()["activeInstances"] == []


def test_ending_its_mode_through_the_victorops_api_ends_the_window(
    client: TestClient, shop: WindowShop, travel: Any
) -> None:
    made = make(client)
    mode = done(verb(client, made, "start"))["occurrence"]["maintenanceModeId"]
    later(travel, 30)

    response = client.put(f"{MODES}/{mode}/end", json={"userName": "ada"})

    assert response.status_code == 200, response.text
    assert response.json()["activeInstances"] == []
    window = client.get(f"{WINDOWS}/{made['id']}").json()
    assert (window["status"], window["outcome"]) == ("completed", "succeeded")
    assert window["occurrence"]["actualEnd"] == "2026-03-02T12:30:00Z"
    events = client.get(f"{WINDOWS}/{made['id']}/timeline").json()["events"]
    assert (events[-1]["kind"], events[-1]["actor"]) == ("ended", "ada")


def test_ending_succeeds_by_default(client: TestClient, shop: WindowShop) -> None:
    made = make(client)
    verb(client, made, "start")

    assert done(verb(client, made, "end"))["outcome"] == "succeeded"


def test_ending_a_scheduled_window_is_409(client: TestClient, shop: WindowShop) -> None:
    made = make(client)

    assert "only a window in progress ends" in error_of(verb(client, made, "end"), 409)


def test_an_unknown_outcome_is_400(client: TestClient, shop: WindowShop) -> None:
    made = make(client)
    verb(client, made, "start")

    assert "outcome" in error_of(verb(client, made, "end", outcome="meh"), 400)


# --- extend ---------------------------------------------------------------------------------


def test_extending_by_minutes_moves_the_planned_end(client: TestClient, shop: WindowShop) -> None:
    made = make(client)

    extended = done(verb(client, made, "extend", minutes=30))

    assert extended["occurrence"]["plannedEnd"] == "2026-03-02T15:30:00Z"


def test_extending_to_a_local_end_reads_it_in_the_window_zone(
    client: TestClient, shop: WindowShop
) -> None:
    made = make(client, start="2026-03-02T14:00", timezone="Europe/Berlin")

    extended = done(verb(client, made, "extend", end="2026-03-02T17:00"))

    assert extended["occurrence"]["plannedEnd"] == "2026-03-02T16:00:00Z"


def test_extending_to_an_instant(client: TestClient, shop: WindowShop) -> None:
    made = make(client, timezone="Europe/Berlin", start="2026-03-02T14:00")

    extended = done(verb(client, made, "extend", end="2026-03-02T18:00:00Z"))

    assert extended["occurrence"]["plannedEnd"] == "2026-03-02T18:00:00Z"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "Give end (the new planned end) or minutes"),
        ({"end": "2026-03-02T18:00", "minutes": 5}, "Give end or minutes, not both"),
        ({"end": "later"}, "end must be an ISO 8601"),
        ({"end": "2026-03-02T12:30"}, "The new end must be after the start"),
        ({"minutes": -200}, "The new end must be after the start"),
    ],
)
def test_bad_extensions_are_400(
    client: TestClient, shop: WindowShop, body: dict[str, Any], message: str
) -> None:
    made = make(client)

    response = client.post(f"{WINDOWS}/{made['id']}/extend", json=body)

    assert message in error_of(response, 400)


def test_extending_a_finished_window_is_409(client: TestClient, shop: WindowShop) -> None:
    made = make(client)
    verb(client, made, "start")
    verb(client, made, "end")

    assert "nothing to extend" in error_of(verb(client, made, "extend", minutes=10), 409)


# --- cancel ---------------------------------------------------------------------------------


def test_canceling_a_one_off_window_cancels_its_occurrence(
    client: TestClient, shop: WindowShop
) -> None:
    made = make(client)

    canceled = done(verb(client, made, "cancel", note="Postponed"))

    assert (canceled["status"], canceled["canceled"]) == ("canceled", True)


def test_canceling_one_occurrence_of_a_series_moves_to_the_next(
    client: TestClient, shop: WindowShop
) -> None:
    made = make(client, rrule="FREQ=DAILY")

    following = done(verb(client, made, "cancel"))

    assert (following["status"], following["occurrence"]["index"]) == ("scheduled", 1)
    assert following["occurrence"]["plannedStart"] == "2026-03-03T13:00:00Z"


def test_canceling_the_series_stops_it(client: TestClient, shop: WindowShop) -> None:
    made = make(client, rrule="FREQ=DAILY")

    canceled = done(verb(client, made, "cancel", series=True))

    assert (canceled["status"], canceled["canceled"]) == ("canceled", True)


def test_canceling_a_window_in_progress_is_409(client: TestClient, shop: WindowShop) -> None:
    made = make(client)
    verb(client, made, "start")

    assert "end it instead" in error_of(verb(client, made, "cancel"), 409)


def test_canceling_a_canceled_series_is_409(client: TestClient, shop: WindowShop) -> None:
    made = make(client, rrule="FREQ=DAILY")
    verb(client, made, "cancel", series=True)

    assert "already canceled" in error_of(verb(client, made, "cancel", series=True), 409)


# --- occurrences ----------------------------------------------------------------------------


def test_occurrences_list_the_stored_one_then_those_planned(
    client: TestClient, shop: WindowShop
) -> None:
    made = make(client, rrule="FREQ=DAILY;COUNT=3")
    verb(client, made, "start")

    found = done(client.get(f"{WINDOWS}/{made['id']}/occurrences"))["occurrences"]

    assert [(o["index"], o["status"], o["stored"]) for o in found] == [
        (0, "in_progress", True),
        (1, "scheduled", False),
        (2, "scheduled", False),
    ]
    assert found[1] == {
        "index": 1,
        "status": "scheduled",
        "outcome": None,
        "plannedStart": "2026-03-03T13:00:00Z",
        "plannedEnd": "2026-03-03T15:00:00Z",
        "actualStart": None,
        "actualEnd": None,
        "stored": False,
    }


def test_occurrences_take_a_period_and_a_limit(client: TestClient, shop: WindowShop) -> None:
    made = make(client, rrule="FREQ=DAILY")

    found = done(
        client.get(
            f"{WINDOWS}/{made['id']}/occurrences",
            params={"from": "2026-03-05T00:00:00Z", "to": "2026-03-10T00:00:00Z", "limit": 2},
        )
    )["occurrences"]

    assert [o["plannedStart"] for o in found] == ["2026-03-05T13:00:00Z", "2026-03-06T13:00:00Z"]


def test_occurrences_default_to_the_next_30_days(client: TestClient, shop: WindowShop) -> None:
    made = make(client, rrule="FREQ=DAILY")

    found = done(client.get(f"{WINDOWS}/{made['id']}/occurrences"))["occurrences"]

    assert len(found) == 30


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=soon", "from must be an ISO 8601"),
        ("to=2026-03-01T00:00:00Z", "to must be after from"),
        ("limit=1001", "limit must be a whole number from 1 to 1000"),
        ("limit=0", "limit must be a whole number from 1 to 1000"),
    ],
)
def test_bad_occurrence_parameters_are_400(
    client: TestClient, shop: WindowShop, query: str, message: str
) -> None:
    made = make(client)

    assert message in error_of(client.get(f"{WINDOWS}/{made['id']}/occurrences?{query}"), 400)


def test_occurrences_of_an_unknown_window_are_404(client: TestClient, shop: WindowShop) -> None:
    assert client.get(f"{WINDOWS}/mw-nope/occurrences").status_code == 404


# --- timeline -------------------------------------------------------------------------------


def test_the_timeline_records_each_change_with_its_actor(
    client: TestClient, shop: WindowShop, travel: Any
) -> None:
    made = make(client, userName="ada")
    verb(client, made, "start", userName="bob")
    later(travel, 10)
    verb(client, made, "end")

    events = done(client.get(f"{WINDOWS}/{made['id']}/timeline"))["events"]

    assert [(e["kind"], e["actor"]) for e in events] == [
        ("created", "ada"),
        ("started", "bob"),
        ("ended", "api"),
    ]
    assert events[1]["public"] is True
    assert events[1]["body"] == "Maintenance started early"
    assert events[1]["occurrence"] == 0
    assert events[2]["at"] == "2026-03-02T12:10:00Z"


def test_adding_a_comment_answers_201_with_the_event(client: TestClient, shop: WindowShop) -> None:
    made = make(client)

    response = client.post(
        f"{WINDOWS}/{made['id']}/timeline", json={"body": "DBA on standby", "userName": "ada"}
    )

    assert response.status_code == 201, response.text
    assert response.json() == {
        "at": "2026-03-02T12:00:00Z",
        "kind": "comment",
        "actor": "ada",
        "public": False,
        "body": "DBA on standby",
        "occurrence": 0,
        "details": {},
    }


def test_reading_the_timeline_takes_a_fixed_number_of_queries(
    client: TestClient, shop: WindowShop, queries: QueryCounter
) -> None:
    made = make(client)
    for n in range(5):
        client.post(f"{WINDOWS}/{made['id']}/timeline", json={"body": f"note {n}"})
    queries.statements.clear()

    events = client.get(f"{WINDOWS}/{made['id']}/timeline").json()["events"]

    assert len(events) == 6
    assert queries.count == 3, "\n".join(queries.statements)  # authenticate, window, events


def test_the_public_timeline_leaves_out_comments(client: TestClient, shop: WindowShop) -> None:
    made = make(client)
    client.post(f"{WINDOWS}/{made['id']}/timeline", json={"body": "internal"})
    client.post(f"{WINDOWS}/{made['id']}/timeline", json={"body": "On track", "public": True})

    events = done(client.get(f"{WINDOWS}/{made['id']}/timeline?public=true"))["events"]

    assert [(e["kind"], e["body"]) for e in events] == [("update", "On track")]


def test_an_empty_note_is_400(client: TestClient, shop: WindowShop) -> None:
    made = make(client)

    response = client.post(f"{WINDOWS}/{made['id']}/timeline", json={"body": "  "})

    assert error_of(response, 400) == "A note needs a body"


def test_a_bad_public_flag_is_400(client: TestClient, shop: WindowShop) -> None:
    made = make(client)

    response = client.get(f"{WINDOWS}/{made['id']}/timeline?public=yes")

    assert error_of(response, 400) == "public must be true or false; got 'yes'"


def test_a_read_only_key_may_not_use_the_verbs(
    app: Any,
    client: TestClient,
    sessions: sessionmaker[Session],
    org: NewOrganization,
    shop: WindowShop,
) -> None:
    made = make(client)
    window = f"{WINDOWS}/{made['id']}"
    writes = [
        ("POST", f"{window}/start", None),
        ("POST", f"{window}/end", None),
        ("POST", f"{window}/extend", {"minutes": 30}),
        ("POST", f"{window}/cancel", None),
        ("POST", f"{window}/timeline", {"body": "hello"}),
        ("PATCH", window, {"title": "Renamed"}),
        ("DELETE", window, None),
    ]
    with TestClient(app, headers=vo_headers(org, read_only_key(sessions, org))) as reader:
        for method, path, body in writes:
            response = reader.request(method, path, json=body)
            assert error_of(response, 403) == "This API key is read-only", (method, path)
        assert reader.get(f"{window}/timeline").status_code == 200
    assert client.get(window).json() == made
    assert [e["kind"] for e in client.get(f"{window}/timeline").json()["events"]] == ["created"]


@pytest.mark.parametrize(
    ("method", "verb", "body"),
    [
        ("POST", "end", None),
        ("POST", "extend", {"minutes": 30}),
        ("POST", "cancel", None),
        ("GET", "timeline", None),
        ("POST", "timeline", {"body": "hello"}),
    ],
)
def test_verbs_on_an_unknown_window_are_404(
    client: TestClient, shop: WindowShop, method: str, verb: str, body: Any
) -> None:
    response = client.request(method, f"{WINDOWS}/mw-nope/{verb}", json=body)

    assert error_of(response, 404) == "No maintenance window mw-nope"
