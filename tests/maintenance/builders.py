"""An organization ready for maintenance tests: ada on call for routing keys `ops` and `db`."""

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.oncall.builders import person, policy, rotation, team, weekly
from vigil import clock
from vigil.alerts.routing_keys import create_routing_key
from vigil.db import transaction
from vigil.engine.models import Timer
from vigil.incidents import service as incidents
from vigil.incidents.models import Incident, Transition
from vigil.maintenance import modes
from vigil.maintenance.models import MaintenanceMode
from vigil.notify.dispatch import KIND as DELIVERY
from vigil.orgs.service import NewOrganization

MONDAY = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
"""ada is on call (a weekly rotation handing off at 09:00 UTC that day)."""


@pytest.fixture
def travel() -> Iterator[Any]:
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller


class Shop:
    """Routing keys `ops` and `db` paging a policy whose rotation has ada on call."""

    def __init__(self, sessions: sessionmaker[Session], org: NewOrganization) -> None:
        self.sessions = sessions
        self.org_id = org.org.id
        with transaction(sessions) as session:
            person(session, self.org_id, "ada")
            ops = team(session, self.org_id)
            primary = rotation(session, self.org_id, ops, weekly("ada"))
            main = policy(session, self.org_id, ops, [("rotation_group", primary.slug)])
            create_routing_key(session, self.org_id, "ops", [main.slug])
            create_routing_key(session, self.org_id, "db", [main.slug])

    def start(
        self, *names: str, end_behavior: str = "repage", purpose: str = "Upgrade"
    ) -> MaintenanceMode:
        with transaction(self.sessions) as session:
            return modes.start_mode(
                session,
                self.org_id,
                names=names,
                purpose=purpose,
                started_by="ada",
                at=clock.now(),
                end_behavior=end_behavior,
            )

    def end(self, mode: MaintenanceMode) -> MaintenanceMode:
        with transaction(self.sessions) as session:
            return modes.end_mode(
                session, self.org_id, mode.instance_id, ended_by="ada", at=clock.now()
            )

    def open(self, key: str, entity_id: str = "web", *, muted: bool = True) -> Incident:
        """An incident as ingestion opens it on a (muted) key."""
        new = incidents.NewIncident(key, entity_id, "CRITICAL", f"{entity_id} down", muted=muted)
        with transaction(self.sessions) as session:
            return incidents.trigger(session, self.org_id, new, clock.now())

    def incident(self, number: int) -> Incident:
        with transaction(self.sessions) as session:
            return session.scalars(
                select(Incident).where(Incident.org_id == self.org_id, Incident.number == number)
            ).one()

    def timeline(self, number: int) -> list[str]:
        with transaction(self.sessions) as session:
            return list(
                session.scalars(
                    select(Transition.name)
                    .join(Incident, Incident.id == Transition.incident_id)
                    .where(Incident.org_id == self.org_id, Incident.number == number)
                    .order_by(Transition.id)
                )
            )

    def page_timers(self) -> list[int]:
        """The incident ids with paging requested and not yet run."""
        with transaction(self.sessions) as session:
            query = select(Timer.payload).where(
                Timer.org_id == self.org_id, Timer.kind == incidents.PAGE_TIMER
            )
            return sorted(payload["incident_id"] for payload in session.scalars(query))

    def emails(self) -> list[dict[str, Any]]:
        """The (address, notification) of every e-mail requested so far, in order."""
        with transaction(self.sessions) as session:
            query = (
                select(Timer.payload)
                .where(Timer.org_id == self.org_id, Timer.kind == DELIVERY)
                .order_by(Timer.id)
            )
            return [
                {"address": p["address"], **p["notification"]}
                for p in session.scalars(query)
                if p["channel"] == "email"
            ]

    def clear_emails(self) -> None:
        with transaction(self.sessions) as session:
            for timer in session.scalars(
                select(Timer).where(Timer.org_id == self.org_id, Timer.kind == DELIVERY)
            ):
                session.delete(timer)


def later(travel: Any, minutes: float) -> None:
    travel.shift(timedelta(minutes=minutes))


def names_of(found: Sequence[modes.ActiveMode]) -> list[list[str]]:
    return [active.names for active in found]
