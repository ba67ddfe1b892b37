"""The on-call log of a team: who was (or will be) on call when, per escalation policy.

Computed from the rotations the team's policies page (every step's current-rotation entries)
with overrides and take-on-call applied, clipped to the asked window. `total` adds up every
stretch; `adjusted_total` counts time on call in several policies at once only once.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from dateutil import parser as dateparser
from sqlalchemy.orm import Session

from vigil.errors import Invalid
from vigil.oncall.models import ROTATION_ENTRY_KINDS, EscalationPolicy
from vigil.oncall.schedules import load
from vigil.oncall.who import effective_slots
from vigil.people.models import Team, User

MAX_SPAN = timedelta(days=93)


@dataclass(frozen=True)
class LogEntry:
    on: datetime
    off: datetime
    policy: EscalationPolicy


@dataclass(frozen=True)
class UserLog:
    user: User
    total: timedelta
    adjusted_total: timedelta
    entries: list[LogEntry]


def log_window(start: str | None, end: str | None, now: datetime) -> tuple[datetime, datetime]:
    """The `start` and `end` query parameters (ISO 8601, UTC when no offset); by default today."""
    today = datetime.combine(now.astimezone(UTC).date(), time(), tzinfo=UTC)
    begin = _moment(start, "start") if start else today
    finish = _moment(end, "end") if end else today + timedelta(days=1) - timedelta(seconds=1)
    if finish <= begin:
        raise Invalid("end must be after start")
    if finish - begin > MAX_SPAN:
        raise Invalid("The on-call log covers at most 93 days at a time")
    return begin, finish


def on_call_log(
    session: Session, team: Team, start: datetime, end: datetime, user: User | None = None
) -> list[UserLog]:
    """Each user's stretches on call for the team's policies within [start, end), by username."""
    loaded = load(session, [team], start, end, None)
    entries: dict[int, list[LogEntry]] = defaultdict(list)
    for policy in loaded.policies:
        subs = loaded.subs.get(policy.id, [])
        rotation_ids = dict.fromkeys(
            e.rotation_id
            for e in loaded.entries[policy.id]
            if e.rotation_id is not None and e.kind == ROTATION_ENTRY_KINDS[0]
        )
        for rotation_id in rotation_ids:
            plan = loaded.plans.get(rotation_id) if rotation_id else None
            for rule in plan.rules if plan else ():
                for piece in effective_slots(rule, subs, start, end):
                    on, off = max(piece.start, start), min(piece.end, end)
                    if off > on and (user is None or piece.user_id == user.id):
                        entries[piece.user_id].append(LogEntry(on, off, policy))
    logs = []
    for user_id, found in entries.items():
        found.sort(key=lambda entry: (entry.on, entry.policy.name))
        total = sum((entry.off - entry.on for entry in found), timedelta())
        logs.append(UserLog(loaded.users[user_id], total, _union(found), found))
    return sorted(logs, key=lambda log: log.user.username)


def _union(entries: list[LogEntry]) -> timedelta:
    covered = timedelta()
    reach: datetime | None = None
    for entry in entries:  # sorted by start
        if reach is None or entry.on >= reach:
            covered += entry.off - entry.on
            reach = entry.off
        elif entry.off > reach:
            covered += entry.off - reach
            reach = entry.off
    return covered


def _moment(text: str, field: str) -> datetime:
    try:
        moment = dateparser.isoparse(text)
    except (ValueError, OverflowError):
        raise Invalid(f"{field} {text!r} is not an ISO 8601 date-time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
