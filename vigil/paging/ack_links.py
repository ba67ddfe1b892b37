"""One-click acknowledgement: the link a page carries, and what following it does.

A link names one incident and one paged person by a random token (nothing to guess or
forge); following it acknowledges as that person, through the same flow as the API.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.db import dialect_insert, table_of
from vigil.errors import NotFound
from vigil.incidents import flows
from vigil.incidents.models import Incident
from vigil.paging.models import AckLink
from vigil.people.models import User


@dataclass(frozen=True)
class Linked:
    """What an acknowledgement link is about."""

    org_id: int
    number: int
    summary: str
    phase: str
    username: str


def link_token(session: Session, org_id: int, incident_id: int, user_id: int, at: datetime) -> str:
    """The token of the person's link for the incident, made on first use."""
    statement = dialect_insert(session, table_of(AckLink)).values(
        org_id=org_id,
        token=secrets.token_urlsafe(32),
        incident_id=incident_id,
        user_id=user_id,
        created_at=at,
    )
    session.connection().execute(
        statement.on_conflict_do_nothing(index_elements=["incident_id", "user_id"])
    )
    token: str = session.scalars(
        select(AckLink.token).where(AckLink.incident_id == incident_id, AckLink.user_id == user_id)
    ).one()
    return token


def linked(session: Session, token: str) -> Linked:
    """The incident and person behind a token (NotFound for a token that names nothing)."""
    row = session.execute(
        select(
            Incident.org_id,
            Incident.number,
            Incident.entity_display_name,
            Incident.entity_id,
            Incident.phase,
            User.username,
        )
        .join(AckLink, AckLink.incident_id == Incident.id)
        .join(User, User.id == AckLink.user_id)
        .where(AckLink.token == token)
    ).first()
    if row is None:
        raise NotFound("This acknowledgement link is not valid")
    org_id, number, display_name, entity_id, phase, username = row
    return Linked(org_id, number, display_name or entity_id, phase, username)


def acknowledge_by_link(session: Session, token: str, at: datetime) -> flows.CommandResult:
    """Acknowledge the link's incident as the person it was sent to."""
    found = linked(session, token)
    message = "Acknowledged from the link in a page"
    [result] = flows.acknowledge_numbers(
        session, found.org_id, found.username, [str(found.number)], at, message
    )
    return result
