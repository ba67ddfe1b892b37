"""The registry of timer kinds the engine knows, and the worker that runs them.

Empty for now: each feature that schedules timers (paging steps, maintenance windows,
reminders ...) adds its kinds here, as `HANDLERS["kind"] = handler`.
"""

from sqlalchemy.orm import Session, sessionmaker

from vigil.engine.worker import Handler, Worker

HANDLERS: dict[str, Handler] = {}


def build_worker(sessions: sessionmaker[Session]) -> Worker:
    return Worker(sessions, HANDLERS)
