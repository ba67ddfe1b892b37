"""Maintenance windows as iCalendar (RFC 5545): one VEVENT per occurrence, times in UTC.

Plain Python, no database, no HTTP: the feed endpoint gathers the windows and their
occurrences, and this module writes the `.ics` text.

Choices, made once here:

- Recurring windows are expanded: every occurrence is its own VEVENT rather than one VEVENT
  with an RRULE. Each occurrence is a separate instance with its own state (started early,
  extended, canceled), which an RRULE series could only say with RECURRENCE-ID overrides and
  EXDATEs; expanding keeps every client, however naive about those, showing what will happen.
  The feed therefore covers a horizon (`window_queries.calendar_entries` takes `after`/`before`
  and a limit).
- Times are UTC (`DTSTART:20260329T013000Z`): no VTIMEZONE to ship, nothing for a client to get
  wrong about DST; calendar applications show them in the reader's own zone. The window's own
  zone has already been applied by `vigil.maintenance.recurrence`.
- UID is `<window key>-<occurrence index>@<domain>`: stable per occurrence as time passes and
  across renders, so a subscribed calendar updates an event in place instead of duplicating it.
  A canceled occurrence stays in the feed with STATUS:CANCELLED so calendars remove it; bump
  SEQUENCE when an occurrence is rescheduled.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from icalendar import Calendar, Event

from vigil import clock

__all__ = [
    "CONTENT_TYPE",
    "CalendarEntry",
    "occurrence_uid",
    "render_calendar",
]

CONTENT_TYPE = "text/calendar; charset=utf-8"
PRODID = "-//Vigil//Maintenance windows//EN"
STATUSES = frozenset({"TENTATIVE", "CONFIRMED", "CANCELLED"})


@dataclass(frozen=True)
class CalendarEntry:
    """One occurrence of a window as a calendar event; `start`/`end` are aware datetimes."""

    uid: str
    summary: str
    start: datetime
    end: datetime
    description: str = ""
    url: str | None = None
    status: str = "CONFIRMED"
    sequence: int = 0

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("calendar entry times must be aware datetimes")
        if self.end <= self.start:
            raise ValueError("calendar entry must end after it starts")
        if self.status not in STATUSES:
            raise ValueError(f"calendar entry status must be one of {sorted(STATUSES)}")


def occurrence_uid(window_key: str, index: int, domain: str) -> str:
    """The UID of occurrence `index` of the window `window_key`: `<key>-<index>@<domain>`."""
    return f"{window_key}-{index}@{domain}"


def render_calendar(
    entries: Iterable[CalendarEntry],
    *,
    name: str = "Maintenance windows",
    stamp: datetime | None = None,
) -> bytes:
    """An iCalendar (VCALENDAR) document holding one VEVENT per entry, ordered by start.

    `stamp` (DTSTAMP of every event) defaults to `vigil.clock.now()`.
    """
    moment = (stamp or clock.now()).astimezone(UTC)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    for entry in sorted(entries, key=lambda e: (e.start, e.uid)):
        event = Event()
        event.add("uid", entry.uid)
        event.add("dtstamp", moment)
        event.add("dtstart", entry.start.astimezone(UTC))
        event.add("dtend", entry.end.astimezone(UTC))
        event.add("summary", entry.summary)
        if entry.description:
            event.add("description", entry.description)
        if entry.url:
            event.add("url", entry.url)
        event.add("status", entry.status)
        event.add("sequence", entry.sequence)
        event.add("transp", "OPAQUE")
        calendar.add_component(event)
    ics: bytes = calendar.to_ical()
    return ics
