"""Maintenance windows by hand: making one, starting early, ending early, extending, canceling,
changing, deleting, and what each leaves on the timeline."""

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.maintenance.builders import MONDAY, later, travel
from tests.maintenance.windows_builders import WindowShop, spec
from vigil import clock
from vigil.db import transaction
from vigil.errors import Invalid, NotFound, WrongState
from vigil.maintenance import modes, windows
from vigil.maintenance.exceptions import PagingException
from vigil.maintenance.recurrence import Schedule
from vigil.maintenance.windows import WindowChanges
from vigil.orgs.service import NewOrganization

__all__ = ["travel"]

ONE_PM = datetime(2026, 3, 2, 13, 0)
"""An hour after the frozen clock (MONDAY 12:00 UTC), as naive UTC wall-clock time."""


@pytest.fixture
def shop(sessions: sessionmaker[Session], org: NewOrganization, travel: Any) -> WindowShop:
    return WindowShop(sessions, org)


def act(shop: WindowShop, verb: Any, key: str, **fields: Any) -> windows.WindowState:
    with transaction(shop.sessions) as session:
        state: windows.WindowState = verb(
            session, shop.org_id, key, actor="bob", at=clock.now(), **fields
        )
        return state


def test_a_new_window_is_scheduled_with_its_planned_times(shop: WindowShop) -> None:
    made = shop.make(spec(ONE_PM, hours=2))

    assert made.window.key.startswith("mw-")
    assert made.current.status == "scheduled"
    assert made.current.planned_start == MONDAY + timedelta(hours=1)
    assert made.current.planned_end == MONDAY + timedelta(hours=3)
    assert (made.current.actual_start, made.current.actual_end) == (None, None)


def test_planned_times_follow_the_window_zone(shop: WindowShop) -> None:
    made = shop.make(spec(datetime(2026, 3, 2, 14, 0), zone="Europe/Berlin"))

    assert made.current.planned_start == MONDAY + timedelta(hours=1)  # 14:00 CET is 13:00 UTC


def test_a_window_needs_routing_keys_or_global(shop: WindowShop) -> None:
    with pytest.raises(Invalid, match="routing keys"):
        shop.make(spec(ONE_PM, keys=()))


def test_a_global_window_names_no_routing_key(shop: WindowShop) -> None:
    with pytest.raises(Invalid, match="not both"):
        shop.make(spec(ONE_PM, keys=("db",), is_global=True))


def test_an_unknown_routing_key_is_refused(shop: WindowShop) -> None:
    with pytest.raises(Invalid, match="nope"):
        shop.make(spec(ONE_PM, keys=("nope",)))


def test_a_window_already_over_is_refused(shop: WindowShop) -> None:
    with pytest.raises(Invalid, match="ends in the past"):
        shop.make(spec(datetime(2026, 3, 2, 8, 0), hours=1))


def test_an_end_before_the_start_is_refused() -> None:
    with pytest.raises(Invalid, match="end must be after start"):
        Schedule.between(ONE_PM, ONE_PM - timedelta(minutes=1), "UTC")


def test_reminders_are_minutes_within_range(shop: WindowShop) -> None:
    with pytest.raises(Invalid, match="Reminders"):
        shop.make(spec(ONE_PM, reminders=[0]))


def test_the_external_link_must_be_a_url(shop: WindowShop) -> None:
    with pytest.raises(Invalid, match="externalLink"):
        shop.make(spec(ONE_PM, external_link="CHG-1234"))


def test_an_exception_needs_a_severity_or_a_prefix(shop: WindowShop) -> None:
    with pytest.raises(Invalid, match="minimum severity"):
        shop.make(spec(ONE_PM, exceptions=[PagingException()]))


def test_starting_early_opens_a_maintenance_mode_on_the_window_keys(shop: WindowShop) -> None:
    made = shop.make(spec(ONE_PM, keys=("db",)))

    started = act(shop, windows.start_window, made.window.key)

    assert started.current.status == "in_progress"
    assert started.current.actual_start == MONDAY
    with transaction(shop.sessions) as session:
        [active] = modes.state(session, shop.org_id).active
    assert active.names == ["db"]
    assert active.mode.window_id == made.window.id
    assert started.current.mode_id == active.mode.id


