"""Durable timers: rows the engine runs once they are due (see `vigil.engine.worker`).

Domain packages ask for later work by scheduling a timer in their own transaction, so the
request and the change that caused it commit (or roll back) together.
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from vigil import clock
from vigil.db import table_of
from vigil.engine.models import Timer


def schedule(
    session: Session,
    org_id: int,
    kind: str,
    due_at: datetime,
    payload: dict[str, Any] | None = None,
    key: str | None = None,
) -> Timer:
    """Add a timer, or move the pending timer with the same `key` (at most one per key).

    A moved timer is a fresh request: its kind and payload are replaced and its failed attempts
    forgotten. Two transactions adding the same new key at once: the unique constraint lets one
    commit and the other fails with IntegrityError.
    """
    existing = _locked_by_key(session, key) if key is not None else None
    if existing is None:
        return _add(session, org_id, kind, due_at, payload, key)
    if existing.org_id != org_id:
        raise ValueError(f"timer key {key!r} belongs to another organization")
    existing.kind = kind
    existing.due_at = due_at
    existing.payload = payload or {}
    existing.attempts = 0
    existing.last_error = None
    session.flush()
    return existing


_INSERT = insert(table_of(Timer))


def add_new(
    session: Session, org_id: int, kind: str, due_at: datetime, payload: dict[str, Any], key: str
) -> None:
    """Insert a timer whose key cannot exist yet (its subject was created in this transaction)."""
    add_new_many(session, org_id, kind, [(due_at, payload, key)])


def add_new_many(
    session: Session,
    org_id: int,
    kind: str,
    timers: Sequence[tuple[datetime, dict[str, Any], str]],
) -> None:
    """Insert timers (due at, payload, key) whose keys cannot exist yet, in one statement and
    with no ORM objects: for hot paths such as opening incidents."""
    if not timers:
        return
    created_at = clock.now()
    session.connection().execute(
        _INSERT,
        [
            {
                "org_id": org_id,
                "kind": kind,
                "key": key,
                "due_at": due_at,
                "payload": payload,
                "attempts": 0,
                "created_at": created_at,
            }
            for due_at, payload, key in timers
        ],
    )


def cancel(session: Session, key: str) -> bool:
    """Remove the pending timer with this key; False when there is none (or it already ran)."""
    removed = session.scalars(delete(Timer).where(Timer.key == key).returning(Timer.id)).all()
    return bool(removed)


def pending(session: Session, org_id: int, kind: str | None = None) -> list[Timer]:
    """An organization's timers not yet run, soonest first."""
    query = select(Timer).where(Timer.org_id == org_id)
    if kind is not None:
        query = query.where(Timer.kind == kind)
    return list(session.scalars(query.order_by(Timer.due_at, Timer.id)))


def _locked_by_key(session: Session, key: str) -> Timer | None:
    """The row lock makes a move wait for a worker running the timer, then see it gone."""
    query = select(Timer).where(Timer.key == key).with_for_update()
    return session.scalars(query).one_or_none()


def _add(
    session: Session,
    org_id: int,
    kind: str,
    due_at: datetime,
    payload: dict[str, Any] | None,
    key: str | None,
) -> Timer:
    timer = Timer(
        org_id=org_id,
        kind=kind,
        key=key,
        due_at=due_at,
        payload=payload or {},
        attempts=0,
        created_at=clock.now(),
    )
    session.add(timer)
    session.flush()
    return timer
