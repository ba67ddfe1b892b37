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
from vigil.db import dialect_insert, table_of
from vigil.engine.models import Timer


def schedule(
    session: Session,
    org_id: int,
    kind: str,
    due_at: datetime,
    payload: dict[str, Any] | None = None,
    key: str | None = None,
    subject: str | None = None,
) -> Timer:
    """Add a timer, or move the pending timer with the same `key` (at most one per key).

    A moved timer is a fresh request: its kind and payload are replaced and its failed attempts
    forgotten. Two transactions adding the same new key at once: the unique constraint lets one
    commit and the other fails with IntegrityError.
    """
    existing = _locked_by_key(session, key) if key is not None else None
    if existing is None:
        return _add(session, org_id, kind, due_at, payload, key, subject)
    if existing.org_id != org_id:
        raise ValueError(f"timer key {key!r} belongs to another organization")
    existing.kind = kind
    existing.due_at = due_at
    existing.payload = payload or {}
    existing.subject = subject
    existing.attempts = 0
    existing.last_error = None
    session.flush()
    return existing


_INSERT = insert(table_of(Timer))


def add_new_many(
    session: Session,
    org_id: int,
    kind: str,
    timers: Sequence[tuple[datetime, dict[str, Any], str, str | None]],
) -> None:
    """Insert timers (due at, payload, key, subject) whose keys cannot exist yet (their subject
    was created in this transaction), in one statement with no ORM objects: for hot paths such
    as opening incidents."""
    if timers:
        rows = _rows(org_id, [(kind, *timer) for timer in timers])
        session.connection().execute(_INSERT, rows)


def put_many(
    session: Session,
    org_id: int,
    timers: Sequence[tuple[str, datetime, dict[str, Any], str, str | None]],
) -> None:
    """Add or move timers (kind, due at, payload, key, subject) by key, in one statement: what
    `schedule` does for one key, without its read and ORM object (for the paging engine).
    A move waits for a worker running that timer, then adds it anew."""
    if not timers:
        return
    statement = dialect_insert(session, table_of(Timer))
    statement = statement.on_conflict_do_update(
        index_elements=["key"],
        set_={
            "kind": statement.excluded.kind,
            "due_at": statement.excluded.due_at,
            "payload": statement.excluded.payload,
            "subject": statement.excluded.subject,
            "attempts": 0,
            "last_error": None,
        },
    )
    session.connection().execute(statement, _rows(org_id, timers))


def _rows(
    org_id: int, timers: Sequence[tuple[str, datetime, dict[str, Any], str, str | None]]
) -> list[dict[str, Any]]:
    created_at = clock.now()
    return [
        {
            "org_id": org_id,
            "kind": kind,
            "key": key,
            "subject": subject,
            "due_at": due_at,
            "payload": payload,
            "attempts": 0,
            "created_at": created_at,
        }
        for kind, due_at, payload, key, subject in timers
    ]


def cancel(session: Session, key: str) -> bool:
    """Remove the pending timer with this key; False when there is none (or it already ran)."""
    removed = session.scalars(delete(Timer).where(Timer.key == key).returning(Timer.id)).all()
    return bool(removed)


def cancel_subjects(session: Session, subjects: Sequence[str]) -> int:
    """Remove the pending timers about any of `subjects`; returns how many."""
    statement = delete(Timer).where(Timer.subject.in_(subjects))
    removed = session.execute(statement, execution_options={"synchronize_session": False})
    return int(removed.rowcount)  # type: ignore[attr-defined]


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
    subject: str | None,
) -> Timer:
    timer = Timer(
        org_id=org_id,
        kind=kind,
        key=key,
        subject=subject,
        due_at=due_at,
        payload=payload or {},
        attempts=0,
        created_at=clock.now(),
    )
    session.add(timer)
    session.flush()
    return timer
