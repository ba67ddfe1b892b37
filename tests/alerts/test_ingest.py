"""How alerts open, join, acknowledge and resolve incidents (one behaviour each)."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.helpers import paging_routing_key
from vigil import clock
from vigil.alerts.ingest import Ingested, parse_alert, receive_with_key
from vigil.alerts.models import Alert
from vigil.db import transaction
from vigil.engine.timers import pending
from vigil.errors import Invalid
from vigil.incidents.models import Incident, Transition
from vigil.incidents.service import page_timer_key
from vigil.maintenance import modes
from vigil.orgs.service import NewOrganization

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def frozen() -> Any:
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


class Sender:
    def __init__(self, sessions: sessionmaker[Session], org: NewOrganization) -> None:
        self.sessions = sessions
        self.org_id = org.org.id
        self.rest_key = org.rest_key

    def __call__(self, message_type: str, entity_id: str = "db", key: str = "ops", **extra: Any):
        payload = {"message_type": message_type, "entity_id": entity_id, **extra}
        alert = parse_alert(key, payload, "{}", clock.now())
        return receive_with_key(self.sessions, self.rest_key, alert)

    def incidents(self) -> list[Incident]:
        with transaction(self.sessions) as session:
            query = select(Incident).where(Incident.org_id == self.org_id).order_by(Incident.number)
            return list(session.scalars(query))

    def timeline(self, incident: Incident) -> list[tuple[str, str | None]]:
        with transaction(self.sessions) as session:
            query = (
                select(Transition.name, Transition.by)
                .where(Transition.incident_id == incident.id)
                .order_by(Transition.id)
            )
            return [(name, by) for name, by in session.execute(query)]

    def page_timers(self) -> list[str | None]:
        with transaction(self.sessions) as session:
            return [t.key for t in pending(session, self.org_id, "incident.page")]


@pytest.fixture
def send(sessions: sessionmaker[Session], org: NewOrganization, frozen: Any) -> Sender:
    paging_routing_key(sessions, org.org.id, "ops")
    return Sender(sessions, org)


def test_a_critical_alert_opens_an_incident(send: Sender) -> None:
    ingested = send("CRITICAL", entity_display_name="Disk full", host_name="db1")
    [incident] = send.incidents()
    assert ingested == Ingested(ingested.alert_id, "db", incident.number)
    assert (incident.phase, incident.entity_state, incident.alert_count) == (
        "triggered",
        "CRITICAL",
        1,
    )
    assert (incident.entity_display_name, incident.host, incident.started_at) == (
        "Disk full",
        "db1",
        T0,
    )
    assert incident.last_alert_id == ingested.alert_id


def test_a_warning_alert_opens_an_incident_too(send: Sender) -> None:
    send("WARNING")
    assert [i.entity_state for i in send.incidents()] == ["WARNING"]


def test_an_info_alert_is_stored_and_opens_nothing(
    send: Sender, sessions: sessionmaker[Session]
) -> None:
    ingested = send("INFO")
    assert send.incidents() == []
    assert ingested.incident_number is None
    with transaction(sessions) as session:
        assert session.get(Alert, ingested.alert_id) is not None


def test_a_repeat_alert_joins_the_open_incident(send: Sender, frozen: Any) -> None:
    first = send("CRITICAL")
    frozen.shift(timedelta(minutes=2))
    second = send("WARNING", state_message="still bad")
    [incident] = send.incidents()
    assert second.incident_number == first.incident_number
    assert (incident.alert_count, incident.last_alert_id) == (2, second.alert_id)
    assert (incident.entity_state, incident.state_message) == ("WARNING", "still bad")
    assert incident.last_alert_at == T0 + timedelta(minutes=2)


def test_the_same_entity_on_another_routing_key_is_another_incident(send: Sender) -> None:
    send("CRITICAL", key="ops")
    send("CRITICAL", key="dba")
    assert [(i.routing_key, i.number) for i in send.incidents()] == [("ops", 1), ("dba", 2)]


def test_an_acknowledgement_acknowledges_the_open_incident(send: Sender, frozen: Any) -> None:
    send("CRITICAL")
    frozen.shift(timedelta(seconds=90))
    send("ACKNOWLEDGEMENT", ack_author="ada", ack_msg="on it")
    [incident] = send.incidents()
    assert (incident.phase, incident.acknowledged_by) == ("acknowledged", "ada")
    assert incident.seconds_to_acknowledge == 90
    assert send.timeline(incident) == [("triggered", None), ("acknowledged", "ada")]


def test_a_recovery_resolves_the_open_incident_and_stores_time_to_resolve(
    send: Sender, frozen: Any
) -> None:
    send("CRITICAL")
    frozen.shift(timedelta(minutes=10))
    send("RECOVERY", monitoring_tool="prometheus")
    [incident] = send.incidents()
    assert (incident.phase, incident.resolved_by) == ("resolved", "prometheus")
    assert incident.seconds_to_resolve == 600
    assert incident.seconds_to_acknowledge is None


def test_after_recovery_the_next_critical_opens_a_new_incident(send: Sender) -> None:
    send("CRITICAL")
    send("RECOVERY")
    send("CRITICAL")
    assert [(i.number, i.phase) for i in send.incidents()] == [(1, "resolved"), (2, "triggered")]


def test_an_acknowledgement_for_an_entity_with_no_open_incident_changes_nothing(
    send: Sender,
) -> None:
    ingested = send("ACKNOWLEDGEMENT")
    assert send.incidents() == []
    assert ingested.incident_number is None


def test_a_recovery_of_an_acknowledged_incident_resolves_it(send: Sender) -> None:
    send("CRITICAL")
    send("ACKNOWLEDGEMENT")
    send("RECOVERY")
    assert [i.phase for i in send.incidents()] == ["resolved"]


def test_incident_numbers_increase_per_organization(
    send: Sender, sessions: sessionmaker[Session]
) -> None:
    from tests.conftest import new_org

    send("CRITICAL", "a")
    send("CRITICAL", "b")
    other = Sender(sessions, new_org(sessions))
    other("CRITICAL", "a")
    assert [i.number for i in send.incidents()] == [1, 2]
    assert [i.number for i in other.incidents()] == [1]


def test_incident_numbers_are_never_reused(send: Sender) -> None:
    send("CRITICAL", "a")
    send("RECOVERY", "a")
    send("CRITICAL", "a")
    assert [i.number for i in send.incidents()] == [1, 2]


def test_a_new_incident_asks_the_engine_to_page_at_once(send: Sender) -> None:
    send("CRITICAL")
    [incident] = send.incidents()
    assert send.page_timers() == [page_timer_key(incident.id)]


def test_a_routing_key_with_no_escalation_policy_asks_for_no_paging(send: Sender) -> None:
    send("CRITICAL", key="unrouted")
    assert send.page_timers() == []


def test_a_repeat_alert_does_not_ask_for_paging_again(send: Sender) -> None:
    send("CRITICAL")
    send("CRITICAL")
    assert len(send.page_timers()) == 1


def test_acknowledging_cancels_the_paging_request(send: Sender) -> None:
    send("CRITICAL")
    send("ACKNOWLEDGEMENT")
    assert send.page_timers() == []


def test_resolving_cancels_the_paging_request(send: Sender) -> None:
    send("CRITICAL")
    send("RECOVERY")
    assert send.page_timers() == []


def test_an_invalid_alert_stores_nothing(send: Sender, sessions: sessionmaker[Session]) -> None:
    with pytest.raises(Invalid):
        send("CRITICAL", timestamp=-5)
    with transaction(sessions) as session:
        assert session.scalars(select(Alert).where(Alert.org_id == send.org_id)).all() == []
    assert send.incidents() == []


def test_racing_alerts_for_one_new_entity_open_exactly_one_incident(
    sessions: sessionmaker[Session], org: NewOrganization
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    def one(_: int) -> int | None:
        payload = {"message_type": "CRITICAL", "entity_id": "shared"}
        alert = parse_alert("ops", payload, "{}", clock.now())
        return receive_with_key(sessions, org.rest_key, alert).incident_number

    with ThreadPoolExecutor(max_workers=8) as pool:
        numbers = set(pool.map(one, range(40)))
    with transaction(sessions) as session:
        incidents = session.scalars(select(Incident).where(Incident.org_id == org.org.id)).all()
    assert [(i.number, i.alert_count) for i in incidents] == [(1, 40)]
    assert numbers == {1}


def test_racing_alerts_for_new_entities_get_distinct_consecutive_numbers(
    sessions: sessionmaker[Session], org: NewOrganization
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    def one(n: int) -> int | None:
        payload = {"message_type": "CRITICAL", "entity_id": f"e{n}"}
        alert = parse_alert("ops", payload, "{}", clock.now())
        return receive_with_key(sessions, org.rest_key, alert).incident_number

    with ThreadPoolExecutor(max_workers=8) as pool:
        numbers = sorted(n for n in pool.map(one, range(40)) if n is not None)
    assert numbers == list(range(1, 41))


def mute(send: Sender, *names: str) -> None:
    with transaction(send.sessions) as session:
        modes.start_mode(
            session, send.org_id, names=names, purpose="upgrade", started_by="ada", at=clock.now()
        )


def test_an_alert_on_a_muted_routing_key_opens_a_muted_incident_that_pages_no_one(
    send: Sender,
) -> None:
    mute(send, "ops")
    send("CRITICAL")
    [incident] = send.incidents()
    assert incident.muted
    assert send.timeline(incident) == [("triggered", None), ("muted", None)]
    assert send.page_timers() == []


def test_a_global_maintenance_mode_mutes_every_routing_key(send: Sender) -> None:
    mute(send)
    send("CRITICAL", key="ops")
    send("CRITICAL", key="no-such-key")
    assert [i.muted for i in send.incidents()] == [True, True]
    assert send.page_timers() == []


def test_an_alert_on_another_routing_key_still_pages_during_maintenance(send: Sender) -> None:
    paging_routing_key(send.sessions, send.org_id, "web")
    mute(send, "ops")
    send("CRITICAL", key="web")
    [incident] = send.incidents()
    assert not incident.muted
    assert send.page_timers() == [page_timer_key(incident.id)]


def test_an_incident_already_paging_keeps_paging_when_its_key_is_muted(send: Sender) -> None:
    send("CRITICAL")
    mute(send, "ops")
    send("CRITICAL")
    [incident] = send.incidents()
    assert (incident.muted, incident.alert_count) == (False, 2)
    assert send.page_timers() == [page_timer_key(incident.id)]