def test_ending_early_ends_its_mode_and_records_the_outcome(shop: WindowShop, travel: Any) -> None:
    made = shop.make(spec(ONE_PM))
    act(shop, windows.start_window, made.window.key)
    later(travel, 30)

    ended = act(shop, windows.end_window, made.window.key, outcome="failed")

    assert ended.current.status == "completed"
    assert ended.current.outcome == "failed"
    assert ended.current.actual_end == MONDAY + timedelta(minutes=30)
    assert ended.current.planned_end == MONDAY + timedelta(hours=3)
    with transaction(shop.sessions) as session:
        assert modes.state(session, shop.org_id).active == []


def test_ending_a_window_not_started_is_a_conflict(shop: WindowShop) -> None:
    made = shop.make(spec(ONE_PM))

    with pytest.raises(WrongState, match="only a window in progress ends"):
        act(shop, windows.end_window, made.window.key)


def test_starting_a_window_twice_is_a_conflict(shop: WindowShop) -> None:
    made = shop.make(spec(ONE_PM))
    act(shop, windows.start_window, made.window.key)

    with pytest.raises(WrongState, match="only a scheduled window starts"):
        act(shop, windows.start_window, made.window.key)


def test_extending_moves_the_planned_end_and_its_timer(shop: WindowShop) -> None:
    made = shop.make(spec(ONE_PM))
    act(shop, windows.start_window, made.window.key)
    new_end = MONDAY + timedelta(hours=5)

    extended = act(shop, windows.extend_window, made.window.key, end=new_end)

    assert extended.current.planned_end == new_end
    assert extended.current.sequence == 1
    assert shop.timers_of(made.window.key) == [("maintenance.end", new_end)]
    assert [e.kind for e in shop.events(made.window.key)][-1] == "extended"


def test_an_extension_must_end_in_the_future(shop: WindowShop, travel: Any) -> None:
    made = shop.make(spec(ONE_PM))
    act(shop, windows.start_window, made.window.key)
    later(travel, 30)

    with pytest.raises(Invalid, match="future"):
        act(shop, windows.extend_window, made.window.key, end=MONDAY + timedelta(minutes=10))


def test_canceling_a_one_off_window_drops_its_timers(shop: WindowShop) -> None:
    made = shop.make(spec(ONE_PM, reminders=[30]))

    canceled = act(shop, windows.cancel_window, made.window.key, note="Vendor postponed")

    assert canceled.current.status == "canceled"
    assert shop.timers_of(made.window.key) == []
    assert shop.events(made.window.key)[-1].body == "Vendor postponed"


def test_canceling_one_occurrence_of_a_series_schedules_the_next(shop: WindowShop) -> None:
    made = shop.make(spec(ONE_PM, rrule="FREQ=DAILY"))

    after = act(shop, windows.cancel_window, made.window.key)

    assert [(o.index, o.status) for o in shop.occurrences(made.window.key)] == [
        (0, "canceled"),
        (1, "scheduled"),
    ]
    assert after.current.planned_start == MONDAY + timedelta(days=1, hours=1)


def test_canceling_the_series_makes_no_next_occurrence(shop: WindowShop) -> None:
    made = shop.make(spec(ONE_PM, rrule="FREQ=DAILY"))

    after = act(shop, windows.cancel_window, made.window.key, series=True)

    assert after.window.canceled_at == MONDAY
    assert [o.status for o in shop.occurrences(made.window.key)] == ["canceled"]


def test_a_window_in_progress_is_ended_not_canceled(shop: WindowShop) -> None:
    made = shop.make(spec(ONE_PM))
    act(shop, windows.start_window, made.window.key)

    with pytest.raises(WrongState, match="end it instead"):
        act(shop, windows.cancel_window, made.window.key)


def test_rescheduling_moves_the_scheduled_occurrence_and_bumps_its_sequence(
    shop: WindowShop,
) -> None:
    made = shop.make(spec(ONE_PM))
    later_schedule = Schedule(
        start=ONE_PM + timedelta(days=1), zone="UTC", duration=timedelta(hours=1)
    )

    moved = act(
        shop, windows.update_window, made.window.key, changes=WindowChanges(schedule=later_schedule)
    )

    assert moved.current.planned_start == MONDAY + timedelta(days=1, hours=1)
    assert moved.current.planned_end == MONDAY + timedelta(days=1, hours=2)
    assert moved.current.sequence == 1
    assert ("maintenance.start", MONDAY + timedelta(days=1, hours=1)) in shop.timers_of(
        made.window.key
    )
    assert [e.kind for e in shop.events(made.window.key)][-2:] == ["updated", "rescheduled"]


