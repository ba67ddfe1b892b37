"""iCalendar feeds of upcoming on-call shifts, one per user or per team, at secret URLs.

The token is shown once, when the feed is made, and stored hashed; making a new feed for the
same user or team replaces the old one, so its URL stops working (that is how a leaked URL is
revoked).
"""

from datetime import datetime, timedelta

from icalendar import Calendar, Event
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from vigil import clock
from vigil.identifiers import hash_secret, new_api_secret
from vigil.oncall.log import LogEntry, on_call_log
from vigil.oncall.models import CalendarFeed
from vigil.people.models import Team, User
from vigil.people.teams import teams_of_user

HORIZON = timedelta(days=60)
"""How far ahead a feed shows shifts."""


def create_feed(session: Session, org_id: int, owner: User | Team) -> str:
    """A new feed of the user's or team's shifts; returns its secret token (shown only now)."""
    is_user = isinstance(owner, User)
    column = CalendarFeed.user_id if is_user else CalendarFeed.team_id
    session.execute(delete(CalendarFeed).where(column == owner.id))
    token = new_api_secret()
    session.add(
        CalendarFeed(
            org_id=org_id,
            token_hash=hash_secret(token),
            user_id=owner.id if is_user else None,
            team_id=None if is_user else owner.id,
            created_at=clock.now(),
        )
    )
    session.flush()
    return token


def feed_calendar(session: Session, token: str, now: datetime) -> bytes | None:
    """The iCalendar document of the feed the token opens, or None if it opens none."""
    feed = session.scalar(select(CalendarFeed).where(CalendarFeed.token_hash == hash_secret(token)))
    if feed is None:
        return None
    end = now + HORIZON
    entries: list[tuple[User, LogEntry]] = []
    if feed.user_id is not None:
        user = session.get(User, feed.user_id)
        assert user is not None
        name = f"On call: {user.username}"
        for team in teams_of_user(session, user):
            entries.extend(
                (user, e) for log in on_call_log(session, team, now, end, user) for e in log.entries
            )
    else:
        owner = session.get(Team, feed.team_id)
        assert owner is not None
        name = f"On call: {owner.name}"
        entries.extend(
            (log.user, e) for log in on_call_log(session, owner, now, end) for e in log.entries
        )
    return render(name, entries, now)


def render(name: str, entries: list[tuple[User, LogEntry]], now: datetime) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//Vigil//On-call//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    for user, entry in sorted(entries, key=lambda pair: (pair[1].on, pair[0].username)):
        event = Event()
        event.add("uid", f"{entry.policy.slug}-{user.username}-{int(entry.on.timestamp())}@vigil")
        event.add("summary", f"On call: {user.username} ({entry.policy.name})")
        event.add("dtstamp", now)
        event.add("dtstart", entry.on)
        event.add("dtend", entry.off)
        calendar.add_component(event)
    document: bytes = calendar.to_ical()
    return document
