"""Maintenance modes: start, end and list them. This module is the only writer of modes.

A mode mutes its routing keys (or, global, every key) from its start until its end: incidents
opened on a muted key are recorded but page no one (see `vigil.maintenance.muting`). Ending a
mode deals with the incidents it left muted and still triggered, on keys no other mode still
covers, as the mode's `end_behavior` says: `repage` (page them again from the first escalation
step, as VictorOps does), `digest` (no paging: the end message to the on-call lists every
incident opened muted during the mode, with its phase now) or `none`.
The on-call users are e-mailed when a mode starts and when it ends.
"""

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, insert, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import ColumnElement

from vigil.alerts.models import RoutingKey
from vigil.alerts.routing_keys import DEFAULT_ROUTING_KEY, paging_of
from vigil.config import get_settings
from vigil.errors import Conflict, Invalid, NotFound
from vigil.identifiers import random_alnum
from vigil.incidents import service as incidents
from vigil.incidents.models import Incident
from vigil.maintenance.models import END_BEHAVIORS, MaintenanceMode, MaintenanceModeKey
from vigil.maintenance.muting import muted_routing_keys
from vigil.notify.dispatch import request_delivery
from vigil.notify.message import Notification
from vigil.oncall.schedules import on_call_now
from vigil.orgs.models import Organization
from vigil.people.models import User

MAX_PURPOSE_CHARS = 10_000


class GlobalModeActive(Conflict):
    """A global maintenance mode is already active (VictorOps answers 409)."""


class ModeLimitReached(Conflict):
    """The organization has as many active modes as it may (VictorOps answers 420)."""


@dataclass
class ActiveMode:
    """An active mode with the routing key names it mutes (none when global)."""

    mode: MaintenanceMode
    names: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ModeState:
    """What `GET /maintenancemode` shows: the organization's id and its active modes, oldest
    first."""

    company_id: str
    active: list[ActiveMode]


def new_instance_id() -> str:
    """A VictorOps-style instance id, `mm-` and 32 letters and digits."""
    return f"mm-{random_alnum(32)}"


def state(session: Session, org_id: int) -> ModeState:
    """The organization's id and active modes with their keys, in one query."""
    rows = session.execute(
        select(Organization.api_id, MaintenanceMode, MaintenanceModeKey.name)
        .select_from(Organization)
        .outerjoin(
            MaintenanceMode,
            and_(MaintenanceMode.org_id == Organization.id, MaintenanceMode.ended_at.is_(None)),
        )
        .outerjoin(MaintenanceModeKey, MaintenanceModeKey.mode_id == MaintenanceMode.id)
        .where(Organization.id == org_id)
        .order_by(MaintenanceMode.started_at, MaintenanceMode.id, MaintenanceModeKey.id)
    ).all()
    if not rows:
        raise NotFound(f"No organization {org_id}")
    active: dict[int, ActiveMode] = {}
    for _, mode, name in rows:
        if mode is None:
            continue
        found = active.setdefault(mode.id, ActiveMode(mode))
        if name is not None:
            found.names.append(name)
    return ModeState(rows[0][0], list(active.values()))


