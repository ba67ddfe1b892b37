"""The incident history search: parsing the reporting filters, and what a search returns."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import new_org
from vigil.db import transaction
from vigil.errors import Invalid
from vigil.incidents import reporting, service
from vigil.incidents.models import Incident
from vigil.incidents.recipients import Paged, add_recipients
from vigil.incidents.reporting import Paging, ReportFilter
from vigil.incidents.service import NewIncident, TargetRef
from vigil.orgs.service import NewOrganization
from vigil.people.users import UserFields, create_user

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
EVERY_PHASE = frozenset({"triggered", "acknowledged", "resolved"})


def invalid_message(**params: str) -> str:
    with pytest.raises(Invalid) as raised:
        reporting.parse_filter(**params)
    return raised.value.message


# --- phases -------------------------------------------------------------------------------------


def test_no_phase_means_resolved_only() -> None:
    assert reporting.parse_filter().phases == frozenset({"resolved"})


def test_an_empty_phase_means_resolved_only() -> None:
    assert reporting.parse_filter(current_phase="").phases == frozenset({"resolved"})


def test_phases_are_a_comma_separated_subset_in_any_case() -> None:
    parsed = reporting.parse_filter(current_phase="Triggered, ACKNOWLEDGED")
    assert parsed.phases == frozenset({"triggered", "acknowledged"})


def test_an_unknown_phase_is_invalid_and_named() -> None:
    assert invalid_message(current_phase="resolved,UNACKED") == (
        "currentPhase UNACKED is not one of triggered, acknowledged, resolved"
    )


# --- incident numbers ---------------------------------------------------------------------------


def test_incident_numbers_and_inclusive_ranges_are_parsed() -> None:
    parsed = reporting.parse_filter(incident_number="4,5,20:50")
    assert (parsed.numbers, parsed.number_ranges) == ((4, 5), ((20, 50),))


def test_a_range_of_one_number_is_accepted() -> None:
    assert reporting.parse_filter(incident_number="7:7").number_ranges == ((7, 7),)


def test_a_range_that_ends_before_it_starts_is_invalid() -> None:
    assert invalid_message(incident_number="5:3") == (
        "incidentNumber range 5:3 ends before it starts"
    )


@pytest.mark.parametrize("item", ["a:b", "1:", ":5", "1:2:3", "x", "-4", "4.5", "²"])
def test_a_malformed_number_or_range_is_invalid_and_named(item: str) -> None:
    assert invalid_message(incident_number=f"1,{item}") == (
        f"incidentNumber {item} is neither a number nor a range like 20:50"
    )


def test_an_incident_number_beyond_any_stored_number_is_invalid() -> None:
    assert invalid_message(incident_number="1:99999999999") == (
        "incidentNumber 99999999999 is larger than any incident number"
    )


# --- list filters -------------------------------------------------------------------------------


def test_list_filters_split_on_commas_trim_and_drop_empty_items() -> None:
    parsed = reporting.parse_filter(
        entity_id="db, web,,", host="h1", service="s1,s2", routing_key="ops,db"
    )
    assert parsed.entity_ids == ("db", "web")
    assert parsed.hosts == ("h1",)
    assert parsed.services == ("s1", "s2")
    assert parsed.routing_keys == ("ops", "db")


def test_a_list_of_more_than_100_values_is_invalid() -> None:
    hosts = ",".join(f"h{n}" for n in range(101))
    assert invalid_message(host=hosts) == "host lists 101 values; at most 100 are allowed"


def test_no_parameters_filter_nothing_but_the_phase() -> None:
    assert reporting.parse_filter() == ReportFilter()


# --- times --------------------------------------------------------------------------------------


def test_a_time_without_a_zone_is_utc() -> None:
    parsed = reporting.parse_filter(started_after="2026-03-01T12:30:00")
    assert parsed.started_after == datetime(2026, 3, 1, 12, 30, tzinfo=UTC)


def test_a_time_with_an_offset_is_converted_to_utc() -> None:
    parsed = reporting.parse_filter(started_before="2026-03-01T12:30:00+02:00")
    assert parsed.started_before == datetime(2026, 3, 1, 10, 30, tzinfo=UTC)


def test_a_time_in_zulu_with_fractions_is_accepted() -> None:
    parsed = reporting.parse_filter(started_after="2026-03-01T12:30:00.250Z")
    assert parsed.started_after == datetime(2026, 3, 1, 12, 30, 0, 250_000, tzinfo=UTC)


def test_an_offset_whose_plus_sign_arrived_as_a_space_is_read_as_positive() -> None:
    parsed = reporting.parse_filter(started_after="2026-03-01T12:30:00 02:00")
    assert parsed.started_after == datetime(2026, 3, 1, 10, 30, tzinfo=UTC)


def test_a_date_alone_is_midnight_utc() -> None:
    parsed = reporting.parse_filter(started_after="2026-03-01")
    assert parsed.started_after == datetime(2026, 3, 1, tzinfo=UTC)


@pytest.mark.parametrize("value", ["yesterday", "2026-13-01", "2026-03-01T25:00:00Z", "1"])
def test_an_unreadable_time_is_invalid_and_named(value: str) -> None:
    assert invalid_message(started_before=value) == (
        f"startedBefore {value} is not an ISO 8601 time such as 2024-05-01T12:00:00Z"
    )


def test_a_window_that_ends_before_it_starts_is_invalid() -> None:
    assert invalid_message(started_after="2026-03-02", started_before="2026-03-01") == (
        "startedAfter 2026-03-02 is later than startedBefore 2026-03-01"
    )


# --- paging -------------------------------------------------------------------------------------


def test_paging_defaults_to_offset_0_and_limit_20() -> None:
    assert reporting.parse_paging(None, None) == Paging(offset=0, limit=20)


def test_a_limit_of_100_is_accepted() -> None:
    assert reporting.parse_paging("5", "100") == Paging(offset=5, limit=100)


def test_a_limit_over_100_is_invalid() -> None:
    with pytest.raises(Invalid) as raised:
        reporting.parse_paging(None, "101")
    assert raised.value.message == "limit must be at most 100, not 101"


@pytest.mark.parametrize(
    ("offset", "limit", "message"),
    [
        ("-1", None, "offset must be a whole number from 0 to 2147483647, not -1"),
        ("ten", None, "offset must be a whole number from 0 to 2147483647, not ten"),
        (None, "-5", "limit must be a whole number from 0 to 100, not -5"),
        (None, "2.5", "limit must be a whole number from 0 to 100, not 2.5"),
        ("9" * 5000, None, f"offset must be at most 2147483647, not {'9' * 5000}"),
    ],
)
def test_negative_or_non_numeric_paging_is_invalid(
    offset: str | None, limit: str | None, message: str
) -> None:
    with pytest.raises(Invalid) as raised:
        reporting.parse_paging(offset, limit)
    assert raised.value.message == message


# --- search -------------------------------------------------------------------------------------


@pytest.fixture
def session(sessions: sessionmaker[Session]) -> Iterator[Session]:
    with transaction(sessions) as open_session:
        yield open_session


def open_incident(
    session: Session,
    org: NewOrganization,
    minutes: int,
    entity_id: str = "db",
    targets: tuple[TargetRef, ...] = (),
) -> Incident:
    new = NewIncident(routing_key="ops", entity_id=entity_id, entity_state="CRITICAL")
    at = T0 + timedelta(minutes=minutes)
    return service.trigger(session, org.org.id, new, at, alert_id=None, targets=targets)


def resolved_incident(session: Session, org: NewOrganization, minutes: int) -> Incident:
    incident = open_incident(session, org, minutes, entity_id=f"e{minutes}")
    service.resolve(session, incident, incident.started_at + timedelta(minutes=1), by="ada")
    return incident


def numbers(found: list[reporting.Reported]) -> list[int]:
    return [reported.incident.number for reported in found]


def test_search_orders_by_incident_number_newest_first(
    session: Session, org: NewOrganization
) -> None:
    for minutes in (0, 1, 2):
        resolved_incident(session, org, minutes)
    _, found = reporting.search(session, org.org.id, ReportFilter())
    assert numbers(found) == [3, 2, 1]


def test_search_orders_by_start_time_first_then_number(
    session: Session, org: NewOrganization
) -> None:
    resolved_incident(session, org, 5)
    resolved_incident(session, org, 1)
    open_incident(session, org, 5, entity_id="late")
    every_phase = ReportFilter(phases=frozenset({"triggered", "resolved"}))
    _, found = reporting.search(session, org.org.id, every_phase)
    assert numbers(found) == [3, 1, 2]


@pytest.mark.parametrize(
    "phases",
    [
        {"resolved"},
        {"triggered"},
        {"acknowledged"},
        {"triggered", "acknowledged"},
        {"triggered", "resolved"},
        {"triggered", "acknowledged", "resolved"},
    ],
)
def test_the_total_of_a_phase_only_search_is_the_exact_count(
    session: Session, org: NewOrganization, phases: set[str]
) -> None:
    for minutes in range(4):
        resolved_incident(session, org, minutes)
    for minutes in range(10, 13):
        open_incident(session, org, minutes, entity_id=f"open{minutes}")
    acknowledged = open_incident(session, org, 20, entity_id="acked")
    service.acknowledge(session, acknowledged, T0 + timedelta(minutes=21), by="ada")
    expected = {"resolved": 4, "triggered": 3, "acknowledged": 1}
    total, _ = reporting.search(session, org.org.id, ReportFilter(phases=frozenset(phases)))
    assert total == sum(expected[phase] for phase in phases)


def test_search_counts_every_match_but_returns_one_page(
    session: Session, org: NewOrganization
) -> None:
    for minutes in range(5):
        resolved_incident(session, org, minutes)
    total, found = reporting.search(session, org.org.id, ReportFilter(), offset=1, limit=2)
    assert (total, numbers(found)) == (5, [4, 3])


def test_search_with_a_limit_of_zero_only_counts(session: Session, org: NewOrganization) -> None:
    resolved_incident(session, org, 0)
    assert reporting.search(session, org.org.id, ReportFilter(), limit=0) == (1, [])


def test_search_by_default_leaves_open_incidents_out(
    session: Session, org: NewOrganization
) -> None:
    resolved_incident(session, org, 0)
    open_incident(session, org, 1)
    total, found = reporting.search(session, org.org.id, ReportFilter())
    assert (total, numbers(found)) == (1, [1])


def test_search_with_every_phase_returns_every_incident(
    session: Session, org: NewOrganization
) -> None:
    resolved_incident(session, org, 0)
    acknowledged = open_incident(session, org, 1, entity_id="web")
    service.acknowledge(session, acknowledged, T0 + timedelta(minutes=2), by="ada")
    open_incident(session, org, 3)
    total, found = reporting.search(session, org.org.id, ReportFilter(phases=EVERY_PHASE))
    assert (total, numbers(found)) == (3, [3, 2, 1])


def test_started_after_is_inclusive_and_started_before_exclusive(
    session: Session, org: NewOrganization
) -> None:
    for minutes in (0, 10, 20):
        resolved_incident(session, org, minutes)
    window = ReportFilter(
        started_after=T0 + timedelta(minutes=10), started_before=T0 + timedelta(minutes=20)
    )
    assert numbers(reporting.search(session, org.org.id, window)[1]) == [2]


def test_numbers_and_ranges_combine_with_or(session: Session, org: NewOrganization) -> None:
    for minutes in range(6):
        resolved_incident(session, org, minutes)
    wanted = ReportFilter(numbers=(1,), number_ranges=((3, 4), (6, 9)))
    assert numbers(reporting.search(session, org.org.id, wanted)[1]) == [6, 4, 3, 1]


def test_search_returns_each_timeline_in_order(session: Session, org: NewOrganization) -> None:
    incident = resolved_incident(session, org, 0)
    _, [reported] = reporting.search(session, org.org.id, ReportFilter())
    assert reported.incident.id == incident.id
    assert [t.name for t in reported.transitions] == ["triggered", "resolved"]


def test_search_without_timelines_leaves_them_empty(session: Session, org: NewOrganization) -> None:
    resolved_incident(session, org, 0)
    _, [reported] = reporting.search(session, org.org.id, ReportFilter(), timelines=False)
    assert reported.transitions == []


def test_only_targets_the_engine_paged_are_reported_as_paged(
    session: Session, org: NewOrganization
) -> None:
    targets = (TargetRef("user", "ada"), TargetRef("user", "bob"), TargetRef("policy", "pol-1"))
    incident = open_incident(session, org, 0, targets=targets)
    paged = [Paged("user", 1, "ada", "Ada"), Paged("policy", 2, "pol-1", "Main", ("t", "T"))]
    add_recipients(session, org.org.id, incident.id, paged, T0)
    _, [reported] = reporting.search(session, org.org.id, ReportFilter(phases=EVERY_PHASE))
    assert (reported.paged_users, reported.paged_policies) == (["ada"], [("pol-1", "Main")])


def test_search_ignores_other_organizations(
    session: Session, org: NewOrganization, sessions: sessionmaker[Session]
) -> None:
    other = new_org(sessions, "Other")
    resolved_incident(session, other, 0)
    assert reporting.search(session, org.org.id, ReportFilter()) == (0, [])


def test_acknowledgers_are_the_users_named_by_username(
    session: Session, org: NewOrganization
) -> None:
    ada = create_user(session, org.org.id, UserFields("ada", "Ada", "Lovelace", "a@example.com"))
    by_ada = open_incident(session, org, 0, entity_id="db")
    by_tool = open_incident(session, org, 1, entity_id="web")
    service.acknowledge(session, by_ada, T0, by="ada")
    service.acknowledge(session, by_tool, T0, by="Nagios")
    assert reporting.acknowledgers(session, org.org.id, [by_ada, by_tool]) == {"ada": ada}


# --- deep pages ---------------------------------------------------------------------------------


def incidents_at(session: Session, org: NewOrganization, minutes: list[int]) -> None:
    """Resolved incidents started at these minutes, numbered in this order."""
    for n, minute in enumerate(minutes):
        incident = open_incident(session, org, minute, entity_id=f"e{n}")
        service.resolve(session, incident, incident.started_at + timedelta(hours=1), by="ada")


@pytest.mark.parametrize("offset", range(8))
@pytest.mark.parametrize("limit", [1, 2, 3])
def test_every_page_is_its_slice_of_the_whole_order_even_across_equal_start_times(
    session: Session, org: NewOrganization, offset: int, limit: int
) -> None:
    incidents_at(session, org, [0, 5, 5, 5, 2, 9, 9])
    _, everything = reporting.search(session, org.org.id, ReportFilter(), limit=100)
    assert numbers(everything) == [7, 6, 4, 3, 2, 5, 1]
    _, page = reporting.search(session, org.org.id, ReportFilter(), offset, limit)
    assert numbers(page) == numbers(everything)[offset : offset + limit]


def test_a_page_starting_inside_a_run_of_equal_start_times_skips_only_those_above_it(
    session: Session, org: NewOrganization
) -> None:
    incidents_at(session, org, [3, 3, 3, 3, 3])
    total, found = reporting.search(session, org.org.id, ReportFilter(), offset=3, limit=10)
    assert (total, numbers(found)) == (5, [2, 1])


def test_a_filtered_page_at_an_offset_holds_only_matching_incidents(
    session: Session, org: NewOrganization
) -> None:
    incidents_at(session, org, list(range(6)))
    wanted = ReportFilter(number_ranges=((2, 5),))
    assert numbers(reporting.search(session, org.org.id, wanted, offset=1, limit=2)[1]) == [4, 3]


@pytest.mark.parametrize("offset", [3, 4, 50])
def test_an_offset_at_or_past_the_end_finds_nothing_but_counts_all(
    session: Session, org: NewOrganization, offset: int
) -> None:
    incidents_at(session, org, [0, 1, 2])
    assert reporting.search(session, org.org.id, ReportFilter(), offset=offset) == (3, [])


# --- what a search returns ----------------------------------------------------------------------


def test_reported_incidents_are_plain_values_with_times_in_utc(
    session: Session, org: NewOrganization
) -> None:
    incident = resolved_incident(session, org, 0)
    _, [reported] = reporting.search(session, org.org.id, ReportFilter())
    assert reported.incident == reporting.ReportedIncident(
        id=incident.id,
        number=1,
        phase="resolved",
        routing_key="ops",
        entity_id="e0",
        entity_display_name="",
        entity_state="CRITICAL",
        entity_type="SERVICE",
        host=None,
        service=None,
        alert_count=incident.alert_count,
        last_alert_id=None,
        last_alert_at=T0,
        started_at=T0,
        acknowledged_at=None,
        acknowledged_by=None,
        resolved_at=T0 + timedelta(minutes=1),
        seconds_to_acknowledge=None,
        seconds_to_resolve=60,
    )
    assert reported.incident.started_at.tzinfo is UTC


def test_reported_transitions_are_plain_values_in_timeline_order(
    session: Session, org: NewOrganization
) -> None:
    incident = open_incident(session, org, 0)
    service.acknowledge(session, incident, T0 + timedelta(seconds=5), by="ada", message="on it")
    _, [reported] = reporting.search(session, org.org.id, ReportFilter(phases=EVERY_PHASE))
    assert reported.transitions == [
        reporting.ReportedTransition("triggered", T0, None, None, False, None),
        reporting.ReportedTransition(
            "acknowledged", T0 + timedelta(seconds=5), "ada", "on it", True, None
        ),
    ]


def test_acknowledgers_take_reported_incidents_too(session: Session, org: NewOrganization) -> None:
    ada = create_user(session, org.org.id, UserFields("ada", "Ada", "Lovelace", "a@example.com"))
    incident = open_incident(session, org, 0)
    service.acknowledge(session, incident, T0, by="ada")
    _, found = reporting.search(session, org.org.id, ReportFilter(phases=EVERY_PHASE))
    assert reporting.acknowledgers(session, org.org.id, [r.incident for r in found]) == {"ada": ada}
