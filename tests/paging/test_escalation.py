"""Paging: an incident pages its routing key's policies step by step, and each paged person
through their own policy, until someone acknowledges or resolves. The clock is moved, never
waited for; deliveries are checked as requested (the notify tests send them for real)."""

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from tests.notify.servers import SmtpServer, smtp_server
from tests.oncall.builders import person, policy, rotation, team, weekly
from vigil import clock
from vigil.alerts.ingest import parse_alert, receive_with_key
from vigil.alerts.routing_keys import create_routing_key
from vigil.config import get_settings
from vigil.db import transaction
from vigil.engine.handlers import HANDLERS as ENGINE_HANDLERS
from vigil.engine.models import Timer
from vigil.engine.worker import Worker
from vigil.incidents import flows
from vigil.incidents.models import Incident, Transition
from vigil.incidents.recipients import recipients_of
from vigil.incidents.service import NewIncident, TargetRef, trigger
from vigil.notify.dispatch import KIND as DELIVERY
from vigil.notify.models import Delivery
from vigil.orgs.service import NewOrganization
from vigil.paging.escalation import HANDLERS
from vigil.paging.models import AckLink
from vigil.people.contact_methods import add_contact
from vigil.people.users import get_user

__all__ = ["smtp_server"]

MONDAY = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)  # ada is on call (weekly from 09:00 UTC)


@pytest.fixture
def travel() -> Iterator[Any]:
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller


class Ops:
    """An organization with a team, a rotation of ada/bob/cy, and routing key `ops` paging a
    policy: step 1 the rotation, step 2 (after 5 minutes) dee."""

    def __init__(self, sessions: sessionmaker[Session], org: NewOrganization) -> None:
        self.sessions = sessions
        self.org = org
        self.worker = Worker(sessions, HANDLERS)
        with transaction(sessions) as session:
            org_id = org.org.id
            for name in ("ada", "bob", "cy", "dee", "eve"):
                person(session, org_id, name)
            ops = team(session, org_id)
            primary = rotation(session, org_id, ops, weekly("ada", "bob", "cy"))
            main = policy(
                session, org_id, ops, [("rotation_group", primary.slug)], [("user", "dee")]
            )
            self.policy_slug = main.slug
            self.team_slug = ops.slug
            create_routing_key(session, org_id, "ops", [main.slug])
            create_routing_key(session, org_id, "crew", [main.slug], is_multi_responder=True)

    def alert(self, message_type: str = "CRITICAL", entity_id: str = "db", key: str = "ops") -> int:
        body = {
            "message_type": message_type,
            "entity_id": entity_id,
            "entity_display_name": f"{entity_id} down",
        }
        alert = parse_alert(key, body, "{}", clock.now())
        number = receive_with_key(self.sessions, self.org.rest_key, alert).incident_number
        self.worker.run_due()
        return number or 0

    def later(self, travel: Any, minutes: float) -> None:
        travel.shift(timedelta(minutes=minutes))
        self.worker.run_due()

    def requested(self) -> list[tuple[str, str]]:
        """The (channel, address) of every delivery requested so far, in order."""
        with transaction(self.sessions) as session:
            query = (
                select(Timer)
                .where(Timer.org_id == self.org.org.id, Timer.kind == DELIVERY)
                .order_by(Timer.id)
            )
            return [(t.payload["channel"], t.payload["address"]) for t in session.scalars(query)]

    def incident(self, number: int) -> Incident:
        with transaction(self.sessions) as session:
            return session.scalars(
                select(Incident).where(
                    Incident.org_id == self.org.org.id, Incident.number == number
                )
            ).one()

    def ack(self, number: int, username: str) -> bool:
        with transaction(self.sessions) as session:
            result = flows.acknowledge_numbers(
                session, self.org.org.id, username, [str(number)], clock.now()
            )
        return result[0].accepted

    def pending_paging(self) -> list[str]:
        with transaction(self.sessions) as session:
            query = select(Timer.kind).where(
                Timer.org_id == self.org.org.id, Timer.kind != DELIVERY
            )
            return sorted(session.scalars(query))


def add_phone(session: Session, ops: Ops, username: str, number: str) -> None:
    add_contact(session, get_user(session, ops.org.org.id, username), "phone", "Mobile", number)


@pytest.fixture
def ops(sessions: sessionmaker[Session], org: NewOrganization, travel: Any) -> Ops:
    return Ops(sessions, org)


def test_an_alert_pages_the_person_on_call_by_email_at_once(ops: Ops) -> None:
    ops.alert()
    assert ops.requested() == [("email", "ada@example.com")]


def test_the_next_step_pages_after_its_timeout_when_nobody_acknowledged(
    ops: Ops, travel: Any
) -> None:
    ops.alert()
    ops.later(travel, 4.9)
    assert ops.requested() == [("email", "ada@example.com")]
    ops.later(travel, 0.2)
    assert ops.requested() == [("email", "ada@example.com"), ("email", "dee@example.com")]


def test_acknowledging_stops_all_paging_at_once(ops: Ops, travel: Any) -> None:
    number = ops.alert()
    assert ops.ack(number, "ada")
    assert ops.pending_paging() == []
    ops.later(travel, 30)
    assert ops.requested() == [("email", "ada@example.com")]


def test_resolving_stops_all_paging(ops: Ops, travel: Any) -> None:
    ops.alert()
    ops.alert("RECOVERY")
    ops.later(travel, 30)
    assert ops.requested() == [("email", "ada@example.com")]
    assert ops.pending_paging() == []


def test_a_person_with_a_phone_gets_an_sms_after_five_minutes_unacknowledged(
    ops: Ops, travel: Any
) -> None:
    with transaction(ops.sessions) as session:
        add_phone(session, ops, "ada", "+14155550100")
    ops.alert()
    ops.later(travel, 5)
    assert ("sms", "+14155550100") in ops.requested()