def start_mode(
    session: Session,
    org_id: int,
    *,
    names: Sequence[str],
    purpose: str,
    started_by: str,
    at: datetime,
    end_behavior: str = "repage",
    window_id: int | None = None,
    exceptions: list[dict[str, Any]] | None = None,
    notify_on_call: bool = True,
) -> MaintenanceMode:
    """Mute routing keys `names` (every key when empty: a global mode) from `at` on.

    Raises Invalid for an unknown routing key or end behaviour, GlobalModeActive when `names`
    is empty and a global mode is already active, ModeLimitReached when the organization has
    `maintenance_mode_limit` active modes (modes opened by windows, `window_id`, are exempt
    from these three). E-mails the on-call users unless `notify_on_call`
    is False (a window tells its own recipients). `exceptions`: stored rules of alerts that
    still page (`vigil.maintenance.exceptions`).
    """
    if end_behavior not in END_BEHAVIORS:
        raise Invalid(
            f"Unknown end behavior {end_behavior!r}; expected one of {', '.join(END_BEHAVIORS)}"
        )
    if len(purpose) > MAX_PURPOSE_CHARS:
        raise Invalid(f"The purpose is longer than {MAX_PURPOSE_CHARS} characters")
    wanted = list(dict.fromkeys(name.strip() for name in names))
    if window_id is None:
        _check_allowed(session, org_id, wanted)
    mode = MaintenanceMode(
        org_id=org_id,
        instance_id=new_instance_id(),
        is_global=not wanted,
        purpose=purpose,
        started_by=started_by,
        started_at=at,
        end_behavior=end_behavior,
        window_id=window_id,
        exceptions=exceptions,
    )
    session.add(mode)
    session.flush()
    if wanted:  # one statement however many keys
        session.execute(
            insert(MaintenanceModeKey),
            [{"org_id": org_id, "mode_id": mode.id, "name": name} for name in wanted],
        )
    if not notify_on_call:
        return mode
    scope = "all routing keys" if not wanted else "routing keys " + ", ".join(wanted)
    _tell_on_call(
        session,
        org_id,
        at,
        f"[Vigil] Maintenance mode started: {purpose or scope}",
        [
            f"{started_by} started maintenance mode {mode.instance_id} at {at:%Y-%m-%d %H:%M} UTC.",
            f"Muted: {scope}. Alerts on them open incidents that page no one.",
            *([f"Purpose: {purpose}"] if purpose else []),
        ],
    )
    return mode


def _check_allowed(session: Session, org_id: int, wanted: Sequence[str]) -> None:
    """VictorOps' rules for modes started by hand: known keys, one global mode, a limit. A
    window's mode is exempt: the window was checked when made, and a start on schedule must not
    fail because of what people started meanwhile."""
    check_known_keys(session, org_id, wanted)
    active = session.scalars(
        select(MaintenanceMode.is_global).where(
            MaintenanceMode.org_id == org_id,
            MaintenanceMode.ended_at.is_(None),
            MaintenanceMode.window_id.is_(None),
        )
    ).all()
    if not wanted and any(active):
        raise GlobalModeActive("A global maintenance mode is already active")
    limit = get_settings().maintenance_mode_limit
    if len(active) >= limit:
        raise ModeLimitReached(
            f"The limit of {limit} active maintenance modes is reached; end one first"
        )


def end_mode(
    session: Session,
    org_id: int,
    instance_id: str,
    *,
    ended_by: str,
    at: datetime,
    notify_on_call: bool = True,
) -> MaintenanceMode:
    """End an active mode at `at` and act on the incidents it left muted (see the module).

    Raises NotFound when no active mode has this instance id. E-mails the on-call users (with
    the digest, if that is the end behaviour) unless `notify_on_call` is False (a window tells
    its own recipients, digest included).
    """
    mode = session.scalars(
        select(MaintenanceMode).where(
            MaintenanceMode.org_id == org_id, MaintenanceMode.instance_id == instance_id
        )
    ).one_or_none()
    if mode is None or mode.ended_at is not None:
        raise NotFound(f"No active maintenance mode {instance_id}")
    ended_at = max(at, mode.started_at)
    ended = session.execute(
        update(MaintenanceMode)
        .where(MaintenanceMode.id == mode.id, MaintenanceMode.ended_at.is_(None))
        .values(ended_at=ended_at, ended_by=ended_by)
        .returning(MaintenanceMode.id),
        execution_options={"synchronize_session": False},
    ).first()
    if ended is None:
        raise NotFound(f"No active maintenance mode {instance_id}")
    session.refresh(mode)
    names = mode_keys(session, mode.id)
    repaged = 0
    if mode.end_behavior == "repage":
        left = left_muted(session, mode, names, ended_at)
        repaged = sum(incidents.repage(session, i, ended_at, message=_why(mode)) for i in left)
    if not notify_on_call:  # the digest is the window's to send (`vigil.maintenance.notices`)
        return mode
    lines = [f"{ended_by} ended maintenance mode {instance_id} at {ended_at:%Y-%m-%d %H:%M} UTC."]
    if repaged:
        lines.append(f"{repaged} incident(s) still triggered are paged again.")
    elif mode.end_behavior == "digest":
        fired = fired_during(session, mode, names)
        if fired:
            lines += ["", "Incidents opened muted during maintenance (not paged):"]
            lines += [digest_line(i) for i in fired]
    scope = "all routing keys" if mode.is_global else "routing keys " + ", ".join(names)
    _tell_on_call(
        session,
        org_id,
        ended_at,
        f"[Vigil] Maintenance mode ended: {mode.purpose or scope}",
        [*lines[:1], f"Paging resumes on {scope}.", *lines[1:]],
    )
    return mode