def test_the_scope_cannot_change_while_in_progress(shop: WindowShop) -> None:
    made = shop.make(spec(ONE_PM))
    act(shop, windows.start_window, made.window.key)

    with pytest.raises(WrongState, match="routingKeys"):
        act(
            shop,
            windows.update_window,
            made.window.key,
            changes=WindowChanges(routing_keys=["ops"]),
        )


def test_an_update_records_what_changed_and_who_changed_it(shop: WindowShop) -> None:
    made = shop.make(spec(ONE_PM))

    act(shop, windows.update_window, made.window.key, changes=WindowChanges(title="DB v16"))

    event = shop.events(made.window.key)[-1]
    assert (event.kind, event.actor, event.at) == ("updated", "bob", MONDAY)
    assert event.details == {"title": ["Database upgrade", "DB v16"]}


def test_a_window_that_never_started_can_be_deleted(shop: WindowShop) -> None:
    made = shop.make(spec(ONE_PM))

    with transaction(shop.sessions) as session:
        windows.delete_window(session, shop.org_id, made.window.key)

    with pytest.raises(NotFound):
        shop.get(made.window.key)


def test_a_window_that_started_is_canceled_rather_than_deleted(shop: WindowShop) -> None:
    made = shop.make(spec(ONE_PM))
    act(shop, windows.start_window, made.window.key)

    with (
        pytest.raises(WrongState, match="cancel it instead"),
        transaction(shop.sessions) as session,
    ):
        windows.delete_window(session, shop.org_id, made.window.key)


def test_public_updates_and_internal_comments_are_on_the_timeline(shop: WindowShop) -> None:
    made = shop.make(spec(ONE_PM))
    with transaction(shop.sessions) as session:
        for body, public in (("Starting soon", True), ("Paged the DBA", False)):
            windows.add_note(
                session,
                shop.org_id,
                made.window.key,
                body=body,
                public=public,
                actor="bob",
                at=clock.now(),
            )
        public_only = windows.timeline(session, shop.org_id, made.window.key, public_only=True)
        everything = windows.timeline(session, shop.org_id, made.window.key)

    assert [(e.kind, e.body) for e in public_only] == [("update", "Starting soon")]
    assert [e.kind for e in everything] == ["created", "update", "comment"]


def test_an_empty_note_is_refused(shop: WindowShop) -> None:
    made = shop.make(spec(ONE_PM))

    with pytest.raises(Invalid, match="body"), transaction(shop.sessions) as session:
        windows.add_note(
            session,
            shop.org_id,
            made.window.key,
            body=" ",
            public=True,
            actor="bob",
            at=clock.now(),
        )


def test_ending_a_window_mode_through_victorops_ends_the_window(shop: WindowShop) -> None:
    made = shop.make(spec(ONE_PM))
    started = act(shop, windows.start_window, made.window.key)
    with transaction(shop.sessions) as session:
        [active] = modes.state(session, shop.org_id).active
        windows.end_mode_or_window(
            session, shop.org_id, active.mode.instance_id, actor="bob", at=clock.now()
        )

    ended = shop.get(made.window.key).current
    assert (ended.status, ended.outcome) == ("completed", "succeeded")
    assert started.current.mode_id == active.mode.id
    with transaction(shop.sessions) as session:
        assert modes.state(session, shop.org_id).active == []


def test_rescheduling_a_finished_window_schedules_it_again(shop: WindowShop) -> None:
    made = shop.make(spec(ONE_PM))
    act(shop, windows.start_window, made.window.key)
    act(shop, windows.end_window, made.window.key)
    again = Schedule(start=ONE_PM + timedelta(days=7), zone="UTC", duration=timedelta(hours=1))

    after = act(shop, windows.update_window, made.window.key, changes=WindowChanges(schedule=again))

    assert [(o.index, o.status) for o in shop.occurrences(made.window.key)] == [
        (0, "completed"),
        (1, "scheduled"),
    ]
    assert after.current.planned_start == MONDAY + timedelta(days=7, hours=1)


def test_occurrences_made_after_a_schedule_change_carry_its_revision(
    shop: WindowShop, travel: Any
) -> None:
    made = shop.make(spec(ONE_PM, rrule="FREQ=DAILY"))
    moved = Schedule(start=ONE_PM, zone="UTC", duration=timedelta(hours=1), rrule="FREQ=DAILY")
    act(shop, windows.update_window, made.window.key, changes=WindowChanges(schedule=moved))
    act(shop, windows.cancel_window, made.window.key)

    assert [(o.index, o.sequence) for o in shop.occurrences(made.window.key)] == [(0, 1), (1, 1)]
