"""What the end-to-end alert tests share: the REST-endpoint URL and reading what was stored."""

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from vigil.alerts.models import Alert
from vigil.db import transaction
from vigil.incidents.models import Incident
from vigil.orgs.service import NewOrganization

ALERT_PATH = "/integrations/generic/20131114/alert"


def alert_url(base: str, org: NewOrganization, routing_key: str | None = "e2e") -> str:
    """Where a monitoring tool posts: .../alert/{rest key}/{routing key}."""
    url = f"{base}{ALERT_PATH}/{org.rest_key}"
    return f"{url}/{routing_key}" if routing_key else url


def alerts_of(
    sessions: sessionmaker[Session], org: NewOrganization, entity_id: str | None = None
) -> list[Alert]:
    """The organization's stored alerts (for one entity if given), oldest first."""
    query = select(Alert).where(Alert.org_id == org.org.id)
    if entity_id is not None:
        query = query.where(Alert.entity_id == entity_id)
    with transaction(sessions) as session:
        return list(session.scalars(query.order_by(Alert.received_at, Alert.id)))


def incidents_of(
    sessions: sessionmaker[Session], org: NewOrganization, entity_id: str | None = None
) -> list[Incident]:
    """The organization's incidents (for one entity if given), by number."""
    query = select(Incident).where(Incident.org_id == org.org.id)
    if entity_id is not None:
        query = query.where(Incident.entity_id == entity_id)
    with transaction(sessions) as session:
        return list(session.scalars(query.order_by(Incident.number)))