def mode_keys(session: Session, mode_id: int) -> list[str]:
    """The routing key names a mode mutes, in the order given (none when global)."""
    return list(
        session.scalars(
            select(MaintenanceModeKey.name)
            .where(MaintenanceModeKey.mode_id == mode_id)
            .order_by(MaintenanceModeKey.id)
        )
    )


def left_muted(
    session: Session, mode: MaintenanceMode, names: Sequence[str], at: datetime
) -> list[Incident]:
    """The incidents still triggered and muted on the keys of `mode` (any key if global) that
    no other mode covers at `at`, oldest first. Three queries at most."""
    query = select(Incident).where(
        Incident.org_id == mode.org_id, Incident.phase == "triggered", Incident.muted
    )
    found = list(session.scalars(_on_keys(query, mode, names).order_by(Incident.number)))
    if not found:
        return []
    deciding = paging_of(session, mode.org_id, {i.routing_key for i in found})
    still = muted_routing_keys(session, mode.org_id, {p.key for p in deciding.values()}, at)
    return [i for i in found if deciding[i.routing_key].key not in still]


def fired_during(session: Session, mode: MaintenanceMode, names: Sequence[str]) -> list[Incident]:
    """The incidents opened muted on the keys of an ended `mode` (any key if global) while it
    was active, whatever their phase now, oldest first (what a digest lists)."""
    query = select(Incident).where(
        Incident.org_id == mode.org_id,
        Incident.muted,
        Incident.started_at >= mode.started_at,
        Incident.started_at < (mode.ended_at or mode.started_at),
    )
    return list(session.scalars(_on_keys(query, mode, names).order_by(Incident.number)))


def _on_keys(
    query: Select[Incident], mode: MaintenanceMode, names: Sequence[str]
) -> Select[Incident]:
    """Incidents on the mode's keys. Muting "default" covers incidents opened on a key that
    names no routing key (the default key stands in for it, as ingestion decides)."""
    if mode.is_global:
        return query
    on_keys: ColumnElement[bool] = Incident.routing_key.in_(names)
    if DEFAULT_ROUTING_KEY in names:
        existing = select(RoutingKey.name).where(RoutingKey.org_id == mode.org_id)
        on_keys = or_(on_keys, Incident.routing_key.not_in(existing))
    return query.where(on_keys)


def check_known_keys(session: Session, org_id: int, names: Sequence[str]) -> None:
    asked = [name for name in names if name != DEFAULT_ROUTING_KEY]
    if not asked:
        return
    known = set(
        session.scalars(
            select(RoutingKey.name).where(RoutingKey.org_id == org_id, RoutingKey.name.in_(asked))
        )
    )
    unknown = [name for name in asked if name not in known]
    if unknown:
        raise Invalid(f"Unknown routing key(s): {', '.join(unknown)}")


def _why(mode: MaintenanceMode) -> str:
    return f"Maintenance mode {mode.instance_id} ended: paged again from the first step"


def digest_line(incident: Incident) -> str:
    """An incident as a digest lists it."""
    summary = incident.entity_display_name or incident.entity_id
    return f"  #{incident.number} [{incident.routing_key}] {incident.phase}: {summary}"


def _tell_on_call(
    session: Session, org_id: int, at: datetime, subject: str, lines: Sequence[str]
) -> None:
    """E-mail everyone on call at `at`, once each."""
    notification = Notification(subject=subject, body="\n".join(lines), kind="maintenance")
    for user in on_call_people(session, org_id, at):
        request_delivery(
            session,
            org_id,
            channel="email",
            address=user.email,
            notification=notification,
            user_id=user.id,
        )


def on_call_people(
    session: Session, org_id: int, at: datetime, *, team_ids: Collection[int] | None = None
) -> list[User]:
    """Everyone on call at `at` in any team (or in those of `team_ids`), once each."""
    found: dict[int, User] = {}
    for team in on_call_now(session, org_id, at, team_ids=team_ids):
        for policy in team.policies:
            for user in policy.users:
                found.setdefault(user.id, user)
    return list(found.values())
