"""iCalendar feeds of upcoming maintenance windows, at secret URLs calendar applications can
subscribe to without API headers.

A feed shows every window of the organization, or only those muting one routing key (naming
it, or global), from a day ago to 90 days ahead. The token is shown once, when the feed is
made, and stored hashed; an organization may keep several feeds and revoke each one.
"""

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from vigil import clock
from vigil.errors import NotFound
from vigil.identifiers import hash_secret, new_api_secret
from vigil.maintenance.calendar import render_calendar
from vigil.maintenance.models import MaintenanceCalendarFeed
from vigil.maintenance.modes import check_known_keys
from vigil.maintenance.window_queries import calendar_entries

__all__ = ["AHEAD", "BEHIND", "create_feed", "find_feed", "render_feed", "revoke_feed"]

BEHIND = timedelta(days=1)
"""How far back a feed shows windows (so one that just ended is still there)."""
AHEAD = timedelta(days=90)
"""How far ahead a feed shows windows."""
MAX_EVENTS = 500


def create_feed(session: Session, org_id: int, routing_key: str | None = None) -> str:
    """A new feed of the organization's windows (those muting `routing_key` when given; an
    unknown key raises Invalid); returns its secret token, shown only now."""
    if routing_key is not None:
        routing_key = routing_key.strip()
        check_known_keys(session, org_id, [routing_key])
    token = new_api_secret()
    session.add(
        MaintenanceCalendarFeed(
            org_id=org_id,
            token_hash=hash_secret(token),
            routing_key=routing_key,
            created_at=clock.now(),
        )
    )
    session.flush()
    return token


def find_feed(session: Session, token: str) -> MaintenanceCalendarFeed | None:
    """The feed the token opens, or None."""
    return session.scalar(
        select(MaintenanceCalendarFeed).where(
            MaintenanceCalendarFeed.token_hash == hash_secret(token)
        )
    )


def revoke_feed(session: Session, org_id: int, token: str) -> None:
    """Delete the organization's feed the token opens (its URL stops working); NotFound if
    the organization has no such feed."""
    removed = session.execute(
        delete(MaintenanceCalendarFeed)
        .where(
            MaintenanceCalendarFeed.org_id == org_id,
            MaintenanceCalendarFeed.token_hash == hash_secret(token),
        )
        .returning(MaintenanceCalendarFeed.id)
    ).first()
    if removed is None:
        raise NotFound("No maintenance calendar feed with this token")


def render_feed(
    session: Session, org_id: int, now: datetime, *, domain: str, routing_key: str | None = None
) -> bytes:
    """The iCalendar document of the organization's windows from `now - BEHIND` to
    `now + AHEAD`, only those muting `routing_key` when given. UIDs end in `@domain`."""
    entries = calendar_entries(
        session,
        org_id,
        after=now - BEHIND,
        before=now + AHEAD,
        domain=domain,
        routing_key=routing_key,
        limit=MAX_EVENTS,
    )
    name = "Maintenance windows" + (f": {routing_key}" if routing_key else "")
    return render_calendar(entries, name=name, stamp=now)
