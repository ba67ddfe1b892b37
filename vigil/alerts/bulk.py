"""Ingest a batch of alerts with a handful of multi-row statements instead of a few per alert.

The alerts are applied in order, exactly as `ingest` would apply them one by one: the batch
first reads the open incidents of all its entities in one query, then folds its alerts into
incidents to open and incidents to join, and writes them together. An ACKNOWLEDGEMENT or
RECOVERY that reaches an incident writes what came before it, then goes through `ingest`
itself, so the rarer changes keep their one code path.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from vigil.alerts.ingest import (
    CLOSING,
    OPENING,
    Ingested,
    ParsedAlert,
    ingest,
    opening_on,
    store_alerts,
)
from vigil.alerts.routing_keys import KeyPaging
from vigil.incidents import service as incidents
from vigil.incidents.service import Joined, OpenIncident, Opening

Entity = tuple[str, str]
"""(routing key, entity id)"""


@dataclass
class _Pending:
    """Alerts of one organization not written yet, and the open incident each will name."""

    openings: dict[Entity, tuple[ParsedAlert, Joined | None]] = field(default_factory=dict)
    joins: dict[int, Joined] = field(default_factory=dict)
    alerts: list[tuple[ParsedAlert, Entity | None]] = field(default_factory=list)


class _Batch:
    def __init__(self, session: Session, org_id: int, alerts: Sequence[ParsedAlert]) -> None:
        self.session = session
        self.org_id = org_id
        entities = {(a.routing_key, a.entity_id) for a in alerts}
        self.open = incidents.find_open_many(session, org_id, entities)
        self.paging: dict[str, KeyPaging] = {}  # read when a batch opens incidents
        self.pending = _Pending()
        self.outcomes: dict[str, Ingested] = {}

    def apply(self, alert: ParsedAlert) -> None:
        entity = (alert.routing_key, alert.entity_id)
        pending = self.pending
        if alert.message_type in OPENING:
            if entity in pending.openings:
                first, earlier = pending.openings[entity]
                joined = earlier.then(alert.joined()) if earlier else alert.joined()
                pending.openings[entity] = (first, joined)
            elif entity in self.open:
                incident_id = self.open[entity].id
                earlier = pending.joins.get(incident_id)
                pending.joins[incident_id] = (
                    earlier.then(alert.joined()) if earlier else alert.joined()
                )
            else:
                pending.openings[entity] = (alert, None)
            pending.alerts.append((alert, entity))
        elif alert.message_type in CLOSING and (entity in pending.openings or entity in self.open):
            self.write()
            self.outcomes[alert.id] = ingest(self.session, self.org_id, alert)
            if alert.message_type == "RECOVERY":
                del self.open[entity]
        else:  # INFO, or a closing alert with no open incident: stored, changes nothing
            is_open = entity in pending.openings or entity in self.open
            pending.alerts.append((alert, entity if is_open else None))

    def write(self) -> None:
        """Write what is pending: new incidents, joins, then the alerts that name them."""
        pending, self.pending = self.pending, _Pending()
        opened = incidents.open_many(self.session, self.org_id, self._openings(pending))
        self.open.update(zip(pending.openings, opened, strict=True))
        incidents.join_many(self.session, list(pending.joins.items()))
        rows = []
        for alert, entity in pending.alerts:
            incident: OpenIncident | None = self.open[entity] if entity else None
            rows.append(alert.columns(self.org_id, incident.id if incident else None))
            number = incident.number if incident else None
            self.outcomes[alert.id] = Ingested(alert.id, alert.entity_id, number)
        store_alerts(self.session, rows)

    def _openings(self, pending: _Pending) -> list[Opening]:
        keys = {alert.routing_key for alert, _ in pending.openings.values()} - self.paging.keys()
        if keys:
            at = max(alert.received_at for alert, _ in pending.openings.values())
            self.paging |= opening_on(self.session, self.org_id, keys, at)
        return [
            Opening(
                alert.new_incident(self.paging[alert.routing_key]),
                alert.received_at,
                alert.id,
                joined,
            )
            for alert, joined in pending.openings.values()
        ]


def ingest_batch(session: Session, org_id: int, alerts: Sequence[ParsedAlert]) -> list[Ingested]:
    """Apply alerts of one organization in order and store them; one result per alert."""
    batch = _Batch(session, org_id, alerts)
    for alert in alerts:
        batch.apply(alert)
    batch.write()
    return [batch.outcomes[alert.id] for alert in alerts]
