"""Scheduled maintenance windows: make, change, start, end, extend and cancel them. This module
is the only writer of windows, their occurrences and their timelines.

A window's occurrences are stored one at a time: the current one (scheduled or in progress),
after the ones that finished. The engine starts and ends occurrences from database timers
(`vigil.maintenance.automation`); people do the same through the API, early or late. Either
way a change is a compare-and-set on the occurrence's status, so a timer and a person (or two
workers) racing do it once. Starting an occurrence opens a maintenance mode over the window's
scope (visible in `GET /maintenancemode`) and ending it ends that mode, with the window's end
behaviour. When an occurrence finishes, the next one of the series is stored and its timers
set.

Every change appends to the window's timeline, with who and when, and the window's
recipients hear about it (`vigil.maintenance.notices`).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from vigil.clock import rfc3339
from vigil.engine import timers
from vigil.errors import Invalid, NotFound, WrongState
from vigil.identifiers import random_alnum
from vigil.maintenance import notices
from vigil.maintenance.exceptions import PagingException, checked_exceptions
from vigil.maintenance.models import (
    END_BEHAVIORS,
    OUTCOMES,
    MaintenanceMode,
    MaintenanceOccurrence,
    MaintenanceWindow,
    MaintenanceWindowEvent,
    MaintenanceWindowKey,
)
from vigil.maintenance.modes import check_known_keys, end_mode, start_mode
from vigil.maintenance.recipients import RecipientSpec, recipients_of, set_recipients
from vigil.maintenance.recurrence import Occurrence, Schedule, next_after, next_occurrence

START_TIMER = "maintenance.start"
END_TIMER = "maintenance.end"
REMIND_TIMER = "maintenance.remind"
AUTOMATIC = "Vigil (scheduled)"
"""Who the timeline names for what the engine does on schedule."""
MAX_TITLE_CHARS = 300
MAX_DESCRIPTION_CHARS = 20_000
MAX_NOTE_CHARS = 20_000
MAX_REMINDERS = 10
MAX_REMINDER_MINUTES = 60 * 24 * 60
MAX_KEYS = 200
OPEN = ("scheduled", "in_progress")


@dataclass(frozen=True)
class WindowSpec:
    """What a window is made of. `routing_keys` empty needs `is_global` (muting every key is
    never a default); `reminders` are minutes before each start."""

    title: str
    schedule: Schedule
    description: str = ""
    routing_keys: Sequence[str] = ()
    is_global: bool = False
    mutes_paging: bool = True
    auto_start: bool = True
    auto_end: bool = True
    end_behavior: str = "repage"
    exceptions: Sequence[PagingException] = ()
    reminders: Sequence[int] = ()
    recipients: Sequence[RecipientSpec] = ()
    external_ref: str | None = None
    external_link: str | None = None


@dataclass
class WindowState:
    """A window with its scope, recipients and current occurrence (the last one, once the
    series is over)."""

    window: MaintenanceWindow
    keys: list[str]
    current: MaintenanceOccurrence
    recipients: list[RecipientSpec] = field(default_factory=list)

    @property
    def schedule(self) -> Schedule:
        return schedule_of(self.window)


def schedule_of(window: MaintenanceWindow) -> Schedule:
    return Schedule(
        start=window.start_local,
        zone=window.zone,
        duration=timedelta(seconds=window.duration_seconds),
        rrule=window.rrule,
    )


def new_window_key() -> str:
    """A window's public id: `mw-` and 24 letters and digits."""
    return f"mw-{random_alnum(24)}"


def create_window(
    session: Session, org_id: int, spec: WindowSpec, *, actor: str, at: datetime
) -> WindowState:
    """Store a window and its first occurrence still to come, set its timers and tell its
    recipients. Raises Invalid for bad values, or when the schedule has nothing left after
    `at`."""
    spec = _checked(session, org_id, spec)
    first = next_occurrence(spec.schedule, at)
    if first is None:
        raise Invalid("The window is over before it is made: every occurrence ends in the past")
    window = MaintenanceWindow(
        org_id=org_id,
        key=new_window_key(),
        created_by=actor,
        created_at=at,
        updated_at=at,
        index_base=0,
        schedule_revision=0,
        **_columns(spec),
    )
    session.add(window)
    session.flush()
    _set_keys(session, window, spec.routing_keys)
    set_recipients(session, window, spec.recipients)
    occurrence = _store_occurrence(session, window, first, at)
    _record(session, window, occurrence, at, actor, "created", details=_summary(window))
    notices.announce(session, window, occurrence, "created", at)
    return get_window(session, org_id, window.key)


