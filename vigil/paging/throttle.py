"""At most one message per contact per interval; what comes meanwhile is bundled.

An alert storm must not become a phone storm (GoAlert does the same): the first page to a
contact goes out at once, later ones within the interval are held (and recorded as throttled on
their incident), and one message listing them all goes out when the interval ends.
"""

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil import clock
from vigil.config import get_settings
from vigil.db import dialect_insert, table_of
from vigil.engine import timers
from vigil.engine.models import Timer
from vigil.notify import deliveries
from vigil.notify.dispatch import request_delivery
from vigil.notify.message import Notification
from vigil.paging.models import ContactThrottle

BUNDLE_TIMER = "paging.bundle"
UNTHROTTLED = frozenset({"webhook"})


def send_page(
    session: Session,
    org_id: int,
    *,
    channel: str,
    address: str,
    notification: Notification,
    incident_id: int,
    user_id: int | None,
    at: datetime,
) -> bool:
    """Send a page now, or hold it for the contact's next bundle; True when it went out now."""
    interval = timedelta(seconds=get_settings().throttle_seconds)
    if channel in UNTHROTTLED or interval <= timedelta(0):
        _request(session, org_id, channel, address, notification, incident_id, user_id)
        return True
    throttle = _locked(session, org_id, channel, address, user_id)
    if throttle.last_sent_at is None or at - throttle.last_sent_at >= interval:
        throttle.last_sent_at = at
        _request(session, org_id, channel, address, notification, incident_id, user_id)
        return True
    held = {"incident_id": incident_id, "subject": notification.subject}
    throttle.held = [*throttle.held, held]
    deliveries.record(
        session,
        org_id,
        channel=channel,
        address=address,
        status="throttled",
        subject=notification.subject,
        error=f"held for one message at {(throttle.last_sent_at + interval).isoformat()}",
        attempt=1,
        incident_id=incident_id,
        user_id=user_id,
    )
    timers.schedule(
        session,
        org_id,
        BUNDLE_TIMER,
        throttle.last_sent_at + interval,
        {"throttle_id": throttle.id},
        key=f"{BUNDLE_TIMER}:{throttle.id}",
    )
    return False


def send_bundle(session: Session, timer: Timer) -> None:
    """The engine handler: one message with everything held for a contact."""
    throttle = session.scalar(
        select(ContactThrottle)
        .where(ContactThrottle.id == timer.payload["throttle_id"])
        .with_for_update()
    )
    if throttle is None or not throttle.held:
        return
    held: list[dict[str, Any]] = throttle.held
    subjects = [str(item["subject"]) for item in held]
    notification = Notification(
        subject=f"[Vigil] {len(held)} more page{'s' if len(held) != 1 else ''}: {subjects[0]}",
        body="\n".join(["Paged while your last message was recent:", "", *subjects]),
        kind="bundle",
    )
    throttle.last_sent_at = clock.now()
    throttle.held = []
    _request(
        session,
        throttle.org_id,
        throttle.channel,
        throttle.address,
        notification,
        None,
        throttle.user_id,
    )
    for incident_id in dict.fromkeys(int(item["incident_id"]) for item in held):
        deliveries.record(
            session,
            throttle.org_id,
            channel=throttle.channel,
            address=throttle.address,
            status="bundled",
            subject=notification.subject,
            error=None,
            attempt=1,
            incident_id=incident_id,
            user_id=throttle.user_id,
        )


def _request(
    session: Session,
    org_id: int,
    channel: str,
    address: str,
    notification: Notification,
    incident_id: int | None,
    user_id: int | None,
) -> None:
    request_delivery(
        session,
        org_id,
        channel=channel,
        address=address,
        notification=notification,
        incident_id=incident_id,
        user_id=user_id,
    )


def _locked(
    session: Session, org_id: int, channel: str, address: str, user_id: int | None
) -> ContactThrottle:
    """The contact's throttle row, created if new, locked until commit (one sender at a time)."""
    new = {"org_id": org_id, "channel": channel, "address": address, "user_id": user_id}
    statement = dialect_insert(session, table_of(ContactThrottle)).values(**new, held=[])
    session.connection().execute(
        statement.on_conflict_do_nothing(index_elements=["org_id", "channel", "address"])
    )
    query = (
        select(ContactThrottle)
        .where(
            ContactThrottle.org_id == org_id,
            ContactThrottle.channel == channel,
            ContactThrottle.address == address,
        )
        .with_for_update()
    )
    return session.scalars(query).one()
