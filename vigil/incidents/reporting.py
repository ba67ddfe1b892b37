"""Incident history search: the filters of the VictorOps reporting API, as plain queries.

A search is one COUNT and one page query over `incidents`, then the timelines and targets of
that page in one query each: five incidents or a hundred, the same statements. Results are
newest first, by start time then incident number, so pages are stable (numbers are unique) and
a time window or a host, service or routing-key filter walks an index in that order.

A page deep in the results (`offset` > 0) is found in two steps: the start time of its first
incident is read from an index alone (no row is visited for the incidents skipped), then the
page is read from that time on. Only when that first incident shares its start time with the
one before it are the incidents above that time counted, to skip the right number of them.

Pages are built from plain rows (the columns reports show), not ORM objects.

`total` is exact. When only phases are filtered it is derived without counting resolved
incidents one by one: numbers are taken in the transaction that creates the incident and never
reused, so an organization's counter is its number of incidents, and resolved = all - open.

Time-to-acknowledge and time-to-resolve are read as stored on the incident when they happened;
they are never recomputed from the timeline.
"""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.visitors import InternalTraversal

from vigil.db import table_of
from vigil.errors import Invalid
from vigil.incidents.models import PHASES, Incident, IncidentCounter, Recipient, Transition
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


@dataclass(frozen=True, slots=True)
class ReportedIncident:
    """The columns of an incident that reports show, as read (times are aware, in UTC)."""

    id: int
    number: int
    phase: str
    routing_key: str
    entity_id: str
    entity_display_name: str
    entity_state: str
    entity_type: str
    host: str | None
    service: str | None
    alert_count: int
    last_alert_id: str | None
    last_alert_at: datetime
    started_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    resolved_at: datetime | None
    seconds_to_acknowledge: int | None
    seconds_to_resolve: int | None


@dataclass(frozen=True, slots=True)
class ReportedTransition:
    """One entry of a reported incident's timeline."""

    name: str
    at: datetime
    by: str | None
    message: str | None
    manually: bool
    alert_id: str | None


@dataclass(frozen=True)
class Reported:
    """One incident of a report with what its wire shapes need besides its own columns."""

    incident: ReportedIncident
    transitions: list[ReportedTransition]
    paged_users: list[str]
    paged_teams: list[str]
    paged_policies: list[tuple[str, str]]  # slug, name


class Acknowledged(Protocol):
    """Anything naming who acknowledged an incident: a reported incident or an `Incident`."""

    @property
    def acknowledged_by(self) -> str | None: ...