def get_window(session: Session, org_id: int, key: str) -> WindowState:
    return _state_of(session, _window(session, org_id, key))


def _state_of(session: Session, window: MaintenanceWindow) -> WindowState:
    return WindowState(
        window,
        keys_of(session, window.id),
        current_of(session, window.id),
        recipients_of(session, window),
    )


def keys_of(session: Session, window_id: int) -> list[str]:
    return list(
        session.scalars(
            select(MaintenanceWindowKey.name)
            .where(MaintenanceWindowKey.window_id == window_id)
            .order_by(MaintenanceWindowKey.id)
        )
    )


def current_of(session: Session, window_id: int) -> MaintenanceOccurrence:
    """The window's latest stored occurrence."""
    return session.scalars(
        select(MaintenanceOccurrence)
        .where(MaintenanceOccurrence.window_id == window_id)
        .order_by(MaintenanceOccurrence.index.desc())
        .limit(1)
    ).one()


@dataclass(frozen=True)
class WindowChanges:
    """A partial update: only the fields given (not None) change. `schedule` reschedules the
    occurrences not started yet."""

    title: str | None = None
    description: str | None = None
    schedule: Schedule | None = None
    routing_keys: Sequence[str] | None = None
    is_global: bool | None = None
    auto_start: bool | None = None
    auto_end: bool | None = None
    end_behavior: str | None = None
    exceptions: Sequence[PagingException] | None = None
    reminders: Sequence[int] | None = None
    recipients: Sequence[RecipientSpec] | None = None
    external_ref: str | None = None
    external_link: str | None = None


def update_window(
    session: Session, org_id: int, key: str, changes: WindowChanges, *, actor: str, at: datetime
) -> WindowState:
    """Change a window. A new schedule moves the current occurrence if it has not started
    (recipients are told of the reschedule) and shapes every later one; scope, exceptions and
    end behaviour cannot change while an occurrence is in progress (end it first)."""
    state = _locked(session, org_id, key)
    window, current = state.window, state.current
    given = {name: value for name, value in vars(changes).items() if value is not None}
    if not given:
        return state
    spec = _checked(
        session,
        org_id,
        replace(_spec_of(state), **given),
        scope_changed="routing_keys" in given or "is_global" in given,
    )
    in_progress = current.status == "in_progress"
    muting = {"routing_keys", "is_global", "exceptions", "end_behavior"} & given.keys()
    if in_progress and muting:
        raise WrongState(
            f"{', '.join(sorted(_wire_names(muting)))} cannot change while the window is in"
            " progress: end it first"
        )
    before = _summary(window)
    for name, value in _columns(spec).items():
        setattr(window, name, value)
    window.updated_at = at
    if "routing_keys" in given or "is_global" in given:
        _set_keys(session, window, spec.routing_keys)
    if "recipients" in given:
        set_recipients(session, window, spec.recipients)
    after = _summary(window)
    changed = {name: [before[name], after[name]] for name in after if before[name] != after[name]}
    _record(session, window, current, at, actor, "updated", details=changed)
    if "schedule" in given:
        window.schedule_revision += 1
    if "schedule" in given and current.status in OPEN:
        _reschedule(session, window, current, at, actor)
    elif "schedule" in given and window.canceled_at is None:
        window.index_base = current.index + 1  # the series was over: the new one goes on
        following = next_occurrence(schedule_of(window), at)
        if following is not None:
            notices.announce(
                session,
                window,
                _store_occurrence(session, window, following, at),
                "rescheduled",
                at,
            )
    elif "reminders" in given or "auto_start" in given or "auto_end" in given:
        _set_timers(session, window, current, at)
    session.flush()
    return get_window(session, org_id, key)


def start_window(
    session: Session, org_id: int, key: str, *, actor: str, at: datetime
) -> WindowState:
    """Start the current occurrence now (early, late, or by hand when `auto_start` is off)."""
    state = _locked(session, org_id, key)
    start_occurrence(session, state.window, state.current, actor=actor, at=at)
    return get_window(session, org_id, key)


