"""Incident history search: the filters of the VictorOps reporting API, as plain queries.

A search is one COUNT and one page query over `incidents`, then the timelines and targets of
that page in one query each: five incidents or a hundred, the same four statements. Results are
newest first, by start time then incident number, so pages are stable (numbers are unique) and
a time window or a host, service or routing-key filter walks an index in that order.

`total` is exact. When only phases are filtered it is derived without counting resolved
incidents one by one: numbers are taken in the transaction that creates the incident and never
reused, so an organization's counter is its number of incidents, and resolved = all - open.

Time-to-acknowledge and time-to-resolve are read as stored on the incident when they happened;
they are never recomputed from the timeline.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from vigil.errors import Invalid
from vigil.incidents.models import PHASES, Incident, IncidentCounter, Target, Transition
from vigil.incidents.service import targets_of, transitions_of
from vigil.people.models import User

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
MAX_OFFSET = 2**31 - 1
MAX_NUMBER = 2**31 - 1
OPEN_PHASES = ("triggered", "acknowledged")
MAX_ITEMS = 100
"""Most values one list filter takes (`host=a,b,...`, `incidentNumber=4,5,20:50,...`)."""

_DIGITS = re.compile(r"[0-9]+")
_RANGE = re.compile(r"([0-9]+):([0-9]+)")
# "+02:00" sent unencoded in a query string arrives as " 02:00": put the plus sign back.
_MANGLED_OFFSET = re.compile(
    r"^(.+[T ][0-9]{2}(?::?[0-9]{2}(?::?[0-9]{2}(?:[.,][0-9]+)?)?)?) ([0-9]{2}(?::?[0-9]{2})?)$"
)


@dataclass(frozen=True)
class ReportFilter:
    """What an incident must match to be reported; empty tuples do not filter.

    Within one field any value matches (`host=a,b`: host a or b); the fields combine with AND.
    `started_after` is inclusive and `started_before` exclusive, so consecutive windows
    (after=T1&before=T2, then after=T2&before=T3) neither overlap nor leave a gap.
    """

    phases: frozenset[str] = frozenset({"resolved"})
    entity_ids: tuple[str, ...] = ()
    hosts: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    routing_keys: tuple[str, ...] = ()
    numbers: tuple[int, ...] = ()
    number_ranges: tuple[tuple[int, int], ...] = ()
    started_after: datetime | None = None
    started_before: datetime | None = None


@dataclass(frozen=True)
class Paging:
    offset: int = 0
    limit: int = DEFAULT_LIMIT


@dataclass(frozen=True)
class Reported:
    """One incident of a report with what its wire shapes need besides its own columns."""

    incident: Incident
    transitions: list[Transition]
    paged_users: list[str]
    paged_teams: list[str]
    paged_policies: list[str]


def parse_filter(
    *,
    current_phase: str | None = None,
    entity_id: str | None = None,
    host: str | None = None,
    service: str | None = None,
    incident_number: str | None = None,
    routing_key: str | None = None,
    started_after: str | None = None,
    started_before: str | None = None,
) -> ReportFilter:
    """The filter from the reporting API's query parameters, as sent (strings or absent).

    An absent or empty parameter does not filter, except `currentPhase`, which then means
    resolved only. Raises `Invalid` naming the parameter and the value that is wrong.
    """
    numbers, ranges = parse_incident_numbers(incident_number)
    after = parse_time("startedAfter", started_after)
    before = parse_time("startedBefore", started_before)
    if after is not None and before is not None and after > before:
        raise Invalid(f"startedAfter {started_after} is later than startedBefore {started_before}")
    return ReportFilter(
        phases=parse_phases(current_phase),
        entity_ids=_items("entityId", entity_id),
        hosts=_items("host", host),
        services=_items("service", service),
        routing_keys=_items("routingKey", routing_key),
        numbers=numbers,
        number_ranges=ranges,
        started_after=after,
        started_before=before,
    )


def parse_phases(value: str | None) -> frozenset[str]:
    """`triggered,acknowledged,resolved` or any subset (any case); absent means resolved only."""
    names = _items("currentPhase", value)
    if not names:
        return frozenset({"resolved"})
    wrong = [name for name in names if name.lower() not in PHASES]
    if wrong:
        raise Invalid(
            f"currentPhase {', '.join(wrong)} is not one of triggered, acknowledged, resolved"
        )
    return frozenset(name.lower() for name in names)


def parse_incident_numbers(
    value: str | None,
) -> tuple[tuple[int, ...], tuple[tuple[int, int], ...]]:
    """Numbers and inclusive ranges, comma-separated: `4,5,20:50` gives (4, 5) and ((20, 50),)."""
    numbers: list[int] = []
    ranges: list[tuple[int, int]] = []
    for item in _items("incidentNumber", value):
        if _DIGITS.fullmatch(item):
            numbers.append(_number(item))
            continue
        matched = _RANGE.fullmatch(item)
        if matched is None:
            raise Invalid(f"incidentNumber {item} is neither a number nor a range like 20:50")
        first, last = _number(matched[1]), _number(matched[2])
        if first > last:
            raise Invalid(f"incidentNumber range {item} ends before it starts")
        ranges.append((first, last))
    return tuple(dict.fromkeys(numbers)), tuple(dict.fromkeys(ranges))


def parse_time(name: str, value: str | None) -> datetime | None:
    """An ISO 8601 date or date-time; without a zone it is UTC. Absent or empty gives None."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        if len(text) > 64:  # no ISO 8601 time is this long
            raise ValueError(text)
        text = _MANGLED_OFFSET.sub(r"\1+\2", text)
        moment = datetime.fromisoformat(text)
        if moment.tzinfo is None:
            return moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):
        raise Invalid(
            f"{name} {value} is not an ISO 8601 time such as 2024-05-01T12:00:00Z"
        ) from None