_INCIDENTS = table_of(Incident)
_TRANSITIONS = table_of(Transition)
_RECIPIENTS = table_of(Recipient)
_INCIDENT_COLUMNS = [_INCIDENTS.c[field.name] for field in fields(ReportedIncident)]
_TRANSITION_COLUMNS = [_TRANSITIONS.c[field.name] for field in fields(ReportedTransition)]


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

    Statements: COUNT; the page's first start time (only when `offset` > 0), and the number
    of incidents above it (only if it is shared with the incident before); the page;
    transitions (unless `timelines` is False) and paged targets when the page is not empty.
    """
    conditions = _conditions(org_id, report_filter)
    total = _total(session, org_id, report_filter, conditions)
    page = _page(session, conditions, offset, limit)
    ids = [incident.id for incident in page]
    transitions = _transitions_of(session, ids) if timelines else {}
    paged = _paged(session, ids)
    return total, [
        Reported(
            incident=incident,
            transitions=transitions.get(incident.id, []),
            paged_users=[slug for kind, slug, _ in paged.get(incident.id, []) if kind == "user"],
            paged_teams=[slug for kind, slug, _ in paged.get(incident.id, []) if kind == "team"],
            paged_policies=[
                (slug, name) for kind, slug, name in paged.get(incident.id, []) if kind == "policy"
            ],
        )
        for incident in page
    ]


def _page(
    session: Session, conditions: list[ColumnElement[bool]], offset: int, limit: int
) -> list[ReportedIncident]:
    """`limit` incidents from `offset` on, newest first (start time, then number)."""
    if not limit:
        return []
    skip = offset
    if offset:
        # The start times of the incidents just before and at `offset`, from an index alone:
        # skipping there visits no row, where OFFSET would read (and sort) every skipped one.
        edges = list(
            session.scalars(
                select(_INCIDENTS.c.started_at)
                .where(*conditions)
                .order_by(_INCIDENTS.c.started_at.desc())
                .offset(offset - 1)
                .limit(2)
            )
        )
        if len(edges) < 2:
            return []
        before, first = edges
        skip = 0
        if before == first:  # the page starts inside a run of equal start times
            above = (
                select(func.count())
                .select_from(_INCIDENTS)
                .where(*conditions, _INCIDENTS.c.started_at > first)
            )
            skip = offset - (session.scalar(above) or 0)
        conditions = [*conditions, _INCIDENTS.c.started_at <= first]
    rows = session.execute(
        select(*_INCIDENT_COLUMNS)
        .where(*conditions)
        .order_by(_INCIDENTS.c.started_at.desc(), _INCIDENTS.c.number.desc())
        .offset(skip)
        .limit(limit)
    )
    return [ReportedIncident(*row) for row in rows]


def _transitions_of(
    session: Session, incident_ids: list[int]
) -> dict[int, list[ReportedTransition]]:
    """The timelines of a page in one query, each in the order it was written."""
    found: dict[int, list[ReportedTransition]] = {incident_id: [] for incident_id in incident_ids}
    if incident_ids:
        rows = session.execute(
            select(_TRANSITIONS.c.incident_id, *_TRANSITION_COLUMNS)
            .where(_TRANSITIONS.c.incident_id.in_(incident_ids))
            .order_by(_TRANSITIONS.c.incident_id, _TRANSITIONS.c.id)
        )
        for incident_id, *values in rows:
            found[incident_id].append(ReportedTransition(*values))
    return found


def _paged(session: Session, incident_ids: list[int]) -> dict[int, list[tuple[str, str, str]]]:
    """Whom the paging engine paged, as (kind, slug, name), by incident."""
    found: dict[int, list[tuple[str, str, str]]] = {}
    if incident_ids:
        rows = session.execute(
            select(
                _RECIPIENTS.c.incident_id,
                _RECIPIENTS.c.kind,
                _RECIPIENTS.c.slug,
                _RECIPIENTS.c.name,
            )
            .where(_RECIPIENTS.c.incident_id.in_(incident_ids))
            .order_by(_RECIPIENTS.c.incident_id, _RECIPIENTS.c.paged_at, _RECIPIENTS.c.id)
        )
        for incident_id, kind, slug, name in rows:
            found.setdefault(incident_id, []).append((kind, slug, name))
    return found


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


def acknowledgers(
    session: Session, org_id: int, incidents: Iterable[Acknowledged]
) -> dict[str, User]:
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
        phase: ColumnElement[str] = Incident.phase.expression
        if "resolved" in report_filter.phases and _narrowed(report_filter):
            # Nearly every incident is resolved: any other filter finds fewer rows through its
            # own index. SQLite, whose statistics may be missing or sampled, is told so.
            phase = _Unindexed(phase)
        conditions.append(_in(phase, sorted(report_filter.phases)))
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


def _narrowed(report_filter: ReportFilter) -> bool:
    """Whether a filter with an index of its own (not a phase or a time window) is given."""
    return any(
        (
            report_filter.entity_ids,
            report_filter.hosts,
            report_filter.services,
            report_filter.routing_keys,
            report_filter.numbers,
            report_filter.number_ranges,
        )
    )


class _Unindexed(ColumnElement[Any]):
    """A column that SQLite's planner may not look up through an index: SQLite's documented
    unary `+` (https://sqlite.org/optoverview.html#disqualifying_where_clause_terms_using_unary_).
    Other databases get the column as it is.
    """

    inherit_cache = True
    # The column is the statement cache's key; declared as SQLAlchemy's own elements do.
    _traverse_internals = [("column", InternalTraversal.dp_clauseelement)]  # noqa: RUF012

    def __init__(self, column: ColumnElement[Any]) -> None:
        self.column = column
        self.type = column.type


@compiles(_Unindexed)
def _unindexed(element: _Unindexed, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.column, **kw)


@compiles(_Unindexed, "sqlite")
def _unindexed_on_sqlite(element: _Unindexed, compiler: SQLCompiler, **kw: Any) -> str:
    return "+" + compiler.process(element.column, **kw)


def _in(column: Any, values: Sequence[Any]) -> ColumnElement[bool]:
    """`column = value` for one value (the simplest plan), `IN (...)` for several."""
    return column == values[0] if len(values) == 1 else column.in_(values)  # type: ignore[no-any-return]


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
