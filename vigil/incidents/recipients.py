"""Who an incident paged: written as pages go out, read for pagedUsers/Teams/Policies."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from vigil.db import dialect_insert, table_of
from vigil.incidents.models import Recipient


@dataclass(frozen=True)
class Paged:
    """A user, escalation policy (with its team) or team an incident paged."""

    kind: str
    ref_id: int
    slug: str
    name: str
    team: tuple[str, str] | None = None  # a policy's team: slug and name


def add_recipients(
    session: Session, org_id: int, incident_id: int, paged: Sequence[Paged], at: datetime
) -> None:
    """Note whom the incident paged, in one statement; the first page of each is kept."""
    if not paged:
        return
    rows = [
        {
            "org_id": org_id,
            "incident_id": incident_id,
            "kind": p.kind,
            "ref_id": p.ref_id,
            "slug": p.slug,
            "name": p.name,
            "team_slug": p.team[0] if p.team else None,
            "team_name": p.team[1] if p.team else None,
            "paged_at": at,
        }
        for p in dict.fromkeys(paged)
    ]
    statement = dialect_insert(session, table_of(Recipient)).on_conflict_do_nothing(
        index_elements=["incident_id", "kind", "ref_id"]
    )
    session.connection().execute(statement, rows)


def recipients_of(session: Session, incident_ids: Sequence[int]) -> dict[int, list[Recipient]]:
    """The recipients of several incidents in one query, in paging order."""
    found: dict[int, list[Recipient]] = {incident_id: [] for incident_id in incident_ids}
    if incident_ids:
        query = (
            select(Recipient)
            .where(Recipient.incident_id.in_(incident_ids))
            .order_by(Recipient.incident_id, Recipient.paged_at, Recipient.id)
        )
        for recipient in session.scalars(query):
            found[recipient.incident_id].append(recipient)
    return found


def responder_acknowledged(session: Session, incident_id: int, user_id: int) -> bool:
    """Whether this responder acknowledged the (multi-responder) incident themselves."""
    acknowledged = session.scalar(
        select(Recipient.acknowledged_at).where(
            Recipient.incident_id == incident_id,
            Recipient.kind == "user",
            Recipient.ref_id == user_id,
        )
    )
    return acknowledged is not None


def acknowledge_responder(
    session: Session, incident_id: int, username: str, at: datetime
) -> int | None:
    """Note a paged user's own acknowledgement; their user id, or None if they were not paged
    or had acknowledged already."""
    acknowledged: int | None = session.scalar(
        update(Recipient)
        .where(
            Recipient.incident_id == incident_id,
            Recipient.kind == "user",
            Recipient.slug == username,
            Recipient.acknowledged_at.is_(None),
        )
        .values(acknowledged_at=at)
        .returning(Recipient.ref_id),
        execution_options={"synchronize_session": False},
    )
    return acknowledged