def end_window(
    session: Session,
    org_id: int,
    key: str,
    *,
    actor: str,
    at: datetime,
    outcome: str = "succeeded",
    note: str | None = None,
) -> WindowState:
    """End the occurrence in progress now, with its outcome (succeeded or failed)."""
    state = _locked(session, org_id, key)
    end_occurrence(
        session, state.window, state.current, actor=actor, at=at, outcome=outcome, note=note
    )
    return get_window(session, org_id, key)


def extend_window(
    session: Session, org_id: int, key: str, *, end: datetime, actor: str, at: datetime
) -> WindowState:
    """Move the planned end of the current occurrence (scheduled or in progress) to `end`,
    which must be after its start and after now. Recipients are told."""
    state = _locked(session, org_id, key)
    current = state.current
    if current.status not in OPEN:
        raise WrongState(f"The window is {current.status}: there is nothing to extend")
    start = current.actual_start or current.planned_start
    if end <= start:
        raise Invalid("The new end must be after the start")
    if end <= at:
        raise Invalid("The new end must be in the future")
    previous = current.planned_end
    current.planned_end = end
    current.sequence += 1
    _set_timers(session, state.window, current, at)
    kind = "extended" if end > previous else "shortened"
    _record(
        session,
        state.window,
        current,
        at,
        actor,
        kind,
        public=True,
        body=f"Planned end moved from {_utc(previous)} to {_utc(end)}",
        details={"plannedEnd": [rfc3339(previous), rfc3339(end)]},
    )
    notices.announce(session, state.window, current, "rescheduled", at)
    return get_window(session, org_id, key)


def cancel_window(
    session: Session,
    org_id: int,
    key: str,
    *,
    actor: str,
    at: datetime,
    series: bool = False,
    note: str | None = None,
) -> WindowState:
    """Cancel the current occurrence before it starts; the series goes on with the next one,
    unless `series` says to cancel the whole window (an occurrence in progress must be ended,
    not canceled)."""
    state = _locked(session, org_id, key)
    window, current = state.window, state.current
    if window.canceled_at is not None:
        raise WrongState("The window is already canceled")
    if current.status == "in_progress":
        raise WrongState("The window is in progress: end it instead of canceling it")
    if series or window.rrule is None:  # a one-off window is a series of one
        series = True
        window.canceled_at = at
        window.updated_at = at
    if current.status == "scheduled":
        if not _move(session, current, "scheduled", status="canceled"):
            raise WrongState("The window is no longer scheduled")
        timers.cancel_subjects(session, [subject_of(current)])
        _record(session, window, current, at, actor, "canceled", public=True, body=note or "")
        notices.announce(session, window, current, "canceled", at, note=note)
    elif not series:
        raise WrongState(f"The window is {current.status}: there is nothing to cancel")
    else:
        _record(session, window, current, at, actor, "canceled", public=True, body=note or "")
    if not series:
        _advance(session, window, current, at)
    return get_window(session, org_id, key)


def end_mode_or_window(
    session: Session, org_id: int, instance_id: str, *, actor: str, at: datetime
) -> None:
    """End a maintenance mode by its instance id; a mode a window opened ends its window (so
    the window does not stay "in progress" with nothing muted), as if ended by hand."""
    found = session.execute(
        select(MaintenanceWindow.key)
        .join(MaintenanceOccurrence, MaintenanceOccurrence.window_id == MaintenanceWindow.id)
        .join(MaintenanceMode, MaintenanceMode.id == MaintenanceOccurrence.mode_id)
        .where(
            MaintenanceMode.org_id == org_id,
            MaintenanceMode.instance_id == instance_id,
            MaintenanceMode.ended_at.is_(None),
            MaintenanceOccurrence.status == "in_progress",
        )
    ).first()
    if found is None:
        end_mode(session, org_id, instance_id, ended_by=actor, at=at)
    else:
        end_window(session, org_id, found.key, actor=actor, at=at)


def delete_window(session: Session, org_id: int, key: str) -> None:
    """Remove a window that never started (a mistake); one with history is canceled instead."""
    state = _locked(session, org_id, key)
    started = session.scalar(
        select(func.count())
        .select_from(MaintenanceOccurrence)
        .where(
            MaintenanceOccurrence.window_id == state.window.id,
            MaintenanceOccurrence.actual_start.is_not(None),
        )
    )
    if started:
        raise WrongState("The window has started at least once: cancel it instead of deleting it")
    stored = select(MaintenanceOccurrence).where(MaintenanceOccurrence.window_id == state.window.id)
    timers.cancel_subjects(session, [subject_of(o) for o in session.scalars(stored)])
    session.execute(delete(MaintenanceWindow).where(MaintenanceWindow.id == state.window.id))