def parse_paging(offset: str | None, limit: str | None) -> Paging:
    """`offset` (default 0) and `limit` (default 20, at most 100) as whole numbers."""
    return Paging(
        offset=_whole("offset", offset, 0, MAX_OFFSET),
        limit=_whole("limit", limit, DEFAULT_LIMIT, MAX_LIMIT),
    )


def search(
    session: Session,
    org_id: int,
    report_filter: ReportFilter,
    offset: int = 0,
    limit: int = DEFAULT_LIMIT,
    *,
    timelines: bool = True,
) -> tuple[int, list[Reported]]:
    """The number of matching incidents and one page of them, newest first.

    Four statements at most: COUNT, page, transitions (unless `timelines` is False), targets;
    an empty page needs only the first two.
    """
    conditions = _conditions(org_id, report_filter)
    total = _total(session, org_id, report_filter, conditions)
    page_query = (
        select(Incident)
        .where(*conditions)
        .order_by(Incident.started_at.desc(), Incident.number.desc())
        .offset(offset)
        .limit(limit)
    )
    page = list(session.scalars(page_query)) if limit else []
    ids = [incident.id for incident in page]
    transitions = transitions_of(session, ids) if timelines else {}
    targets = targets_of(session, ids)
    return total or 0, [
        Reported(
            incident=incident,
            transitions=transitions.get(incident.id, []),
            paged_users=_paged(targets[incident.id], "user"),
            # Teams are paged through escalation policies, which do not record a team yet.
            paged_teams=[],
            paged_policies=_paged(targets[incident.id], "policy"),
        )
        for incident in page
    ]


