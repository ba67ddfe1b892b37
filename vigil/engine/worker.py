"""The worker loop: claim due timers (deleting them), run their handlers, all in one transaction.

On PostgreSQL any number of workers share the table: a claim skips rows another worker holds
(`FOR UPDATE SKIP LOCKED`), and a worker that dies mid-run rolls back, leaving its timer due
for the next one. On SQLite one in-process worker runs and the claim's DELETE takes the write
lock. Each handler runs in a savepoint: a failing one rolls back only its own writes, and its
timer comes back later with a backoff, never lost.
A worker claims only the kinds it has handlers for, so timers written for a capability this
worker does not run (yet) wait for one that does.
"""

import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from vigil import clock
from vigil.engine.models import Timer

Handler = Callable[[Session, Timer], None]
"""Does a timer's work inside the claiming transaction; raising rolls back what it wrote.

The timer is already deleted in that transaction: to run again, schedule anew (its key is free).
"""

log = logging.getLogger("vigil.engine")

FIRST_BACKOFF = timedelta(seconds=1)
MAX_ERROR_CHARS = 2000
MAX_OUTAGE_PAUSE = 30.0
CLAIM = 10
"""Timers claimed and run in one transaction: fewer commits, while SQLite's one write lock is
never held long."""


@dataclass(frozen=True)
class _Claimed:
    """What a failed run needs to know about its timer once the claim is rolled back."""

    id: int
    org_id: int
    kind: str
    attempts: int

    @classmethod
    def of(cls, timer: Timer) -> "_Claimed":
        return cls(timer.id, timer.org_id, timer.kind, timer.attempts)

    def fields(self) -> dict[str, Any]:
        return {"timer_id": self.id, "org_id": self.org_id, "timer_kind": self.kind}


class Worker:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        handlers: Mapping[str, Handler],
        *,
        batch: int = 100,
        claim: int = CLAIM,
        max_backoff: timedelta = timedelta(minutes=5),
    ) -> None:
        if batch < 1 or claim < 1:
            raise ValueError("batch and claim must be at least 1")
        self._sessions = sessions
        self._handlers = handlers
        self._batch = batch
        self._claim = claim
        self._max_backoff = max_backoff

    def run_due(self, now: datetime | None = None) -> int:
        """Run timers due at `now` (default: the clock, read before each claim so that work a
        handler asks for at once runs in the same cycle), up to a batch; returns how many ran."""
        if not self._handlers:
            return 0
        ran = 0
        while ran < self._batch:
            outcome = self._run_claimed(now or clock.now(), min(self._claim, self._batch - ran))
            if outcome is None:
                break
            ran += outcome
        return ran

    def run_forever(self, stop: threading.Event, poll_seconds: float = 0.2) -> None:
        """Run due timers until `stop` is set, riding out database outages."""
        log.info("worker started", extra={"batch": self._batch, "poll_seconds": poll_seconds})
        outages = 0
        while not stop.is_set():
            try:
                ran = self.run_due()
            except Exception:
                outages += 1
                pause = min(poll_seconds * (1 << min(outages, 20)), MAX_OUTAGE_PAUSE)
                log.exception("worker cycle failed", extra={"retry_in_seconds": pause})
                stop.wait(pause)
                continue
            outages = 0
            if ran < self._batch:
                stop.wait(poll_seconds)
        log.info("worker stopped")

    def _run_claimed(self, now: datetime, limit: int) -> int | None:
        """Claim up to `limit` due timers and run each in a savepoint of one transaction; how
        many succeeded, or None when none was due. A failed handler's writes are rolled back to
        its savepoint and its timer is put back for later, with a backoff."""
        with self._sessions() as session:
            session.begin()
            claimed = _claim(session, now, self._handlers.keys(), limit)
            if not claimed:
                session.rollback()
                return None
            succeeded = 0
            for timer in claimed:
                try:
                    with session.begin_nested():
                        self._handlers[timer.kind](session, timer)
                except Exception as error:
                    self._put_back(session, timer, error, now)
                else:
                    succeeded += 1
            session.commit()
        log.info("timers ran", extra={"ran": succeeded, "failed": len(claimed) - succeeded})
        return succeeded

    def _put_back(self, session: Session, timer: Timer, error: Exception, now: datetime) -> None:
        """The claimed timer again, one failure more and due after the backoff."""
        text = f"{type(error).__name__}: {error}"[:MAX_ERROR_CHARS]
        retry_at = now + self._backoff(timer.attempts)
        session.add(
            Timer(
                id=timer.id,
                org_id=timer.org_id,
                kind=timer.kind,
                key=timer.key,
                subject=timer.subject,
                due_at=retry_at,
                payload=timer.payload,
                attempts=timer.attempts + 1,
                last_error=text,
                created_at=timer.created_at,
            )
        )
        session.flush()
        fields = {**_Claimed.of(timer).fields(), "attempts": timer.attempts + 1}
        log.warning(
            "timer failed", extra={**fields, "error": text, "retry_at": retry_at}, exc_info=error
        )

    def _backoff(self, attempts: int) -> timedelta:
        """1s, 2s, 4s ... capped by max_backoff (the exponent is bounded first)."""
        return min(FIRST_BACKOFF * (1 << min(attempts, 40)), self._max_backoff)


def _claim(session: Session, now: datetime, kinds: Iterable[str], limit: int) -> list[Timer]:
    """Delete up to `limit` of the soonest due timers nobody else holds and return them, soonest
    first, detached from the session.

    One statement claims and deletes, so SQLite (where FOR UPDATE renders as nothing) cannot
    interleave a second writer; on PostgreSQL the rows stay locked until commit or rollback.
    """
    soonest = (
        select(Timer.id)
        .where(Timer.due_at <= now, Timer.kind.in_(list(kinds)))
        .order_by(Timer.due_at, Timer.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    statement = delete(Timer).where(Timer.id.in_(soonest)).returning(Timer)
    found = session.scalars(statement, execution_options={"synchronize_session": False}).all()
    for timer in found:
        session.expunge(timer)
    return sorted(found, key=lambda timer: (timer.due_at, timer.id))