def add_note(
    session: Session,
    org_id: int,
    key: str,
    *,
    body: str,
    public: bool,
    actor: str,
    at: datetime,
) -> MaintenanceWindowEvent:
    """A public update (shown to everyone) or an internal comment (kept to the team)."""
    if not body.strip():
        raise Invalid("A note needs a body")
    if len(body) > MAX_NOTE_CHARS:
        raise Invalid(f"A note is at most {MAX_NOTE_CHARS} characters")
    window = _window(session, org_id, key)
    current = current_of(session, window.id)
    kind = "update" if public else "comment"
    return _record(session, window, current, at, actor, kind, public=public, body=body)


def record_change(
    session: Session,
    org_id: int,
    key: str,
    changed: Mapping[str, Sequence[Any]],
    *,
    actor: str,
    at: datetime,
) -> None:
    """Put on the window's timeline a change to what another package keeps of it (a Prod
    Manager maintenance's service, say): `changed` maps each field to (before, after)."""
    if changed:
        window = _window(session, org_id, key)
        details = {name: list(values) for name, values in changed.items()}
        _record(
            session, window, current_of(session, window.id), at, actor, "updated", details=details
        )


def timeline(
    session: Session, org_id: int, key: str, *, public_only: bool = False
) -> list[MaintenanceWindowEvent]:
    """A window's timeline, oldest first; `public_only` leaves out internal comments and
    audit entries."""
    window = _window(session, org_id, key)
    query = select(MaintenanceWindowEvent).where(MaintenanceWindowEvent.window_id == window.id)
    if public_only:
        query = query.where(MaintenanceWindowEvent.public)
    return list(
        session.scalars(query.order_by(MaintenanceWindowEvent.at, MaintenanceWindowEvent.id))
    )


# --- what the engine and the verbs above share -------------------------------------------


def start_occurrence(
    session: Session,
    window: MaintenanceWindow,
    occurrence: MaintenanceOccurrence,
    *,
    actor: str,
    at: datetime,
) -> bool:
    """Scheduled → in progress, opening the window's maintenance mode. False when another
    transaction got there first (the compare-and-set found it no longer scheduled); raises
    WrongState when a person asks for it then."""
    if window.canceled_at is not None or not _move(
        session, occurrence, "scheduled", status="in_progress", actual_start=at
    ):
        if actor == AUTOMATIC:
            return False
        raise WrongState(f"The window is {occurrence.status}: only a scheduled window starts")
    mode = _open_mode(session, window, actor, at) if window.mutes_paging else None
    occurrence.mode_id = mode.id if mode is not None else None
    session.flush()
    _set_timers(session, window, occurrence, at)
    early = at < occurrence.planned_start
    _record(
        session,
        window,
        occurrence,
        at,
        actor,
        "started",
        public=True,
        body="Maintenance started" + (" early" if early else ""),
        details={
            "mode": mode.instance_id if mode is not None else None,
            "plannedStart": rfc3339(occurrence.planned_start),
        },
    )
    notices.announce(session, window, occurrence, "started", at)
    return True


def _open_mode(
    session: Session, window: MaintenanceWindow, actor: str, at: datetime
) -> MaintenanceMode:
    return start_mode(
        session,
        window.org_id,
        names=keys_of(session, window.id),
        purpose=f"{window.title} ({window.key})",
        started_by=actor,
        at=at,
        end_behavior=window.end_behavior,
        window_id=window.id,
        exceptions=[dict(rule) for rule in window.exceptions] or None,
        notify_on_call=False,
    )


