"""Muting decisions: which routing keys a maintenance mode silences at a given moment.

A key is muted while any mode covers it: a mode naming it, or a global mode. Overlapping modes
on one key need no bookkeeping, since the question is always "is there at least one". A mode
opened by a window with exceptions (`vigil.maintenance.exceptions`) lets the alerts matching
them page.
"""

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, null, or_, select, union_all
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import BindParameter, CompoundSelect

from vigil.db import UTCDateTime
from vigil.maintenance.exceptions import Muting, PagingException
from vigil.maintenance.models import MaintenanceMode, MaintenanceModeKey

_AT: BindParameter[datetime] = bindparam("at", type_=UTCDateTime())
_ACTIVE_AT = and_(
    MaintenanceMode.started_at <= _AT,
    or_(MaintenanceMode.ended_at.is_(None), MaintenanceMode.ended_at > _AT),
)
# Two index-driven halves: the asked keys' rows (few) with their modes, and the global modes.
_MUTING: CompoundSelect[tuple[str | None, list[dict[str, Any]] | None]] = union_all(
    select(MaintenanceModeKey.name, MaintenanceMode.exceptions)
    .join(MaintenanceMode, MaintenanceMode.id == MaintenanceModeKey.mode_id)
    .where(
        MaintenanceModeKey.org_id == bindparam("org_id"),
        MaintenanceModeKey.name.in_(bindparam("names", expanding=True)),
        _ACTIVE_AT,
    ),
    select(null(), MaintenanceMode.exceptions).where(
        MaintenanceMode.org_id == bindparam("org_id"), MaintenanceMode.is_global, _ACTIVE_AT
    ),
)


def mutings(session: Session, org_id: int, names: Iterable[str], at: datetime) -> dict[str, Muting]:
    """The muted ones of these routing key names at `at`, each with the modes covering it: a
    mode active at `at` naming it, or a global one. One query.

    Names are compared as given: pass the key an incident is opened on (the default key's
    name, "default", when an alert's key names no routing key and the default stands in).
    A mode covers [started_at, ended_at): ended at `at`, it no longer mutes at `at`.
    """
    wanted = set(names)
    if not wanted:
        return {}
    params = {"org_id": org_id, "names": list(wanted), "at": at}
    covering: dict[str | None, list[tuple[PagingException, ...]]] = {}
    for name, exceptions in session.execute(_MUTING, params):
        covering.setdefault(name, []).append(_rules(exceptions))
    everywhere = covering.pop(None, [])
    return {
        name: Muting(tuple(covering.get(name, []) + everywhere))
        for name in wanted
        if name in covering or everywhere
    }


def muted_routing_keys(
    session: Session, org_id: int, names: Iterable[str], at: datetime
) -> set[str]:
    """Which of these routing key names any mode covers at `at` (exceptions aside)."""
    return set(mutings(session, org_id, names, at))


def _rules(stored: Sequence[dict[str, Any]] | None) -> tuple[PagingException, ...]:
    return tuple(PagingException.from_json(rule) for rule in stored or ())