def _total(
    session: Session,
    org_id: int,
    report_filter: ReportFilter,
    conditions: list[ColumnElement[bool]],
) -> int:
    if report_filter != ReportFilter(phases=report_filter.phases):
        return session.scalar(select(func.count()).select_from(Incident).where(*conditions)) or 0

    def in_phase(phase: str) -> Any:
        return (
            select(func.count())
            .select_from(Incident)
            .where(Incident.org_id == org_id, Incident.phase == phase)
            .scalar_subquery()
        )

    every = (
        select(IncidentCounter.last_number)
        .where(IncidentCounter.org_id == org_id)
        .scalar_subquery()
    )
    row = session.execute(select(every, *(in_phase(phase) for phase in OPEN_PHASES))).one()
    open_counts = dict(zip(OPEN_PHASES, row[1:], strict=True))
    counts = {**open_counts, "resolved": (row[0] or 0) - sum(open_counts.values())}
    return sum(counts[phase] for phase in report_filter.phases)


def acknowledgers(session: Session, org_id: int, incidents: Sequence[Incident]) -> dict[str, User]:
    """The users (by username) who acknowledged these incidents, in one query.

    Incidents acknowledged by a monitoring tool name someone who is no user: they are left out.
    """
    names = {i.acknowledged_by for i in incidents if i.acknowledged_by is not None}
    if not names:
        return {}
    found = session.scalars(select(User).where(User.org_id == org_id, User.username.in_(names)))
    return {user.username: user for user in found}


def _conditions(org_id: int, report_filter: ReportFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [Incident.org_id == org_id]
    # All three phases is every incident (a CHECK constraint): no predicate, a better plan.
    if report_filter.phases != frozenset(PHASES):
        conditions.append(_in(Incident.phase, sorted(report_filter.phases)))
    for column, values in (
        (Incident.entity_id, report_filter.entity_ids),
        (Incident.host, report_filter.hosts),
        (Incident.service, report_filter.services),
        (Incident.routing_key, report_filter.routing_keys),
    ):
        if values:
            conditions.append(_in(column, values))
    wanted_numbers: list[ColumnElement[bool]] = []
    if report_filter.numbers:
        wanted_numbers.append(_in(Incident.number, report_filter.numbers))
    wanted_numbers.extend(
        and_(Incident.number >= first, Incident.number <= last)
        for first, last in report_filter.number_ranges
    )
    if wanted_numbers:
        conditions.append(or_(*wanted_numbers))
    if report_filter.started_after is not None:
        conditions.append(Incident.started_at >= report_filter.started_after)
    if report_filter.started_before is not None:
        conditions.append(Incident.started_at < report_filter.started_before)
    return conditions


def _in(column: Any, values: Sequence[Any]) -> ColumnElement[bool]:
    """`column = value` for one value (the simplest plan), `IN (...)` for several."""
    return column == values[0] if len(values) == 1 else column.in_(values)  # type: ignore[no-any-return]


def _paged(targets: list[Target], kind: str) -> list[str]:
    """The slugs of the targets the paging engine actually paged (it sets `paged_at`)."""
    return [t.slug for t in targets if t.kind == kind and t.paged_at is not None]


def _items(name: str, value: str | None) -> tuple[str, ...]:
    """The non-empty comma-separated items of a list parameter, without surrounding spaces."""
    if value is None:
        return ()
    items = tuple(dict.fromkeys(item.strip() for item in value.split(",") if item.strip()))
    if len(items) > MAX_ITEMS:
        raise Invalid(f"{name} lists {len(items)} values; at most {MAX_ITEMS} are allowed")
    return items


def _number(digits: str) -> int:
    if len(digits) > 10 or int(digits) > MAX_NUMBER:
        raise Invalid(f"incidentNumber {digits} is larger than any incident number")
    return int(digits)


def _whole(name: str, value: str | None, default: int, maximum: int) -> int:
    if value is None or value.strip() == "":
        return default
    text = value.strip()
    if not _DIGITS.fullmatch(text):
        raise Invalid(f"{name} must be a whole number from 0 to {maximum}, not {value}")
    if len(text) > 10 or int(text) > maximum:
        raise Invalid(f"{name} must be at most {maximum}, not {value}")
    return int(text)