def end_occurrence(
    session: Session,
    window: MaintenanceWindow,
    occurrence: MaintenanceOccurrence,
    *,
    actor: str,
    at: datetime,
    outcome: str = "succeeded",
    note: str | None = None,
) -> bool:
    """In progress → completed with `outcome`, ending its mode, then the next occurrence of the
    series is stored. False when another transaction ended it first."""
    if outcome not in OUTCOMES:
        raise Invalid(f"Unknown outcome {outcome!r}; expected {' or '.join(OUTCOMES)}")
    ended_at = max(at, occurrence.actual_start or at)
    if not _move(
        session, occurrence, "in_progress", status="completed", actual_end=ended_at, outcome=outcome
    ):
        if actor == AUTOMATIC:
            return False
        raise WrongState(f"The window is {occurrence.status}: only a window in progress ends")
    timers.cancel_subjects(session, [subject_of(occurrence)])
    if occurrence.mode_id is not None:
        instance = session.scalar(
            select(MaintenanceMode.instance_id).where(
                MaintenanceMode.id == occurrence.mode_id, MaintenanceMode.ended_at.is_(None)
            )
        )
        if instance is not None:  # someone may have ended the mode through the VictorOps API
            end_mode(
                session, window.org_id, instance, ended_by=actor, at=ended_at, notify_on_call=False
            )
    early = ended_at < occurrence.planned_end
    _record(
        session,
        window,
        occurrence,
        ended_at,
        actor,
        "ended",
        public=True,
        body=note or ("Maintenance ended" + (" early" if early else "") + f": {outcome}"),
        details={"outcome": outcome, "plannedEnd": rfc3339(occurrence.planned_end)},
    )
    notices.announce(session, window, occurrence, "ended", ended_at, note=note)
    _advance(session, window, occurrence, ended_at)
    return True


NOT_STARTED = "Not started by its planned end"
ENGINE_DOWN = "Not started: the engine was not running through its planned time"


def miss_occurrence(
    session: Session,
    window: MaintenanceWindow,
    occurrence: MaintenanceOccurrence,
    at: datetime,
    *,
    reason: str = NOT_STARTED,
) -> bool:
    """A scheduled occurrence that did not start by its planned end is canceled (`reason` on
    its timeline and in the notices), and the series goes on."""
    if not _move(session, occurrence, "scheduled", status="canceled"):
        return False
    timers.cancel_subjects(session, [subject_of(occurrence)])
    _record(session, window, occurrence, at, AUTOMATIC, "canceled", public=True, body=reason)
    notices.announce(session, window, occurrence, "canceled", at, note=reason)
    _advance(session, window, occurrence, at)
    return True


def overrun(
    session: Session, window: MaintenanceWindow, occurrence: MaintenanceOccurrence, at: datetime
) -> None:
    """The planned end passed while in progress and the window does not end on its own: say so
    on the timeline and to the recipients (it stays muted until someone ends or extends it)."""
    _record(session, window, occurrence, at, AUTOMATIC, "overrun", body="Planned end passed")
    notices.announce(session, window, occurrence, "overrun", at)


def subject_of(occurrence: MaintenanceOccurrence) -> str:
    """The timer subject grouping an occurrence's timers."""
    return f"maintenance:{occurrence.id}"


# --- internals ------------------------------------------------------------------------------


def _window(session: Session, org_id: int, key: str, *, lock: bool = False) -> MaintenanceWindow:
    """The window (NotFound when the organization has none with this key); `lock` keeps its
    row locked until commit so two changes to it queue (PostgreSQL)."""
    query = select(MaintenanceWindow).where(
        MaintenanceWindow.org_id == org_id, MaintenanceWindow.key == key
    )
    found = session.scalars(query.with_for_update() if lock else query).one_or_none()
    if found is None:
        raise NotFound(f"No maintenance window {key}")
    return found


def _locked(session: Session, org_id: int, key: str) -> WindowState:
    """The window's state, its row locked until commit so two changes to it queue."""
    return _state_of(session, _window(session, org_id, key, lock=True))


def _move(
    session: Session, occurrence: MaintenanceOccurrence, expected: str, **values: Any
) -> bool:
    """Compare-and-set on the occurrence's status: only one transaction moves it."""
    moved = session.execute(
        update(MaintenanceOccurrence)
        .where(MaintenanceOccurrence.id == occurrence.id, MaintenanceOccurrence.status == expected)
        .values(**values)
        .returning(MaintenanceOccurrence.id),
        execution_options={"synchronize_session": False},
    ).first()
    session.refresh(occurrence)
    return moved is not None


def _advance(
    session: Session, window: MaintenanceWindow, finished: MaintenanceOccurrence, at: datetime
) -> MaintenanceOccurrence | None:
    """Store the series' next occurrence still to come after `finished`, with its timers."""
    if window.rrule is None or window.canceled_at is not None:
        return None
    following = next_after(schedule_of(window), finished.index - window.index_base, at)
    if following is None:
        return None
    return _store_occurrence(session, window, following, at)


