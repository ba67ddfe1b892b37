"""When a maintenance window happens: the time maths of schedules, recurrence and time zones.

Plain Python, no database, no HTTP. A `Schedule` is what the user typed: a wall-clock start in
an IANA zone, a duration, and optionally an RFC 5545 recurrence rule (python-dateutil). Its
`Occurrence`s are instants in UTC, numbered from 0 so each one can carry its own state.

The rules, chosen once here for every caller:

- Recurrences are expanded in wall-clock time in the schedule's zone ("daily at 02:30 in
  Europe/Berlin" stays at 02:30 local on both sides of a DST change), then each local start is
  turned into an instant by `to_utc`.
- A local time that does not exist (spring forward: 02:30 in Europe/Berlin on the last Sunday
  of March) is read with the UTC offset in force before the gap, as RFC 5545 (3.3.5) says for
  DATE-TIME values and as PEP 495 (`fold=0`) does: 02:30 CET is 01:30 UTC, which a wall clock
  shows as 03:30 CEST. The window keeps its place in the day, shifted by the size of the jump,
  rather than being dropped (a maintenance that never happens is worse than one an hour late).
- A local time that happens twice (autumn back: 02:30 in Europe/Berlin on the last Sunday of
  October) takes the first, summer-time, occurrence (also `fold=0`).
- The duration is elapsed time: a 2-hour window starting 01:30 CEST on the autumn change day
  ends two real hours later, at 02:30 CET.
- An instance whose instant does not come after the previous instance's (only possible for
  HOURLY rules and BYHOUR/BYMINUTE lists falling in a spring gap) is dropped, so instants
  strictly increase; indexes still count every generated instance, so they never shift.
- The start gives the time of day (unless BYHOUR/BYMINUTE say otherwise) and the earliest
  date: the first occurrence is the first instance of the rule at or after it, as dateutil
  does (a start on Monday 5 January with BYDAY=1TU first happens on Tuesday 6 January).
  HOURLY rules count wall-clock hours too: the hour repeated in autumn happens once.
- Rules without COUNT or UNTIL are allowed: `occurrences` always takes a window and a limit.
  FREQ=SECONDLY and FREQ=MINUTELY are refused; so are COUNT and UNTIL together (RFC 5545).
- UNTIL may be UTC (`20261231T000000Z`, the RFC 5545 form when DTSTART has a zone), local
  wall-clock time in the schedule's zone (`20261231T000000`) or a date (`20261231`, meaning up
  to the end of that local day). It is inclusive: an instance starting exactly then is kept.
- Rules are checked against RFC 5545 ranges (INTERVAL at most 10,000, COUNT at most 100,000)
  and refused when their BY parts can never match ("30 February", or MONTHLY;BYMONTH=4 from a
  start on the 31st), so expanding one does not walk the calendar to year 9999 looking for an
  instance. Two shapes that could hide such a rule are refused outright: BYSETPOS outside
  MONTHLY/YEARLY, and HOURLY/DAILY with INTERVAL > 1 plus day filters (every other day but
  only on Tuesdays may never land on a Tuesday). What remains (a MONTHLY/YEARLY BYSETPOS
  that picks nothing) costs about a second to find empty.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.rrule import rrule, rrulestr

from vigil.errors import Invalid

__all__ = [
    "Occurrence",
    "Schedule",
    "next_after",
    "next_occurrence",
    "occurrences",
    "parse_rrule",
    "to_utc",
    "zone_info",
]

REFUSED_FREQUENCIES = frozenset({"SECONDLY", "MINUTELY"})
FREQUENCIES = frozenset({"HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY"})
PARTS = frozenset(
    {
        "FREQ",
        "INTERVAL",
        "COUNT",
        "UNTIL",
        "WKST",
        "BYSETPOS",
        "BYMONTH",
        "BYMONTHDAY",
        "BYYEARDAY",
        "BYWEEKNO",
        "BYDAY",
        "BYHOUR",
        "BYMINUTE",
        "BYSECOND",
    }
)
MAX_RRULE_CHARS = 1000
# Numeric list parts: (lowest, highest, may be negative) as RFC 5545 3.3.10 allows.
_RANGES = {
    "BYSECOND": (0, 60, False),
    "BYMINUTE": (0, 59, False),
    "BYHOUR": (0, 23, False),
    "BYMONTH": (1, 12, False),
    "BYMONTHDAY": (1, 31, True),
    "BYYEARDAY": (1, 366, True),
    "BYWEEKNO": (1, 53, True),
    "BYSETPOS": (1, 366, True),
}
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_WEEKDAY = re.compile(r"^([+-]?(\d{1,2}))?(MO|TU|WE|TH|FR|SA|SU)$")
MAX_INTERVAL = 10_000
MAX_COUNT = 100_000
_UNTIL = re.compile(r"^(\d{8})(T(\d{6})(Z?))?$")
# A fixed start for validating rules on their own: any date that exists everywhere will do.
_PROBE_START = datetime(2000, 1, 1)


def zone_info(name: str) -> ZoneInfo:
    """The IANA zone called `name`; raises Invalid (a clear 400) for anything else."""
    if not isinstance(name, str) or not name.strip():
        raise Invalid("time zone is required: an IANA name such as 'Europe/Berlin'")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise Invalid(
            f"unknown time zone {name!r}: use an IANA name such as 'Europe/Berlin'"
        ) from None


def to_utc(local: datetime, zone: ZoneInfo) -> datetime:
    """The instant at which wall clocks in `zone` show the naive `local`, as an aware UTC datetime.

    Nonexistent local times use the offset before the gap (02:30 on the spring-forward day in
    Europe/Berlin is 01:30 UTC, shown as 03:30 CEST); ambiguous ones take the first occurrence
    (summer time). See the module docstring.
    """
    return local.replace(tzinfo=zone, fold=0).astimezone(UTC)


def parse_rrule(text: str) -> str:
    """`text` as a validated, normalized RRULE value: upper-case, FREQ first, no DTSTART.

    Accepts an optional `RRULE:` prefix. Raises Invalid, with what is wrong, for anything
    dateutil cannot read, a DTSTART/EXDATE/RDATE in the text (the schedule gives the start),
    FREQ=SECONDLY or MINUTELY, COUNT together with UNTIL, or a malformed UNTIL.
    """
    if not isinstance(text, str) or not text.strip():
        raise Invalid("recurrence rule is empty: give an RRULE such as 'FREQ=WEEKLY;BYDAY=TU'")
    if len(text) > MAX_RRULE_CHARS:
        raise Invalid(f"recurrence rule is longer than {MAX_RRULE_CHARS} characters")
    value = text.strip().upper()
    if "\n" in value or "\r" in value or "DTSTART" in value:
        raise Invalid(
            "recurrence rule must be a single RRULE without DTSTART: the window's start "
            "and time zone give the first occurrence"
        )
    if value.startswith("RRULE:"):
        value = value.removeprefix("RRULE:")
    parts: dict[str, str] = {}
    for chunk in value.replace(" ", "").split(";"):
        if not chunk:
            continue
        name, equals, part_value = chunk.partition("=")
        if not equals or not part_value:
            raise Invalid(f"recurrence rule part {chunk!r} is not NAME=VALUE")
        if name not in PARTS:
            raise Invalid(f"recurrence rule part {name!r} is not an RFC 5545 RRULE part")
        if name in parts:
            raise Invalid(f"recurrence rule part {name} is given twice")
        parts[name] = part_value
    frequency = parts.get("FREQ")
    if frequency is None:
        raise Invalid("recurrence rule needs FREQ (HOURLY, DAILY, WEEKLY, MONTHLY or YEARLY)")
    if frequency in REFUSED_FREQUENCIES:
        raise Invalid(
            f"FREQ={frequency} is not allowed for maintenance windows: "
            "use HOURLY, DAILY, WEEKLY, MONTHLY or YEARLY"
        )
    if frequency not in FREQUENCIES:
        raise Invalid(f"FREQ={frequency} is not a recurrence frequency")
    if "COUNT" in parts and "UNTIL" in parts:
        raise Invalid("recurrence rule may have COUNT or UNTIL, not both")
    for name, part_value in parts.items():
        _check_part(name, part_value)
    ordinals = [
        day for day in parts.get("BYDAY", "").split(",") if day[:1] in "+-0123456789" and day
    ]
    if ordinals and frequency not in {"MONTHLY", "YEARLY"}:
        raise Invalid(
            f"recurrence rule BYDAY={ordinals[0]}: numbered weekdays need FREQ=MONTHLY or YEARLY"
        )
    in_month = frequency == "MONTHLY" or "BYMONTH" in parts
    if in_month and any(int(day.rstrip("AEFHMORSTUW")) not in range(-5, 6) for day in ordinals):
        raise Invalid(
            "recurrence rule BYDAY: a month has at most 5 of each weekday (1TU to 5TU, -1TU to -5TU)"
        )
    if "BYSETPOS" in parts and frequency not in {"MONTHLY", "YEARLY"}:
        raise Invalid("recurrence rule BYSETPOS needs FREQ=MONTHLY or YEARLY")
    if frequency in {"HOURLY", "DAILY"} and parts.get("INTERVAL", "1") != "1":
        allowed = {"BYMINUTE", "BYSECOND"} | ({"BYHOUR"} if frequency == "DAILY" else set())
        extra = sorted(k for k in parts if k.startswith("BY") and k not in allowed)
        if extra:
            raise Invalid(
                f"recurrence rule FREQ={frequency} with INTERVAL cannot also filter by {extra[0]}: "
                "every Nth period could never match it; use a list in BY parts instead"
            )
    if "UNTIL" in parts:
        _until_local(parts["UNTIL"], ZoneInfo("UTC"))  # validates the form
    normalized = ";".join(
        [f"FREQ={frequency}"] + [f"{k}={v}" for k, v in parts.items() if k != "FREQ"]
    )
    try:
        _rule(normalized, _PROBE_START)
    except (ValueError, TypeError, KeyError, IndexError) as error:
        raise Invalid(f"recurrence rule {normalized!r} is not valid: {error}") from error
    _require_happens(parts, None)
    return normalized


def _require_happens(parts: dict[str, str], start: datetime | None) -> None:
    """Raise Invalid when the BY filters of `parts` can never match (e.g. 30 February).

    With a `start`, the filters dateutil derives from it count too: a MONTHLY or YEARLY rule
    without a day filter repeats the start's day of month (and YEARLY its month).
    """
    filters = dict(parts)
    day_given = any(k in parts for k in ("BYMONTHDAY", "BYYEARDAY", "BYWEEKNO", "BYDAY"))
    if start is not None and not day_given and parts["FREQ"] in {"MONTHLY", "YEARLY"}:
        filters["BYMONTHDAY"] = str(start.day)
        if parts["FREQ"] == "YEARLY" and "BYMONTH" not in parts:
            filters["BYMONTH"] = str(start.month)
    if next(iter(rrulestr(_superset(filters), dtstart=_PROBE_START)), None) is None:
        rule = ";".join(f"{k}={v}" for k, v in parts.items())
        when = f" from a start on day {start.day}" if start is not None else ""
        raise Invalid(f"recurrence rule {rule!r} never happens{when} (for example: 30 February)")


@dataclass(frozen=True)
class Schedule:
    """When a window happens, as the user gave it.

    `start` is naive wall-clock time in `zone`, an IANA name; `duration` is elapsed time, > 0;
    `rrule` an RFC 5545 RRULE value without DTSTART (normalized by `parse_rrule` on creation),
    or None for a one-off window. Invalid values raise vigil.errors.Invalid.
    """

    start: datetime
    zone: str
    duration: timedelta
    rrule: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.start, datetime):
            raise Invalid("start must be a date and time")
        if self.start.tzinfo is not None:
            raise Invalid("start must be wall-clock time without an offset: the zone says where")
        zone_info(self.zone)
        if not isinstance(self.duration, timedelta) or self.duration <= timedelta(0):
            raise Invalid("duration must be positive (the end must be after the start)")
        if self.rrule is not None:
            normalized = parse_rrule(self.rrule)
            parts = dict(part.split("=", 1) for part in normalized.split(";"))
            _require_happens(parts, self.start)
            object.__setattr__(self, "rrule", normalized)

    @classmethod
    def between(
        cls, start: datetime, end: datetime, zone: str, rrule: str | None = None
    ) -> "Schedule":
        """A schedule from a planned start and end, both naive wall-clock times in `zone`.

        The duration is the elapsed time between the two instants; an end not after the start
        raises Invalid.
        """
        tz = zone_info(zone)
        if not isinstance(end, datetime) or end.tzinfo is not None:
            raise Invalid("end must be wall-clock time without an offset: the zone says where")
        if not isinstance(start, datetime) or start.tzinfo is not None:
            raise Invalid("start must be wall-clock time without an offset: the zone says where")
        duration = to_utc(end, tz) - to_utc(start, tz)
        if duration <= timedelta(0):
            raise Invalid("end must be after start")
        return cls(start=start, zone=zone, duration=duration, rrule=rrule)

    @classmethod
    def between_instants(cls, start: datetime, end: datetime) -> "Schedule":
        """A one-off schedule in UTC between two aware instants (as status-page APIs send
        them); an end not after the start raises Invalid."""
        return cls.between(_utc_wall_clock(start), _utc_wall_clock(end), "UTC")

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.zone)


@dataclass(frozen=True)
class Occurrence:
    """One instance of a schedule: `index` counts from 0 for the first; times are aware UTC."""

    index: int
    start: datetime
    end: datetime


def occurrences(
    schedule: Schedule, after: datetime, before: datetime, limit: int = 1000
) -> list[Occurrence]:
    """The occurrences overlapping [after, before), in order, at most `limit` of them.

    An occurrence overlaps when it starts before `before` and ends after `after` (so one in
    progress at `after` is included). `after` and `before` must be aware (ValueError otherwise).
    """
    _require_aware(after, "after")
    _require_aware(before, "before")
    found: list[Occurrence] = []
    if limit <= 0 or before <= after:
        return found
    for occurrence in _expand(schedule):
        if occurrence.start >= before:
            break
        if occurrence.end > after:
            found.append(occurrence)
            if len(found) >= limit:
                break
    return found


def next_occurrence(schedule: Schedule, at: datetime) -> Occurrence | None:
    """The first occurrence ending after `at` (in progress or upcoming), or None when over."""
    _require_aware(at, "at")
    for occurrence in _expand(schedule):
        if occurrence.end > at:
            return occurrence
    return None


def next_after(schedule: Schedule, index: int, at: datetime) -> Occurrence | None:
    """The first occurrence numbered above `index` that ends after `at`, or None when over
    (what follows an occurrence that finished, skipping those already past)."""
    _require_aware(at, "at")
    for occurrence in _expand(schedule):
        if occurrence.index > index and occurrence.end > at:
            return occurrence
    return None


def _check_part(name: str, value: str) -> None:
    """Raise Invalid unless `value` is acceptable for the RRULE part `name` (RFC 5545 ranges)."""
    if name in {"INTERVAL", "COUNT"}:
        highest = MAX_INTERVAL if name == "INTERVAL" else MAX_COUNT
        if not value.isdigit() or not 1 <= int(value) <= highest:
            raise Invalid(f"recurrence rule {name} must be a whole number from 1 to {highest}")
    elif name == "WKST":
        if value not in WEEKDAYS:
            raise Invalid(f"recurrence rule WKST={value} is not a weekday (MO, TU, ... SU)")
    elif name == "BYDAY":
        for day in value.split(","):
            match = _WEEKDAY.match(day)
            if match is None or (match.group(2) is not None and not 1 <= int(match.group(2)) <= 53):
                raise Invalid(
                    f"recurrence rule BYDAY value {day!r} is not a weekday such as TU, 1TU or -1FR"
                )
    elif name in _RANGES:
        lowest, highest, signed = _RANGES[name]
        for item in value.split(","):
            number = item.removeprefix("-").removeprefix("+") if signed else item
            if not number.isdigit() or not lowest <= int(number) <= highest:
                sign = "-" if signed else ""
                raise Invalid(
                    f"recurrence rule {name} value {item!r} is not a whole number "
                    f"from {lowest} to {highest}"
                    + (f" (or {sign}{highest} to {sign}{lowest})" if signed else "")
                )


def _superset(parts: dict[str, str]) -> str:
    """A YEARLY rule generating every date-time that passes the filters of `parts`.

    Whatever the frequency, INTERVAL, BYSETPOS, COUNT, UNTIL and BYDAY ordinals only narrow
    what the BY filters allow, so when this rule is empty so is the original; and a YEARLY
    rule walks an empty calendar to year 9999 in a fraction of a second where a DAILY or
    HOURLY one takes seconds. This keeps "30 February" from reaching `occurrences`.
    """
    kept = {
        k: v
        for k, v in parts.items()
        if k not in {"FREQ", "INTERVAL", "BYSETPOS", "COUNT", "UNTIL"}
    }
    if "BYDAY" in kept:
        kept["BYDAY"] = ",".join(
            sorted({day.lstrip("+-0123456789") for day in kept["BYDAY"].split(",")})
        )
    return ";".join(["FREQ=YEARLY"] + [f"{k}={v}" for k, v in kept.items()])


def _require_aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime")


def _rule(normalized: str, start: datetime) -> rrule:
    without_until = ";".join(p for p in normalized.split(";") if not p.startswith("UNTIL="))
    parsed = rrulestr(without_until, dtstart=start)
    assert isinstance(parsed, rrule)
    return parsed


def _until_local(value: str, zone: ZoneInfo) -> datetime:
    """UNTIL as an aware UTC instant (inclusive); see the module docstring for the forms."""
    match = _UNTIL.match(value)
    if match is None:
        raise Invalid(
            f"recurrence rule UNTIL={value} is not a date (YYYYMMDD) or date-time (YYYYMMDDTHHMMSS[Z])"
        )
    day, _, clock, utc = match.groups()
    try:
        if clock is None:
            date = datetime.strptime(day, "%Y%m%d")
            return to_utc(
                datetime.combine(date.date() + timedelta(days=1), time()), zone
            ) - timedelta(microseconds=1)
        moment = datetime.strptime(day + clock, "%Y%m%d%H%M%S")
    except ValueError:
        raise Invalid(f"recurrence rule UNTIL={value} is not a real date") from None
    return moment.replace(tzinfo=UTC) if utc else to_utc(moment, zone)


def _expand(schedule: Schedule) -> Iterator[Occurrence]:
    """Every occurrence from the first, in order; stops at COUNT/UNTIL or never."""
    zone = schedule.tz
    if schedule.rrule is None:
        start = to_utc(schedule.start, zone)
        yield Occurrence(index=0, start=start, end=start + schedule.duration)
        return
    until: datetime | None = None
    for part in schedule.rrule.split(";"):
        if part.startswith("UNTIL="):
            until = _until_local(part.removeprefix("UNTIL="), zone)
    previous: datetime | None = None
    for index, local in enumerate(_rule(schedule.rrule, schedule.start)):
        start = to_utc(local, zone)
        if until is not None and start > until:
            return
        if previous is not None and start <= previous:
            continue
        previous = start
        yield Occurrence(index=index, start=start, end=start + schedule.duration)


def _utc_wall_clock(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)
