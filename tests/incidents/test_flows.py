"""Incident flows over a session: what the APIs build on, one behaviour each."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.helpers import mark_paged
from vigil import clock
from vigil.alerts.manual import ManualIncident, create_manual_incident
from vigil.alerts.models import Alert
from vigil.db import transaction
from vigil.errors import Invalid, NotFound
from vigil.incidents import flows, service
from vigil.incidents.flows import CommandResult, RerouteRequest, TargetStatus
from vigil.incidents.models import Incident, Target
from vigil.incidents.service import TargetRef
from vigil.orgs.service import NewOrganization
from vigil.people.users import UserFields, create_user

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
ADA = TargetRef("user", "ada")
GRACE = TargetRef("user", "grace")


@pytest.fixture
def frozen() -> Iterator[Any]:
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


class World:
    """An organization with the users ada and grace."""

    def __init__(self, sessions: sessionmaker[Session], org: NewOrganization) -> None:
        self.sessions = sessions
        self.org_id = org.org.id
        with transaction(sessions) as session:
            for name in ("ada", "grace"):
                create_user(
                    session,
                    self.org_id,
                    UserFields(name, name.title(), "Example", f"{name}@example.com"),
                )

    def open(self, *targets: TargetRef, by: str = "ada") -> int:
        manual = ManualIncident("Site down", "502s", by, list(targets))
        with transaction(self.sessions) as session:
            return create_manual_incident(session, self.org_id, manual, clock.now()).number

    def phases(self) -> list[tuple[int, str]]:
        with transaction(self.sessions) as session:
            query = select(Incident.number, Incident.phase).where(Incident.org_id == self.org_id)
            return [(n, p) for n, p in session.execute(query.order_by(Incident.number))]

    def count(self, model: type[Alert] | type[Incident]) -> int:
        with transaction(self.sessions) as session:
            query = select(func.count()).select_from(model).where(model.org_id == self.org_id)
            return session.execute(query).scalar_one()

    def targets(self, number: int) -> list[tuple[str, str]]:
        with transaction(self.sessions) as session:
            query = (
                select(Target.kind, Target.slug)
                .join(Incident, Incident.id == Target.incident_id)
                .where(Incident.org_id == self.org_id, Incident.number == number)
                .order_by(Target.id)
            )
            return [(k, s) for k, s in session.execute(query)]


@pytest.fixture
def world(sessions: sessionmaker[Session], org: NewOrganization) -> World:
    return World(sessions, org)


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("1", 1),
        ("42", 42),
        ("007", 7),
        ("2147483647", 2147483647),
        ("2147483648", None),
        ("0", None),
        ("-3", None),
        ("+3", None),
        (" 3", None),
        ("3.0", None),
        ("three", None),
        ("٣", None),
        ("", None),
    ],
)
def test_incident_numbers_are_read_from_plain_ascii_digits(text: str, number: int | None) -> None:
    assert flows.parse_number(text) == number


def test_recent_incidents_keep_one_resolved_exactly_24_hours_ago(world: World, frozen: Any) -> None:
    world.open(ADA)
    world.open(ADA)
    with transaction(world.sessions) as session:
        flows.resolve_numbers(session, world.org_id, "ada", ["1", "2"], clock.now())
    frozen.shift(timedelta(hours=24))
    with transaction(world.sessions) as session:
        views = flows.recent_incidents(session, world.org_id, clock.now())
    assert [view.incident.number for view in views] == [1, 2]


def test_recent_incidents_come_with_their_timelines_and_whom_they_paged(world: World) -> None:
    world.open(ADA, GRACE)
    mark_paged(world.sessions, world.org_id, 1)
    with transaction(world.sessions) as session:
        [view] = flows.recent_incidents(session, world.org_id, clock.now())
    assert [t.name for t in view.transitions] == ["triggered"]
    assert [(r.kind, r.slug) for r in view.recipients] == [("user", "ada"), ("user", "grace")]


def test_getting_an_unknown_incident_raises_not_found(world: World) -> None:
    with transaction(world.sessions) as session, pytest.raises(NotFound) as raised:
        flows.get_incident(session, world.org_id, "12")
    assert raised.value.message == "Incident 12 not found"


def test_a_manual_incident_by_an_unknown_user_creates_nothing(world: World) -> None:
    manual = ManualIncident("Site down", None, "nobody", [ADA])
    with transaction(world.sessions) as session, pytest.raises(Invalid):
        create_manual_incident(session, world.org_id, manual, clock.now())
    assert (world.count(Incident), world.count(Alert)) == (0, 0)


def test_a_manual_incident_needs_a_target(world: World) -> None:
    manual = ManualIncident("Site down", None, "ada", [])
    with transaction(world.sessions) as session, pytest.raises(Invalid) as raised:
        create_manual_incident(session, world.org_id, manual, clock.now())
    assert raised.value.message == "An incident needs at least one target"


def test_a_manual_incident_and_its_alert_point_at_each_other(world: World) -> None:
    manual = ManualIncident("Site down", None, "ada", [ADA])
    with transaction(world.sessions) as session:
        created = create_manual_incident(session, world.org_id, manual, clock.now())
    with transaction(world.sessions) as session:
        alert = session.get(Alert, created.alert_id)
        incident = session.scalars(
            select(Incident).where(
                Incident.org_id == world.org_id, Incident.entity_id == created.entity_id
            )
        ).one()
    assert alert is not None
    assert (alert.incident_id, incident.last_alert_id) == (incident.id, created.alert_id)
    assert (alert.entity_id, alert.routing_key, alert.state_message) == (
        created.entity_id,
        "default",
        None,
    )


def test_target_problems_name_each_target_that_names_nothing(world: World) -> None:
    policy = TargetRef("policy", "pol-bEaTn9Y3zQ3vPf3U")
    nobody = TargetRef("user", "nobody")
    with transaction(world.sessions) as session:
        problems = flows.target_problems(session, world.org_id, [ADA, nobody, policy])
    assert problems == {
        nobody: "User nobody not found",
        policy: "Escalation policy pol-bEaTn9Y3zQ3vPf3U not found",
    }


def test_a_change_made_meanwhile_is_reported_with_the_current_phase(world: World) -> None:
    world.open(ADA)
    with world.sessions() as session:
        [seen] = service.by_numbers(session, world.org_id, [1]).values()  # read: triggered
        with transaction(world.sessions) as other:
            flows.resolve_numbers(other, world.org_id, "grace", ["1"], clock.now())
        results = flows.acknowledge_numbers(session, world.org_id, "ada", ["1"], clock.now())
        session.commit()
    assert seen.phase == "resolved"
    assert results == [CommandResult("1", seen.entity_id, False, "Incident 1 is already resolved")]


def test_for_user_finds_the_incidents_targeting_the_user_in_the_given_phases(
    world: World,
) -> None:
    world.open(ADA)
    world.open(GRACE)
    world.open(GRACE, ADA)
    world.open(ADA)
    with transaction(world.sessions) as session:
        flows.acknowledge_numbers(session, world.org_id, "ada", ["3"], clock.now())
        flows.resolve_numbers(session, world.org_id, "ada", ["4"], clock.now())
    with transaction(world.sessions) as session:
        triggered = flows.for_user(session, world.org_id, "ada", ("triggered",))
        open_ = flows.for_user(session, world.org_id, "ada")
    assert [i.number for i in triggered] == [1]
    assert [i.number for i in open_] == [1, 3]


def test_rerouting_one_incident_twice_in_a_request_applies_both_in_order(world: World) -> None:
    world.open(ADA)
    requests = [RerouteRequest("1", [GRACE]), RerouteRequest("1", [ADA], add_targets=True)]
    with transaction(world.sessions) as session:
        results = flows.reroute_incidents(session, world.org_id, "ada", requests, clock.now())
    assert [r.success for r in results] == [True, True]
    assert results[1].targets == [TargetStatus("ada", True, "")]
    assert world.targets(1) == [("user", "grace"), ("user", "ada")]


def test_rerouting_to_the_same_target_twice_reports_both_and_targets_once(world: World) -> None:
    world.open(ADA)
    requests = [RerouteRequest("1", [GRACE, GRACE])]
    with transaction(world.sessions) as session:
        [result] = flows.reroute_incidents(session, world.org_id, "ada", requests, clock.now())
    assert result.targets == [TargetStatus("grace", True, ""), TargetStatus("grace", True, "")]
    assert world.targets(1) == [("user", "grace")]


def test_resolving_by_user_leaves_the_other_users_incidents(world: World) -> None:
    world.open(ADA)
    world.open(GRACE)
    with transaction(world.sessions) as session:
        results = flows.resolve_for_user(session, world.org_id, "ada", clock.now())
    assert [(r.number, r.accepted) for r in results] == [("1", True)]
    assert world.phases() == [(1, "resolved"), (2, "triggered")]