def _store_occurrence(
    session: Session, window: MaintenanceWindow, planned: Occurrence, at: datetime
) -> MaintenanceOccurrence:
    occurrence = MaintenanceOccurrence(
        org_id=window.org_id,
        window_id=window.id,
        index=window.index_base + planned.index,
        status="scheduled",
        planned_start=planned.start,
        planned_end=planned.end,
        sequence=window.schedule_revision,
    )
    session.add(occurrence)
    session.flush()
    _set_timers(session, window, occurrence, at)
    return occurrence


def _reschedule(
    session: Session,
    window: MaintenanceWindow,
    current: MaintenanceOccurrence,
    at: datetime,
    actor: str,
) -> None:
    """After a schedule change: an occurrence in progress keeps its times (extend it to move
    its end); a scheduled one is replaced by the new schedule's next occurrence."""
    if current.status == "in_progress":
        window.index_base = current.index + 1
        return
    previous = (current.planned_start, current.planned_end)
    window.index_base = current.index
    following = next_occurrence(schedule_of(window), at)
    if following is None:
        raise Invalid("The new schedule has no occurrence left after now")
    current.index = window.index_base + following.index
    moved = previous != (following.start, following.end)
    if moved:
        current.planned_start, current.planned_end = following.start, following.end
        current.sequence = max(current.sequence + 1, window.schedule_revision)
    session.flush()
    _set_timers(session, window, current, at)
    if moved:
        _record(
            session,
            window,
            current,
            at,
            actor,
            "rescheduled",
            public=True,
            body=f"Rescheduled to {_utc(current.planned_start)} until {_utc(current.planned_end)}",
            details={
                "plannedStart": [rfc3339(previous[0]), rfc3339(current.planned_start)],
                "plannedEnd": [rfc3339(previous[1]), rfc3339(current.planned_end)],
            },
        )
        notices.announce(session, window, current, "rescheduled", at)


def _set_timers(
    session: Session, window: MaintenanceWindow, occurrence: MaintenanceOccurrence, at: datetime
) -> None:
    """Replace the occurrence's timers with what its state and the window's settings ask for:
    while scheduled, a start (if `auto_start`) and the reminders still ahead; always an end
    timer at the planned end (it ends, reports an overrun, or marks a never-started occurrence
    missed)."""
    subject = subject_of(occurrence)
    timers.cancel_subjects(session, [subject])
    if occurrence.status not in OPEN:
        return
    payload = {"occurrence_id": occurrence.id}
    wanted: list[tuple[str, datetime, dict[str, Any], str, str | None]] = [
        (END_TIMER, occurrence.planned_end, payload, f"{subject}:end", subject)
    ]
    if occurrence.status == "scheduled":
        if window.auto_start:
            wanted.append(
                (START_TIMER, occurrence.planned_start, payload, f"{subject}:start", subject)
            )
        for minutes in window.reminders:
            due = occurrence.planned_start - timedelta(minutes=minutes)
            if due > at:
                wanted.append(
                    (
                        REMIND_TIMER,
                        due,
                        {**payload, "minutes": minutes},
                        f"{subject}:remind:{minutes}",
                        subject,
                    )
                )
    timers.put_many(session, window.org_id, wanted)


def _record(
    session: Session,
    window: MaintenanceWindow,
    occurrence: MaintenanceOccurrence | None,
    at: datetime,
    actor: str,
    kind: str,
    *,
    public: bool = False,
    body: str = "",
    details: dict[str, Any] | None = None,
) -> MaintenanceWindowEvent:
    event = MaintenanceWindowEvent(
        org_id=window.org_id,
        window_id=window.id,
        occurrence_index=occurrence.index if occurrence is not None else None,
        at=at,
        actor=actor,
        kind=kind,
        public=public,
        body=body,
        details=details or {},
    )
    session.add(event)
    session.flush()
    return event


