"""Muting decisions: which routing keys a maintenance mode silences at a given moment.

A key is muted while any mode covers it: a mode naming it, or a global mode. Overlapping modes
on one key need no bookkeeping, since the question is always "is there at least one".
"""

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import and_, bindparam, null, or_, select, union_all
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import BindParameter, CompoundSelect

from vigil.db import UTCDateTime
from vigil.maintenance.models import MaintenanceMode, MaintenanceModeKey

_AT: BindParameter[datetime] = bindparam("at", type_=UTCDateTime())
_ACTIVE_AT = and_(
    MaintenanceMode.started_at <= _AT,
    or_(MaintenanceMode.ended_at.is_(None), MaintenanceMode.ended_at > _AT),
)
# Two index-driven halves: the asked keys' rows (few) with their modes, and the global modes.
_MUTING: CompoundSelect[tuple[str | None]] = union_all(
    select(MaintenanceModeKey.name)
    .join(MaintenanceMode, MaintenanceMode.id == MaintenanceModeKey.mode_id)
    .where(
        MaintenanceModeKey.org_id == bindparam("org_id"),
        MaintenanceModeKey.name.in_(bindparam("names", expanding=True)),
        _ACTIVE_AT,
    ),
    select(null()).where(
        MaintenanceMode.org_id == bindparam("org_id"), MaintenanceMode.is_global, _ACTIVE_AT
    ),
)


def muted_routing_keys(
    session: Session, org_id: int, names: Iterable[str], at: datetime
) -> set[str]:
    """Which of these routing key names are muted at `at`: those a maintenance mode active at
    `at` names, or all of them while a global mode is active. One query.

    Names are compared as given: pass the key an incident is opened on (the default key's
    name, "default", when an alert's key names no routing key and the default stands in).
    A mode covers [started_at, ended_at): ended at `at`, it no longer mutes at `at`.
    """
    wanted = set(names)
    if not wanted:
        return set()
    params = {"org_id": org_id, "names": list(wanted), "at": at}
    found: set[str | None] = set(session.scalars(_MUTING, params))
    if None in found:  # a global mode
        return wanted
    return {name for name in found if name is not None}
