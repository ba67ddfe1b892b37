"""The record of delivery attempts and the query incident timelines use to show them."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import QueryCounter
from vigil.db import transaction
from vigil.incidents import service
from vigil.incidents.models import Incident
from vigil.notify.deliveries import deliveries_of, record
from vigil.orgs.service import NewOrganization

T0 = datetime(2030, 1, 7, 9, 0, tzinfo=UTC)


@pytest.fixture
def session(sessions: sessionmaker[Session]) -> Iterator[Session]:
    with transaction(sessions) as open_session:
        yield open_session


def incident(session: Session, org: NewOrganization, entity: str) -> Incident:
    new = service.NewIncident(routing_key="ops", entity_id=entity, entity_state="CRITICAL")
    return service.trigger(session, org.org.id, new, T0)


def attempt(
    session: Session,
    org: NewOrganization,
    incident_id: int | None,
    channel: str = "email",
    status: str = "sent",
    attempt: int = 1,
    error: str | None = None,
) -> None:
    record(
        session,
        org.org.id,
        channel=channel,
        address="ada@example.com",
        status=status,
        error=error,
        attempt=attempt,
        incident_id=incident_id,
        at=T0,
    )


def test_deliveries_of_groups_attempts_by_incident_oldest_first(
    session: Session, org: NewOrganization
) -> None:
    disk, cpu = incident(session, org, "disk"), incident(session, org, "cpu")
    attempt(session, org, disk.id, "email", status="failed", attempt=1, error="451 busy")
    attempt(session, org, cpu.id, "sms")
    attempt(session, org, disk.id, "email", attempt=2)
    found = deliveries_of(session, [disk.id, cpu.id])
    assert [(d.channel, d.status, d.attempt, d.error) for d in found[disk.id]] == [
        ("email", "failed", 1, "451 busy"),
        ("email", "sent", 2, None),
    ]
    assert [d.channel for d in found[cpu.id]] == ["sms"]


def test_deliveries_of_takes_one_query_however_many_incidents(
    session: Session, org: NewOrganization, queries: QueryCounter
) -> None:
    ids = [incident(session, org, f"e{n}").id for n in range(5)]
    for incident_id in ids:
        attempt(session, org, incident_id)
        attempt(session, org, incident_id, "push")
    queries.statements.clear()
    found = deliveries_of(session, ids)
    assert queries.count == 1
    assert all(len(found[incident_id]) == 2 for incident_id in ids)


def test_an_incident_without_deliveries_maps_to_an_empty_list(
    session: Session, org: NewOrganization
) -> None:
    quiet = incident(session, org, "quiet")
    assert deliveries_of(session, [quiet.id]) == {quiet.id: []}


def test_no_incidents_need_no_query(session: Session, queries: QueryCounter) -> None:
    queries.statements.clear()
    assert deliveries_of(session, []) == {}
    assert queries.count == 0


def test_deliveries_without_an_incident_are_not_in_any_timeline(
    session: Session, org: NewOrganization
) -> None:
    disk = incident(session, org, "disk")
    attempt(session, org, None, "push")
    assert deliveries_of(session, [disk.id]) == {disk.id: []}


def test_throttled_and_bundled_decisions_can_be_recorded(
    session: Session, org: NewOrganization
) -> None:
    disk = incident(session, org, "disk")
    attempt(session, org, disk.id, "sms", status="throttled")
    attempt(session, org, disk.id, "sms", status="bundled")
    assert [d.status for d in deliveries_of(session, [disk.id])[disk.id]] == [
        "throttled",
        "bundled",
    ]


def test_the_time_of_an_attempt_defaults_to_the_clock(
    session: Session, org: NewOrganization
) -> None:
    before = datetime.now(UTC) - timedelta(seconds=1)
    delivery = record(session, org.org.id, channel="voice", address="+1555", status="sent")
    assert delivery.at >= before


def test_an_unknown_status_is_refused(session: Session, org: NewOrganization) -> None:
    with pytest.raises(ValueError, match="status"):
        attempt(session, org, None, status="lost")


def test_a_long_error_is_cut_to_fit(session: Session, org: NewOrganization) -> None:
    delivery = record(
        session,
        org.org.id,
        channel="webhook",
        address="https://x",
        status="failed",
        error="e" * 5000,
    )
    assert delivery.error == "e" * 2000
