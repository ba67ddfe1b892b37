"""The contract the paging engine calls: step_targets, policy_team."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.oncall.builders import person, policy, rotation, team, weekly
from vigil import clock
from vigil.notify.models import Webhook
from vigil.oncall import overrides
from vigil.oncall.escalation import StepTargets, policy_team, step_targets
from vigil.oncall.who import on_call_users
from vigil.orgs.service import NewOrganization

MONDAY = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)  # Ada's first week (weekly from 09:00 UTC)


@pytest.fixture
def session(sessions: sessionmaker[Session]) -> Iterator[Session]:
    with sessions() as session, session.begin():
        yield session


@pytest.fixture
def org_id(org: NewOrganization) -> int:
    return org.org.id


@pytest.fixture
def people(session: Session, org_id: int) -> dict[str, int]:
    return {name: person(session, org_id, name).id for name in ("ada", "bob", "cy", "dee")}


def test_a_step_pages_the_rotation_member_on_call_at_that_moment(
    session: Session, org_id: int, people: dict[str, int]
) -> None:
    ops = team(session, org_id)
    primary = rotation(session, org_id, ops, weekly("ada", "bob", "cy"))
    main = policy(session, org_id, ops, [("rotation_group", primary.slug)])
    assert targets(session, main.id, 0, MONDAY).user_ids == (people["ada"],)
    next_week = MONDAY + timedelta(weeks=1)
    assert targets(session, main.id, 0, next_week).user_ids == (people["bob"],)


def test_next_and_previous_rotation_entries_page_the_neighbours_in_the_order(
    session: Session, org_id: int, people: dict[str, int]
) -> None:
    ops = team(session, org_id)
    primary = rotation(session, org_id, ops, weekly("ada", "bob", "cy"))
    main = policy(
        session,
        org_id,
        ops,
        [("rotation_group_next", primary.slug), ("rotation_group_previous", primary.slug)],
    )
    assert targets(session, main.id, 0, MONDAY).user_ids == (people["bob"], people["cy"])


def test_every_kind_of_entry_lands_in_its_own_field(
    session: Session, org_id: int, people: dict[str, int]
) -> None:
    ops = team(session, org_id)
    other = policy(session, org_id, ops, [("user", "dee")], name="Other")
    hook = Webhook(
        org_id=org_id,
        slug="wh-abc",
        label="Chat",
        url="https://x.test",
        secret="s",
        created_at=clock.now(),
    )
    session.add(hook)
    session.flush()
    main = policy(
        session,
        org_id,
        ops,
        [
            ("user", "ada"),
            ("email", "oncall@example.com"),
            ("webhook", "wh-abc"),
            ("policy_routing", other.slug),
        ],
        timeout=15,
    )
    assert targets(session, main.id, 0, MONDAY) == StepTargets(
        timeout=timedelta(minutes=15),
        user_ids=(people["ada"],),
        emails=("oncall@example.com",),
        webhook_ids=(hook.id,),
        policy_ids=(other.id,),
        team_ids=(ops.id,),
    )


def test_a_user_paged_twice_in_a_step_appears_once(
    session: Session, org_id: int, people: dict[str, int]
) -> None:
    ops = team(session, org_id)
    primary = rotation(session, org_id, ops, weekly("ada", "bob"))
    main = policy(session, org_id, ops, [("user", "ada"), ("rotation_group", primary.slug)])
    assert targets(session, main.id, 0, MONDAY).user_ids == (people["ada"],)


def test_steps_are_indexed_from_zero_and_none_past_the_last(
    session: Session, org_id: int, people: dict[str, int]
) -> None:
    ops = team(session, org_id)
    main = policy(session, org_id, ops, [("user", "ada")], [("user", "bob")], timeout=0)
    second = targets(session, main.id, 1, MONDAY)
    assert second.user_ids == (people["bob"],) and second.timeout == timedelta(0)
    assert step_targets(session, main.id, 2, MONDAY) is None


def test_rotations_of_other_teams_add_their_team(
    session: Session, org_id: int, people: dict[str, int]
) -> None:
    ops, dba = team(session, org_id, "Ops"), team(session, org_id, "DBA")
    databases = rotation(session, org_id, dba, weekly("cy"))
    main = policy(session, org_id, ops, [("rotation_group", databases.slug)])
    assert targets(session, main.id, 0, MONDAY).team_ids == (ops.id, dba.id)


def test_an_assigned_override_pages_the_stand_in_during_its_window_only(
    session: Session, org_id: int, people: dict[str, int]
) -> None:
    ops = team(session, org_id)
    primary = rotation(session, org_id, ops, weekly("ada", "bob"))
    main = policy(session, org_id, ops, [("rotation_group", primary.slug)])
    away = overrides.create_override(
        session, org_id, "ada", "UTC", MONDAY, MONDAY + timedelta(hours=2)
    )
    overrides.assign(session, away, main.slug, "dee")
    assert targets(session, main.id, 0, MONDAY).user_ids == (people["dee"],)
    later = MONDAY + timedelta(hours=2)
    assert targets(session, main.id, 0, later).user_ids == (people["ada"],)


def test_an_unassigned_override_changes_nothing(
    session: Session, org_id: int, people: dict[str, int]
) -> None:
    ops = team(session, org_id)
    primary = rotation(session, org_id, ops, weekly("ada", "bob"))
    main = policy(session, org_id, ops, [("rotation_group", primary.slug)])
    overrides.create_override(session, org_id, "ada", "UTC", MONDAY, MONDAY + timedelta(hours=2))
    assert targets(session, main.id, 0, MONDAY).user_ids == (people["ada"],)


def test_an_override_in_one_policy_does_not_change_another(
    session: Session, org_id: int, people: dict[str, int]
) -> None:
    ops = team(session, org_id)
    primary = rotation(session, org_id, ops, weekly("ada", "bob"))
    main = policy(session, org_id, ops, [("rotation_group", primary.slug)])
    backup = policy(session, org_id, ops, [("rotation_group", primary.slug)], name="Backup")
    away = overrides.create_override(session, org_id, "ada", "UTC", MONDAY, MONDAY + timedelta(1))
    overrides.assign(session, away, main.slug, "dee")
    assert targets(session, backup.id, 0, MONDAY).user_ids == (people["ada"],)


def test_taking_on_call_lasts_until_the_end_of_the_givers_shift(
    session: Session, org_id: int, people: dict[str, int]
) -> None:
    ops = team(session, org_id)
    primary = rotation(session, org_id, ops, weekly("ada", "bob"))
    main = policy(session, org_id, ops, [("rotation_group", primary.slug)])
    take = overrides.take_on_call(session, org_id, main, "ada", "cy", MONDAY)
    assert take.end_at == datetime(2026, 3, 9, 9, 0, tzinfo=UTC)
    assert targets(session, main.id, 0, MONDAY + timedelta(days=3)).user_ids == (people["cy"],)
    assert targets(session, main.id, 0, take.end_at).user_ids == (people["bob"],)


def test_on_call_users_of_a_rotation_apply_the_policys_substitutions_when_named(
    session: Session, org_id: int, people: dict[str, int]
) -> None:
    ops = team(session, org_id)
    primary = rotation(session, org_id, ops, weekly("ada", "bob"))
    main = policy(session, org_id, ops, [("rotation_group", primary.slug)])
    overrides.take_on_call(session, org_id, main, "ada", "cy", MONDAY)
    assert on_call_users(session, primary.id, MONDAY) == [people["ada"]]
    assert on_call_users(session, primary.id, MONDAY, policy_id=main.id) == [people["cy"]]


def test_policy_team_names_the_team_and_the_policy(
    session: Session, org_id: int, people: dict[str, int]
) -> None:
    ops = team(session, org_id)
    main = policy(session, org_id, ops, [("user", "ada")])
    found = policy_team(session, main.id)
    assert found is not None
    assert (found.team_slug, found.team_name, found.policy_slug, found.policy_name) == (
        ops.slug,
        "Ops",
        main.slug,
        "Main",
    )


def test_step_targets_run_a_fixed_number_of_queries(
    session: Session, org_id: int, people: dict[str, int], queries
) -> None:
    ops = team(session, org_id)
    first = rotation(session, org_id, ops, weekly("ada"), name="First")
    second = rotation(session, org_id, ops, weekly("bob"), weekly("cy", name="b"), name="Second")
    main = policy(
        session,
        org_id,
        ops,
        [("rotation_group", first.slug), ("rotation_group", second.slug), ("user", "dee")],
    )
    session.flush()
    before = queries.count
    assert len(targets(session, main.id, 0, MONDAY).user_ids) == 4
    assert queries.count - before == 7


def targets(session: Session, policy_id: int, step: int, at: datetime) -> StepTargets:
    found = step_targets(session, policy_id, step, at)
    assert found is not None
    return found