def _checked(
    session: Session, org_id: int, spec: WindowSpec, *, scope_changed: bool = True
) -> WindowSpec:
    """The spec with its values checked and tidied; raises Invalid with what is wrong."""
    title = spec.title.strip()
    if not title:
        raise Invalid("A window needs a title")
    if len(title) > MAX_TITLE_CHARS:
        raise Invalid(f"The title is at most {MAX_TITLE_CHARS} characters")
    if len(spec.description) > MAX_DESCRIPTION_CHARS:
        raise Invalid(f"The description is at most {MAX_DESCRIPTION_CHARS} characters")
    keys = list(dict.fromkeys(name.strip() for name in spec.routing_keys))
    if not spec.mutes_paging and (keys or spec.is_global):
        raise Invalid("A window that mutes no paging names no routing key and is not global")
    if spec.is_global and keys:
        raise Invalid(
            "A global window mutes every routing key: give routingKeys or global, not both"
        )
    if spec.mutes_paging and not spec.is_global and not keys:
        raise Invalid("Name the routing keys the window mutes, or set global to mute them all")
    if len(keys) > MAX_KEYS:
        raise Invalid(f"At most {MAX_KEYS} routing keys per window")
    if scope_changed:
        check_known_keys(session, org_id, keys)
    if spec.end_behavior not in END_BEHAVIORS:
        raise Invalid(
            f"Unknown end behavior {spec.end_behavior!r}; expected one of {', '.join(END_BEHAVIORS)}"
        )
    reminders = sorted(set(spec.reminders), reverse=True)
    if len(reminders) > MAX_REMINDERS:
        raise Invalid(f"At most {MAX_REMINDERS} reminders per window")
    if any(not 1 <= minutes <= MAX_REMINDER_MINUTES for minutes in reminders):
        raise Invalid(f"Reminders are minutes before the start, from 1 to {MAX_REMINDER_MINUTES}")
    return replace(
        spec,
        title=title,
        routing_keys=keys,
        exceptions=checked_exceptions(spec.exceptions),
        reminders=reminders,
        external_ref=(spec.external_ref or "").strip() or None,
        external_link=_checked_link(spec.external_link),
    )


def _checked_link(link: str | None) -> str | None:
    if not link or not link.strip():
        return None
    link = link.strip()
    if not link.lower().startswith(("http://", "https://")) or len(link) > 2000:
        raise Invalid("externalLink must be an http(s) URL of at most 2000 characters")
    return link


def _columns(spec: WindowSpec) -> dict[str, Any]:
    """The window's columns from a checked spec."""
    return {
        "title": spec.title,
        "description": spec.description,
        "is_global": spec.is_global,
        "mutes_paging": spec.mutes_paging,
        "zone": spec.schedule.zone,
        "start_local": spec.schedule.start,
        "duration_seconds": int(spec.schedule.duration.total_seconds()),
        "rrule": spec.schedule.rrule,
        "auto_start": spec.auto_start,
        "auto_end": spec.auto_end,
        "end_behavior": spec.end_behavior,
        "exceptions": [rule.to_json() for rule in spec.exceptions],
        "reminders": list(spec.reminders),
        "external_ref": spec.external_ref,
        "external_link": spec.external_link,
    }


def _spec_of(state: WindowState) -> WindowSpec:
    window = state.window
    return WindowSpec(
        title=window.title,
        schedule=state.schedule,
        description=window.description,
        routing_keys=state.keys,
        is_global=window.is_global,
        mutes_paging=window.mutes_paging,
        auto_start=window.auto_start,
        auto_end=window.auto_end,
        end_behavior=window.end_behavior,
        exceptions=[PagingException.from_json(rule) for rule in window.exceptions],
        reminders=window.reminders,
        recipients=state.recipients,
        external_ref=window.external_ref,
        external_link=window.external_link,
    )


def _set_keys(session: Session, window: MaintenanceWindow, names: Sequence[str]) -> None:
    session.execute(delete(MaintenanceWindowKey).where(MaintenanceWindowKey.window_id == window.id))
    if names:  # one statement however many keys
        session.execute(
            insert(MaintenanceWindowKey),
            [{"org_id": window.org_id, "window_id": window.id, "name": name} for name in names],
        )


def _summary(window: MaintenanceWindow) -> dict[str, Any]:
    """What the audit compares before and after a change."""
    return {
        "title": window.title,
        "description": window.description,
        "global": window.is_global,
        "timezone": window.zone,
        "start": window.start_local.isoformat(),
        "durationSeconds": window.duration_seconds,
        "rrule": window.rrule,
        "autoStart": window.auto_start,
        "autoEnd": window.auto_end,
        "endBehavior": window.end_behavior,
        "exceptions": list(window.exceptions),
        "reminders": list(window.reminders),
        "externalRef": window.external_ref,
        "externalLink": window.external_link,
    }


_WIRE_NAMES = {
    "routing_keys": "routingKeys",
    "is_global": "global",
    "exceptions": "exceptions",
    "end_behavior": "endBehavior",
}


def _wire_names(names: set[str]) -> list[str]:
    return [_WIRE_NAMES.get(name, name) for name in names]


def _utc(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC"
