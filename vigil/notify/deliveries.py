"""The record of every delivery attempt, and the query that shows them in incident timelines."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from vigil import clock
from vigil.incidents import service as incidents
from vigil.notify.models import CHANNELS, Delivery
from vigil.people.models import User

STATUSES = ("sent", "failed", "throttled", "bundled")
TIMELINE_NAMES = {
    "sent": "delivered",
    "failed": "delivery_failed",
    "throttled": "delivery_throttled",
    "bundled": "delivery_bundled",
}
MAX_ERROR_CHARS = 2000
MAX_ADDRESS_CHARS = 2000


def record(
    session: Session,
    org_id: int,
    *,
    channel: str,
    address: str,
    status: str,
    subject: str = "",
    error: str | None = None,
    attempt: int = 1,
    incident_id: int | None = None,
    user_id: int | None = None,
    at: datetime | None = None,
) -> Delivery:
    """Store one attempt (or a decision not to send: `throttled`, `bundled`) in one INSERT,
    and note it in the incident's timeline when it was about one.

    A user deleted since the delivery was requested is recorded as no user rather than failing.
    """
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    if status not in STATUSES:
        raise ValueError(f"unknown delivery status {status!r}")
    existing_user = (
        select(User.id).where(User.id == user_id).scalar_subquery() if user_id is not None else None
    )
    statement = (
        insert(Delivery)
        .values(
            org_id=org_id,
            incident_id=incident_id,
            user_id=existing_user,
            channel=channel,
            address=address[:MAX_ADDRESS_CHARS],
            subject=subject,
            status=status,
            error=error[:MAX_ERROR_CHARS] if error is not None else None,
            attempt=attempt,
            at=at or clock.now(),
        )
        .returning(Delivery)
    )
    delivery = session.scalars(statement).one()
    if incident_id is not None:
        message = f"{channel} to {delivery.address}" + (f": {error}" if error else "")
        incidents.note(session, org_id, incident_id, TIMELINE_NAMES[status], delivery.at, message)
    return delivery


def deliveries_of(session: Session, incident_ids: Sequence[int]) -> dict[int, list[Delivery]]:
    """The delivery attempts of several incidents in one query, oldest first per incident.

    Every asked-for incident is a key, with an empty list when nothing was sent for it.
    """
    found: dict[int, list[Delivery]] = {incident_id: [] for incident_id in incident_ids}
    if incident_ids:
        for delivery in session.scalars(
            select(Delivery)
            .where(Delivery.incident_id.in_(incident_ids))
            .order_by(Delivery.incident_id, Delivery.id)
        ):
            assert delivery.incident_id is not None
            found[delivery.incident_id].append(delivery)
    return found
