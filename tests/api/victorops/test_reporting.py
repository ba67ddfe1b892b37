"""GET /api-reporting/v2/incidents and the deprecated /api-reporting/v1/incidents."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
import time_machine
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, select, update
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import QueryCounter
from tests.helpers import add_user, mark_paged
from vigil import clock
from vigil.alerts.models import Alert
from vigil.api.victorops import incident_wire
from vigil.config import Settings
from vigil.db import transaction
from vigil.incidents import service
from vigil.incidents.models import Incident
from vigil.incidents.service import NewIncident, TargetRef
from vigil.orgs.service import NewOrganization

V1 = "/api-reporting/v1/incidents"
V2 = "/api-reporting/v2/incidents"
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
ALL = "triggered,acknowledged,resolved"


@dataclass
class Maker:
    """Incidents stored through the lifecycle service, at chosen times."""

    sessions: sessionmaker[Session]
    org: NewOrganization

    def __call__(
        self,
        minutes: int = 0,
        phase: str = "resolved",
        *,
        entity_id: str | None = None,
        routing_key: str = "ops",
        host: str | None = None,
        service_name: str | None = None,
        by: str = "ada",
        targets: tuple[TargetRef, ...] = (),
    ) -> int:
        at = T0 + timedelta(minutes=minutes)
        new = NewIncident(
            routing_key=routing_key,
            entity_id=entity_id or f"entity-{minutes}",
            entity_state="CRITICAL",
            host=host,
            service=service_name,
        )
        with transaction(self.sessions) as session:
            incident = service.trigger(session, self.org.org.id, new, at, targets=targets)
            if phase in ("acknowledged", "resolved"):
                service.acknowledge(session, incident, at + timedelta(seconds=30), by=by)
            if phase == "resolved":
                service.resolve(session, incident, at + timedelta(seconds=90), by=by)
            return incident.number


@pytest.fixture
def make(sessions: sessionmaker[Session], org: NewOrganization) -> Maker:
    return Maker(sessions, org)


def report(client: TestClient, path: str = V2, **params: Any) -> dict[str, Any]:
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def numbers(body: dict[str, Any]) -> list[int]:
    return [int(incident["incidentNumber"]) for incident in body["incidents"]]


# --- the v2 shape -------------------------------------------------------------------------------


def test_a_resolved_incident_is_reported_whole_in_lower_case(
    client: TestClient, sessions: sessionmaker[Session], org: NewOrganization, settings: Settings
) -> None:
    new = NewIncident(
        routing_key="database",
        entity_id="db-1",
        entity_state="CRITICAL",
        entity_display_name="DB down",
        host="db1.example.com",
        service="postgres",
    )
    targets = (TargetRef("user", "ada"), TargetRef("policy", "pol-db"))
    with transaction(sessions) as session:
        incident = service.trigger(session, org.org.id, new, T0, alert_id="a-1", targets=targets)
        ack_at = T0 + timedelta(seconds=75)
        service.acknowledge(session, incident, ack_at, by="ada", message="on it")
        end_at = T0 + timedelta(seconds=300)
        service.resolve(session, incident, end_at, by="Nagios", manually=False, alert_id="a-2")
    mark_paged(sessions, org.org.id, 1)
    alerts = f"{settings.base_url}/api-public/v1/alerts"
    assert report(client) == {
        "offset": 0,
        "limit": 20,
        "total": 1,
        "incidents": [
            {
                "incidentNumber": "1",
                "startTime": "2026-03-01T12:00:00Z",
                "currentPhase": "resolved",
                "alertCount": 1,
                "lastAlertTime": "2026-03-01T12:00:00Z",
                "lastAlertId": "a-1",
                "entityId": "db-1",
                "entityType": "service",
                "entityState": "critical",
                "entityDisplayName": "DB down",
                "routingKey": "database",
                "host": "db1.example.com",
                "service": "postgres",
                "pagedUsers": ["ada"],
                "pagedTeams": [],
                "pagedPolicies": [{"policy": {"name": "pol-db", "slug": "pol-db"}}],
                "transitions": [
                    {
                        "name": "triggered",
                        "at": "2026-03-01T12:00:00Z",
                        "manually": False,
                        "alertId": "a-1",
                        "alertUrl": f"{alerts}/a-1",
                    },
                    {
                        "name": "acknowledged",
                        "at": "2026-03-01T12:01:15Z",
                        "by": "ada",
                        "message": "on it",
                        "manually": True,
                    },
                    {
                        "name": "resolved",
                        "at": "2026-03-01T12:05:00Z",
                        "by": "Nagios",
                        "manually": False,
                        "alertId": "a-2",
                        "alertUrl": f"{alerts}/a-2",
                    },
                ],
                "endTime": "2026-03-01T12:05:00Z",
                "timeToAck": 75,
                "timeToResolve": 300,
            }
        ],
    }


def test_an_open_incident_leaves_out_every_time_and_value_it_lacks(
    client: TestClient, make: Maker
) -> None:
    make(0, "triggered")
    [incident] = report(client, currentPhase="triggered")["incidents"]
    assert incident == {
        "incidentNumber": "1",
        "startTime": "2026-03-01T12:00:00Z",
        "currentPhase": "triggered",
        "alertCount": 0,
        "lastAlertTime": "2026-03-01T12:00:00Z",
        "entityId": "entity-0",
        "entityType": "service",
        "entityState": "critical",
        "entityDisplayName": "",
        "routingKey": "ops",
        "pagedUsers": [],
        "pagedTeams": [],
        "pagedPolicies": [],
        "transitions": [{"name": "triggered", "at": "2026-03-01T12:00:00Z", "manually": False}],
    }


def test_an_acknowledged_incident_has_a_time_to_ack_but_no_end(
    client: TestClient, make: Maker
) -> None:
    make(0, "acknowledged")
    [incident] = report(client, currentPhase="acknowledged")["incidents"]
    assert (incident["timeToAck"], "timeToResolve" in incident, "endTime" in incident) == (
        30,
        False,
        False,
    )


def test_times_to_ack_and_resolve_are_the_stored_ones_not_recomputed(
    client: TestClient, make: Maker, sessions: sessionmaker[Session], org: NewOrganization
) -> None:
    make(0, "resolved")
    with transaction(sessions) as session:
        session.execute(
            update(Incident)
            .where(Incident.org_id == org.org.id)
            .values(seconds_to_acknowledge=7, seconds_to_resolve=11)
        )
    [incident] = report(client)["incidents"]
    assert (incident["timeToAck"], incident["timeToResolve"]) == (7, 11)


def test_an_incident_from_the_rest_endpoint_links_each_alert_of_its_timeline(
    client: TestClient,
    anonymous: TestClient,
    org: NewOrganization,
    sessions: sessionmaker[Session],
    settings: Settings,
) -> None:
    url = f"/integrations/generic/20131114/alert/{org.rest_key}/database"
    with time_machine.travel(T0, tick=False) as traveller:
        anonymous.post(url, json={"message_type": "CRITICAL", "entity_id": "db", "host_name": "h1"})
        traveller.shift(timedelta(minutes=2))
        anonymous.post(url, json={"message_type": "RECOVERY", "entity_id": "db"})
    with transaction(sessions) as session:
        alert_ids = list(
            session.scalars(
                select(Alert.id).where(Alert.org_id == org.org.id).order_by(Alert.received_at)
            )
        )
    [incident] = report(client)["incidents"]
    alerts = f"{settings.base_url}/api-public/v1/alerts"
    assert [(t["name"], t["at"], t.get("by"), t["alertUrl"]) for t in incident["transitions"]] == [
        ("triggered", "2026-03-01T12:00:00Z", None, f"{alerts}/{alert_ids[0]}"),
        ("resolved", "2026-03-01T12:02:00Z", "REST endpoint", f"{alerts}/{alert_ids[1]}"),
    ]
    assert (incident["host"], incident["routingKey"], incident["timeToResolve"]) == (
        "h1",
        "database",
        120,
    )


def test_targets_not_yet_paged_are_not_listed_as_paged(client: TestClient, make: Maker) -> None:
    make(0, "triggered", targets=(TargetRef("user", "ada"), TargetRef("policy", "pol-db")))
    [incident] = report(client, currentPhase="triggered")["incidents"]
    assert (incident["pagedUsers"], incident["pagedPolicies"]) == ([], [])


# --- defaults and paging ------------------------------------------------------------------------


def test_by_default_only_resolved_incidents_are_reported(client: TestClient, make: Maker) -> None:
    make(0, "resolved")
    make(1, "acknowledged")
    make(2, "triggered")
    body = report(client)
    assert (body["total"], numbers(body)) == (1, [1])


def test_by_default_a_page_is_the_newest_20_from_offset_0(client: TestClient, make: Maker) -> None:
    for minutes in range(23):
        make(minutes)
    body = report(client)
    assert (body["offset"], body["limit"], body["total"]) == (0, 20, 23)
    assert numbers(body) == list(range(23, 3, -1))


def test_pages_are_consecutive_and_carry_the_total(client: TestClient, make: Maker) -> None:
    for minutes in range(5):
        make(minutes)
    pages = [report(client, offset=offset, limit=2) for offset in (0, 2, 4)]
    assert [(page["offset"], page["limit"], page["total"]) for page in pages] == [
        (0, 2, 5),
        (2, 2, 5),
        (4, 2, 5),
    ]
    assert [numbers(page) for page in pages] == [[5, 4], [3, 2], [1]]


def test_an_offset_past_the_end_gives_no_incidents_but_the_total(
    client: TestClient, make: Maker
) -> None:
    make(0)
    body = report(client, offset=5)
    assert (body["total"], body["incidents"]) == (1, [])


def test_a_limit_of_100_is_accepted(client: TestClient, make: Maker) -> None:
    make(0)
    body = report(client, limit=100)
    assert (body["limit"], numbers(body)) == (100, [1])


def test_a_limit_of_101_is_400(client: TestClient) -> None:
    response = client.get(V2, params={"limit": 101})
    assert response.status_code == 400
    assert response.json() == {"error": "limit must be at most 100, not 101"}


# --- filters ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("phases", "expected"),
    [
        ("triggered", [3]),
        ("acknowledged", [2]),
        ("resolved", [1]),
        ("triggered,acknowledged", [3, 2]),
        ("Resolved,TRIGGERED", [3, 1]),
        (ALL, [3, 2, 1]),
    ],
)
def test_current_phase_selects_any_of_the_listed_phases(
    client: TestClient, make: Maker, phases: str, expected: list[int]
) -> None:
    make(0, "resolved")
    make(1, "acknowledged")
    make(2, "triggered")
    body = report(client, currentPhase=phases)
    assert (body["total"], numbers(body)) == (len(expected), expected)


def test_entity_id_selects_any_of_the_listed_entities(client: TestClient, make: Maker) -> None:
    make(0, entity_id="db")
    make(1, entity_id="web")
    make(2, entity_id="cache")
    assert numbers(report(client, entityId="db,cache")) == [3, 1]


def test_host_selects_any_of_the_listed_hosts(client: TestClient, make: Maker) -> None:
    make(0, host="h1")
    make(1, host="h2")
    make(2, host="h3")
    make(3)
    assert numbers(report(client, host="h1,h3")) == [3, 1]


def test_service_selects_any_of_the_listed_services(client: TestClient, make: Maker) -> None:
    make(0, service_name="postgres")
    make(1, service_name="nginx")
    make(2, service_name="redis")
    assert numbers(report(client, service="nginx,redis")) == [3, 2]


def test_routing_key_selects_any_of_the_listed_keys(client: TestClient, make: Maker) -> None:
    make(0, routing_key="database")
    make(1, routing_key="web")
    make(2, routing_key="ops")
    assert numbers(report(client, routingKey="database,ops")) == [3, 1]


def test_incident_number_takes_numbers_and_inclusive_ranges(
    client: TestClient, make: Maker
) -> None:
    for minutes in range(8):
        make(minutes)
    body = report(client, incidentNumber="2,5:7")
    assert (body["total"], numbers(body)) == (4, [7, 6, 5, 2])


def test_started_after_includes_its_moment(client: TestClient, make: Maker) -> None:
    for minutes in (0, 10, 20):
        make(minutes)
    assert numbers(report(client, startedAfter="2026-03-01T12:10:00Z")) == [3, 2]


def test_started_before_excludes_its_moment(client: TestClient, make: Maker) -> None:
    for minutes in (0, 10, 20):
        make(minutes)
    assert numbers(report(client, startedBefore="2026-03-01T12:10:00Z")) == [1]


def test_a_time_without_a_zone_is_taken_as_utc(client: TestClient, make: Maker) -> None:
    for minutes in (0, 10, 20):
        make(minutes)
    assert numbers(report(client, startedAfter="2026-03-01T12:05:00")) == [3, 2]


def test_a_time_with_an_offset_is_compared_in_utc(client: TestClient, make: Maker) -> None:
    for minutes in (0, 10, 20):
        make(minutes)
    assert numbers(report(client, startedBefore="2026-03-01T14:15:00+02:00")) == [2, 1]


def test_filters_combine_so_an_incident_must_match_all(client: TestClient, make: Maker) -> None:
    make(0, "triggered", host="h1", entity_id="a")
    make(10, "triggered", host="h1", entity_id="b")
    make(20, "triggered", host="h2", entity_id="c")
    make(30, "resolved", host="h1", entity_id="d")
    make(40, "triggered", host="h1", entity_id="e", routing_key="web")
    body = report(
        client,
        currentPhase="triggered,acknowledged",
        host="h1",
        routingKey="ops",
        startedAfter="2026-03-01T12:05:00Z",
    )
    assert (body["total"], numbers(body)) == (1, [2])


def test_pagination_applies_to_the_filtered_incidents(client: TestClient, make: Maker) -> None:
    for minutes in range(6):
        make(minutes, host="h1" if minutes % 2 else "h2")
    body = report(client, host="h1", offset=1, limit=1)
    assert (body["total"], numbers(body)) == (3, [4])


def test_unknown_query_parameters_are_ignored(client: TestClient, make: Maker) -> None:
    make(0)
    body = report(client, startedAfterMax="Tue Mar 01 2026", sort="asc")
    assert numbers(body) == [1]


def test_a_get_with_an_empty_json_body_is_answered(client: TestClient, make: Maker) -> None:
    make(0)
    response = client.request("GET", V2, json={})
    assert (response.status_code, numbers(response.json())) == (200, [1])


# --- errors -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"currentPhase": "open"},
            "currentPhase open is not one of triggered, acknowledged, resolved",
        ),
        ({"incidentNumber": "5:3"}, "incidentNumber range 5:3 ends before it starts"),
        (
            {"incidentNumber": "a:b"},
            "incidentNumber a:b is neither a number nor a range like 20:50",
        ),
        ({"incidentNumber": "1:"}, "incidentNumber 1: is neither a number nor a range like 20:50"),
        (
            {"startedAfter": "last week"},
            "startedAfter last week is not an ISO 8601 time such as 2024-05-01T12:00:00Z",
        ),
        (
            {"startedBefore": "2026-02-30"},
            "startedBefore 2026-02-30 is not an ISO 8601 time such as 2024-05-01T12:00:00Z",
        ),
        (
            {"startedAfter": "2026-03-02", "startedBefore": "2026-03-01"},
            "startedAfter 2026-03-02 is later than startedBefore 2026-03-01",
        ),
        ({"limit": "-1"}, "limit must be a whole number from 0 to 100, not -1"),
        ({"limit": "many"}, "limit must be a whole number from 0 to 100, not many"),
        ({"offset": "-20"}, "offset must be a whole number from 0 to 2147483647, not -20"),
        ({"offset": "1e3"}, "offset must be a whole number from 0 to 2147483647, not 1e3"),
    ],
)
@pytest.mark.parametrize("path", [V2, V1])
def test_a_malformed_parameter_is_400_saying_what_is_wrong(
    client: TestClient, path: str, params: dict[str, str], message: str
) -> None:
    response = client.get(path, params=params)
    assert response.status_code == 400
    assert response.json() == {"error": message}


def test_a_malformed_parameter_costs_only_the_authentication_query(
    client: TestClient, queries: QueryCounter
) -> None:
    queries.statements.clear()
    assert client.get(V2, params={"incidentNumber": "5:3"}).status_code == 400
    assert queries.count == 1


def test_reports_need_api_credentials(anonymous: TestClient) -> None:
    assert anonymous.get(V2).status_code == 401
    assert anonymous.get(V1).status_code == 401


def test_another_organization_sees_none_of_these_incidents(
    client: TestClient, other_client: TestClient, make: Maker
) -> None:
    make(0)
    assert report(other_client, currentPhase=ALL) == {
        "offset": 0,
        "limit": 20,
        "total": 0,
        "incidents": [],
    }
    assert report(other_client, V1, currentPhase=ALL)["total"] == 0


# --- v1 -----------------------------------------------------------------------------------------


def test_v1_reports_a_resolved_incident_in_v1_field_names(
    client: TestClient, sessions: sessionmaker[Session], org: NewOrganization
) -> None:
    add_user(client, "ada")
    new = NewIncident(
        routing_key="database",
        entity_id="db-1",
        entity_state="WARNING",
        entity_display_name="DB slow",
        host="db1.example.com",
        service="postgres",
    )
    with transaction(sessions) as session:
        incident = service.trigger(session, org.org.id, new, T0, alert_id="a-1")
        service.acknowledge(session, incident, T0 + timedelta(seconds=75), by="ada")
        service.resolve(session, incident, T0 + timedelta(seconds=300), by="ada")
    assert report(client, V1) == {
        "offset": 0,
        "limit": 20,
        "total": 1,
        "incidents": [
            {
                "incidentNumber": "1",
                "startTime": "2026-03-01T12:00:00Z",
                "currentPhase": "resolved",
                "alertCount": 1,
                "lastAlertTime": "2026-03-01T12:00:00Z",
                "lastAlertID": "a-1",
                "ackUserId": "ada",
                "ackTime": "2026-03-01T12:01:15Z",
                "ackUser": {"email": "ada@example.com", "first": "Ada", "last": "Lovelace"},
                "entityId": "db-1",
                "host": "db1.example.com",
                "service": "postgres",
                "endTime": "2026-03-01T12:05:00Z",
                "entityType": "service",
                "entityDispName": "DB slow",
                "teams": "",
            }
        ],
    }


def test_v1_names_an_acknowledger_who_is_no_user_without_an_ack_user(
    client: TestClient, make: Maker
) -> None:
    make(0, "acknowledged", by="Nagios")
    [incident] = report(client, V1, currentPhase="acknowledged")["incidents"]
    assert (incident["ackUserId"], "ackUser" in incident) == ("Nagios", False)


def test_v1_leaves_out_the_times_an_open_incident_lacks(client: TestClient, make: Maker) -> None:
    make(0, "triggered")
    [incident] = report(client, V1, currentPhase="triggered")["incidents"]
    assert sorted(incident) == [
        "alertCount",
        "currentPhase",
        "entityDispName",
        "entityId",
        "entityType",
        "incidentNumber",
        "lastAlertTime",
        "startTime",
        "teams",
    ]


def test_v1_filters_and_pages_like_v2(client: TestClient, make: Maker) -> None:
    for minutes in range(6):
        make(minutes, host="h1" if minutes % 2 else "h2")
    body = report(client, V1, host="h1", incidentNumber="1:5", offset=1, limit=1)
    assert (body["offset"], body["limit"], body["total"], numbers(body)) == (1, 1, 2, [2])


def test_v1_ignores_the_routing_key_it_does_not_know(client: TestClient, make: Maker) -> None:
    make(0, routing_key="database")
    make(1, routing_key="web")
    assert numbers(report(client, V1, routingKey="web")) == [2, 1]


# --- statements per request ---------------------------------------------------------------------


def test_a_v2_page_costs_five_statements_however_many_incidents_it_holds(
    client: TestClient, make: Maker, queries: QueryCounter
) -> None:
    for minutes in range(3):
        make(minutes, targets=(TargetRef("user", "ada"),))
    queries.statements.clear()
    assert len(report(client, limit=100)["incidents"]) == 3
    assert queries.count == 5  # authenticate, count, page, transitions, targets


def test_an_empty_v2_page_costs_three_statements(client: TestClient, queries: QueryCounter) -> None:
    queries.statements.clear()
    assert report(client)["incidents"] == []
    assert queries.count == 3  # authenticate, count, page


def test_a_v1_page_with_acknowledgers_costs_five_statements(
    client: TestClient, make: Maker, queries: QueryCounter
) -> None:
    add_user(client, "ada")
    for minutes in range(3):
        make(minutes)
    queries.statements.clear()
    assert len(report(client, V1)["incidents"]) == 3
    assert queries.count == 5  # authenticate, count, page, targets, acknowledging users


def test_a_v1_page_nobody_acknowledged_costs_four_statements(
    client: TestClient, make: Maker, queries: QueryCounter
) -> None:
    for minutes in range(3):
        make(minutes, "triggered")
    queries.statements.clear()
    assert len(report(client, V1, currentPhase="triggered")["incidents"]) == 3
    assert queries.count == 4  # authenticate, count, page, targets


def test_a_v2_page_at_an_offset_costs_one_statement_more_to_find_where_it_starts(
    client: TestClient, make: Maker, queries: QueryCounter
) -> None:
    for minutes in range(5):
        make(minutes)
    queries.statements.clear()
    assert numbers(report(client, offset=2, limit=2)) == [3, 2]
    assert queries.count == 6  # authenticate, count, first start time, page, transitions, targets


def test_a_page_starting_among_equal_start_times_costs_a_count_more(
    client: TestClient, make: Maker, queries: QueryCounter
) -> None:
    for n in range(5):
        make(0, entity_id=f"same-time-{n}")
    queries.statements.clear()
    assert numbers(report(client, offset=2, limit=2)) == [3, 2]
    assert queries.count == 7  # ... and the incidents above that start time


def test_an_offset_past_the_end_costs_no_page_statement(
    client: TestClient, make: Maker, queries: QueryCounter
) -> None:
    make(0)
    queries.statements.clear()
    assert report(client, offset=5)["incidents"] == []
    assert queries.count == 3  # authenticate, count, first start time


# --- times and query plans ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 3, 1, 12, 0, 59, 999_999, tzinfo=UTC),
        datetime(2026, 3, 1, 14, 30, 0, tzinfo=timezone(timedelta(hours=2))),
        datetime(1999, 12, 31, 23, 59, 59, tzinfo=timezone(timedelta(hours=-5))),
    ],
)
def test_times_are_written_as_the_other_wire_shapes_write_them(moment: datetime) -> None:
    assert incident_wire.rfc3339(moment) == clock.rfc3339(moment)


def test_on_sqlite_a_host_filter_walks_the_host_index_even_without_statistics(
    client: TestClient, make: Maker, engine: Engine
) -> None:
    """Nearly every incident is resolved: the phase index would visit them all."""
    if engine.dialect.name != "sqlite":
        pytest.skip("the plan hint is SQLite's")
    for minutes in range(3):
        make(minutes, host=f"h{minutes}")
    sent: list[tuple[str, Any]] = []

    def record(*args: Any) -> None:
        sent.append((args[2], args[3]))

    event.listen(engine, "before_cursor_execute", record)
    try:
        assert numbers(report(client, host="h1")) == [2]
    finally:
        event.remove(engine, "before_cursor_execute", record)
    searches = [(sql, params) for sql, params in sent if "FROM incidents" in sql]
    assert len(searches) == 2  # count, page
    with engine.connect() as connection:
        for sql, params in searches:
            plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params).all()
            assert "ix_incidents_org_id_host_started_at" in " ".join(row[3] for row in plan), sql
