"""The worker loop: claim a due timer, run its handler, delete it, all in one transaction.

On PostgreSQL any number of workers share the table: a claim skips rows another worker holds
(`FOR UPDATE SKIP LOCKED`), and a worker that dies mid-run rolls back, leaving its timer due
for the next one. On SQLite one in-process worker runs and the claim's DELETE takes the write
lock. A failing handler never loses its timer: the timer comes back later with a backoff.
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
from vigil.db import transaction
from vigil.engine.models import Timer

Handler = Callable[[Session, Timer], None]
"""Does a timer's work inside the claiming transaction; raising rolls all of it back.

The timer is already deleted in that transaction: to run again, schedule anew (its key is free).
"""

log = logging.getLogger("vigil.engine")

FIRST_BACKOFF = timedelta(seconds=1)
MAX_ERROR_CHARS = 2000
MAX_OUTAGE_PAUSE = 30.0


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
        max_backoff: timedelta = timedelta(minutes=5),
    ) -> None:
        if batch < 1:
            raise ValueError("batch must be at least 1")
        self._sessions = sessions
        self._handlers = handlers
        self._batch = batch
        self._max_backoff = max_backoff

    def run_due(self, now: datetime | None = None) -> int:
        """Run timers due at `now` (default: the clock, read before each claim so that work a
        handler asks for at once runs in the same cycle), up to a batch; returns how many ran."""
        if not self._handlers:
            return 0
        ran = 0
        for _ in range(self._batch):
            outcome = self._run_one(now or clock.now())
            if outcome is None:
                break
            ran += 1 if outcome else 0
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

    def _run_one(self, now: datetime) -> bool | None:
        """Claim, run and delete one due timer; None when none is due, False when it failed."""
        with self._sessions() as session:
            session.begin()
            timer = _claim(session, now, self._handlers.keys())
            if timer is None:
                session.rollback()
                return None
            claimed = _Claimed.of(timer)
            try:
                self._handlers[timer.kind](session, timer)
                session.commit()
            except Exception as error:
                session.rollback()
                self._retry_later(claimed, error, now)
                return False
        log.info("timer ran", extra={**claimed.fields(), "attempts": claimed.attempts})
        return True

    def _retry_later(self, claimed: _Claimed, error: Exception, now: datetime) -> None:
        """Count the failure and push the timer back, unless another worker has it meanwhile."""
        retry_at = now + self._backoff(claimed.attempts)
        text = f"{type(error).__name__}: {error}"[:MAX_ERROR_CHARS]
        with transaction(self._sessions) as session:
            query = (
                select(Timer)
                .where(Timer.id == claimed.id, Timer.attempts == claimed.attempts)
                .with_for_update(skip_locked=True)
            )
            timer = session.scalars(query).one_or_none()
            if timer is not None:
                timer.attempts = claimed.attempts + 1
                timer.last_error = text
                timer.due_at = retry_at
        fields = {**claimed.fields(), "attempts": claimed.attempts + 1, "retry_at": retry_at}
        log.warning("timer failed", extra={**fields, "error": text}, exc_info=error)

    def _backoff(self, attempts: int) -> timedelta:
        """1s, 2s, 4s ... capped by max_backoff (the exponent is bounded first)."""
        return min(FIRST_BACKOFF * (1 << min(attempts, 40)), self._max_backoff)


def _claim(session: Session, now: datetime, kinds: Iterable[str]) -> Timer | None:
    """Delete the soonest due timer nobody else holds and return it, detached from the session.

    One statement claims and deletes, so SQLite (where FOR UPDATE renders as nothing) cannot
    interleave a second writer; on PostgreSQL the row stays locked until commit or rollback.
    """
    soonest = (
        select(Timer.id)
        .where(Timer.due_at <= now, Timer.kind.in_(list(kinds)))
        .order_by(Timer.due_at, Timer.id)
        .limit(1)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    statement = delete(Timer).where(Timer.id == soonest).returning(Timer)
    timer = session.scalars(statement, execution_options={"synchronize_session": False}).first()
    if timer is not None:
        session.expunge(timer)
    return timer