def test_the_incident_records_who_it_paged_and_a_transition_per_page(ops: Ops, travel: Any) -> None:
    number = ops.alert()
    ops.later(travel, 5)
    incident = ops.incident(number)
    with transaction(ops.sessions) as session:
        recipients = recipients_of(session, [incident.id])[incident.id]
        pages = session.scalars(
            select(Transition.message).where(
                Transition.incident_id == incident.id, Transition.name == "paged"
            )
        ).all()
    assert [(r.kind, r.slug) for r in recipients] == [
        ("policy", ops.policy_slug),
        ("team", ops.team_slug),
        ("user", "ada"),
        ("user", "dee"),
    ]
    assert sorted(str(p) for p in pages) == [
        "Paged ada by email ada@example.com",
        "Paged dee by email dee@example.com",
    ]


def test_a_second_page_to_the_same_contact_within_a_minute_is_bundled(
    ops: Ops, travel: Any
) -> None:
    ops.alert(entity_id="db")
    ops.alert(entity_id="web")
    ops.alert(entity_id="cache")
    assert ops.requested() == [("email", "ada@example.com")]
    ops.later(travel, 1)
    assert ops.requested() == [("email", "ada@example.com"), ("email", "ada@example.com")]
    with transaction(ops.sessions) as session:
        bundle = session.scalars(
            select(Timer).where(Timer.kind == DELIVERY).order_by(Timer.id.desc())
        ).first()
        held = session.scalars(
            select(Delivery.status).where(Delivery.org_id == ops.org.org.id)
        ).all()
    assert bundle is not None and bundle.payload["notification"]["kind"] == "bundle"
    assert "2 more pages" in bundle.payload["notification"]["subject"]
    assert sorted(held) == ["bundled", "bundled", "throttled", "throttled"]


def test_on_a_multi_responder_incident_each_paged_person_acknowledges_for_themselves(
    ops: Ops, travel: Any
) -> None:
    number = ops.alert(key="crew")
    ops.later(travel, 5)  # ada, then dee
    with transaction(ops.sessions) as session:
        add_phone(session, ops, "dee", "+14155550101")
    assert ops.ack(number, "ada")
    assert ops.ack(number, "dee")
    assert not ops.ack(number, "dee")
    assert ops.pending_paging() == []


def test_on_a_multi_responder_incident_the_others_keep_being_paged_after_one_acknowledges(
    ops: Ops, travel: Any
) -> None:
    with transaction(ops.sessions) as session:
        add_phone(session, ops, "dee", "+14155550101")
    number = ops.alert(key="crew")
    ops.later(travel, 5)  # dee paged by email; an SMS follows 5 minutes later
    assert ops.ack(number, "ada")
    ops.later(travel, 5)
    assert ("sms", "+14155550101") in ops.requested()


def test_rerouting_pages_the_new_targets_and_drops_the_old_escalation(
    ops: Ops, travel: Any
) -> None:
    number = ops.alert()
    with transaction(ops.sessions) as session:
        request = flows.RerouteRequest(str(number), [TargetRef("user", "eve")])
        flows.reroute_incidents(session, ops.org.org.id, "ada", [request], clock.now())
    ops.later(travel, 0)
    ops.later(travel, 10)
    assert ops.requested() == [("email", "ada@example.com"), ("email", "eve@example.com")]


def test_an_alert_reaches_the_person_on_call_by_real_email_and_the_timeline_shows_it(
    sessions: sessionmaker[Session],
    org: NewOrganization,
    travel: Any,
    smtp_server: SmtpServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("VIGIL_SMTP_URL", smtp_server.url)
    get_settings.cache_clear()
    with transaction(sessions) as session:  # what other tests left due would crowd the run
        session.execute(delete(Timer))
    try:
        ops = Ops(sessions, org)
        ops.worker = Worker(sessions, ENGINE_HANDLERS)
        entity = f"db-{uuid.uuid4().hex[:8]}"
        number = ops.alert(entity_id=entity)
    finally:
        get_settings.cache_clear()
    [mail] = [m for m in smtp_server.received if entity in str(m.message["Subject"])]
    assert mail.recipients == ["ada@example.com"]
    assert f"Incident #{number}: {entity} down" in str(mail.message["Subject"])
    with transaction(sessions) as session:
        incident = ops.incident(number)
        timeline = session.scalars(
            select(Transition.name)
            .where(Transition.incident_id == incident.id)
            .order_by(Transition.id)
        ).all()
    assert timeline == ["triggered", "paged", "delivered"]


def test_a_page_to_a_person_carries_their_acknowledgement_link(ops: Ops) -> None:
    ops.alert()
    with transaction(ops.sessions) as session:
        [timer] = session.scalars(
            select(Timer).where(Timer.org_id == ops.org.org.id, Timer.kind == DELIVERY)
        ).all()
        token = session.scalars(select(AckLink.token)).all()
    notification = timer.payload["notification"]
    assert notification["ack_url"].rsplit("/", 1)[1] in token
    assert f"Acknowledge: {notification['ack_url']}" in notification["body"]


def test_a_manual_incident_targeting_a_policy_pages_through_it(ops: Ops) -> None:
    with transaction(ops.sessions) as session:
        new = NewIncident(routing_key="default", entity_id="manual", entity_state="CRITICAL")
        trigger(
            session,
            ops.org.org.id,
            new,
            clock.now(),
            targets=[TargetRef("policy", ops.policy_slug)],
        )
    ops.worker.run_due()
    assert ops.requested() == [("email", "ada@example.com")]
