"""A batch of alerts ends exactly as the same alerts ingested one by one, in a few statements."""

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import QueryCounter, new_org
from tests.helpers import paging_routing_key
from vigil import clock
from vigil.alerts.bulk import ingest_batch
from vigil.alerts.ingest import ParsedAlert, ingest, parse_alert
from vigil.alerts.models import Alert
from vigil.db import transaction
from vigil.incidents.models import Incident, Transition
from vigil.orgs.service import NewOrganization

MIXED = [
    {"message_type": "CRITICAL", "entity_id": "db", "state_message": "down"},
    {"message_type": "WARNING", "entity_id": "db", "entity_display_name": "Database"},
    {"message_type": "INFO", "entity_id": "db"},
    {"message_type": "CRITICAL", "entity_id": "web"},
    {"message_type": "ACKNOWLEDGEMENT", "entity_id": "web", "ack_author": "jane"},
    {"message_type": "CRITICAL", "entity_id": "web", "state_message": "still down"},
    {"message_type": "RECOVERY", "entity_id": "db"},
    {"message_type": "CRITICAL", "entity_id": "db"},
    {"message_type": "RECOVERY", "entity_id": "nothing-open"},
    {"message_type": "INFO", "entity_id": "cache"},
]


def parsed(bodies: list[dict[str, Any]]) -> list[ParsedAlert]:
    return [parse_alert("ops", body, "{}", clock.now()) for body in bodies]


def outcome(session: Session, org_id: int) -> dict[str, Any]:
    incidents = session.scalars(
        select(Incident).where(Incident.org_id == org_id).order_by(Incident.number)
    ).all()
    numbers = {i.id: i.number for i in incidents}
    alerts = session.scalars(select(Alert).where(Alert.org_id == org_id)).all()
    transitions = session.scalars(
        select(Transition).where(Transition.org_id == org_id).order_by(Transition.id)
    ).all()
    return {
        "incidents": [
            (
                i.number,
                i.entity_id,
                i.phase,
                i.alert_count,
                i.entity_state,
                i.entity_display_name,
                i.state_message,
            )
            for i in incidents
        ],
        "alerts": sorted(
            (a.entity_id, a.message_type, numbers.get(a.incident_id or 0)) for a in alerts
        ),
        "timeline": [(numbers[t.incident_id], t.name, t.by) for t in transitions],
    }


def test_a_batch_ends_as_the_same_alerts_one_by_one(
    sessions: sessionmaker[Session], org: NewOrganization
) -> None:
    one_by_one = new_org(sessions)
    with transaction(sessions) as session:
        for alert in parsed(MIXED):
            ingest(session, one_by_one.org.id, alert)
    with transaction(sessions) as session:
        answers = ingest_batch(session, org.org.id, parsed(MIXED))
    with transaction(sessions) as session:
        assert outcome(session, org.org.id) == outcome(session, one_by_one.org.id)
    assert [a.incident_number for a in answers] == [1, 1, 1, 2, 2, 2, 1, 3, None, None]


def test_alerts_of_a_batch_join_incidents_opened_before_it(
    sessions: sessionmaker[Session], org: NewOrganization
) -> None:
    with transaction(sessions) as session:
        ingest_batch(session, org.org.id, parsed([{"message_type": "CRITICAL", "entity_id": "db"}]))
    with transaction(sessions) as session:
        repeats = [{"message_type": "CRITICAL", "entity_id": "db"}] * 3
        answers = ingest_batch(session, org.org.id, parsed(repeats))
        incident = session.scalars(select(Incident).where(Incident.org_id == org.org.id)).one()
    assert [a.incident_number for a in answers] == [1, 1, 1]
    assert incident.alert_count == 4


def test_a_batch_of_new_entities_costs_a_fixed_number_of_statements(
    sessions: sessionmaker[Session], org: NewOrganization, queries: QueryCounter
) -> None:
    paging_routing_key(sessions, org.org.id, "ops")
    alerts = parsed([{"message_type": "CRITICAL", "entity_id": f"e{n}"} for n in range(50)])
    with transaction(sessions) as session:
        ingest_batch(session, org.org.id, parsed([{"message_type": "CRITICAL"}]))
    with transaction(sessions) as session:
        queries.statements.clear()
        ingest_batch(session, org.org.id, alerts)
        # open incidents, routing keys, maintenance, counter, incidents, transitions, timers, alerts
        assert queries.count == 8


def test_a_batch_of_repeats_costs_a_fixed_number_of_statements(
    sessions: sessionmaker[Session], org: NewOrganization, queries: QueryCounter
) -> None:
    bodies = [{"message_type": "CRITICAL", "entity_id": f"e{n}"} for n in range(50)]
    with transaction(sessions) as session:
        ingest_batch(session, org.org.id, parsed(bodies))
    with transaction(sessions) as session:
        queries.statements.clear()
        ingest_batch(session, org.org.id, parsed(bodies))
        assert queries.count == 3  # open incidents, joins, alerts
