"""The registry of timer kinds the engine knows, and the worker that runs them.

Each feature that schedules timers (paging steps, deliveries, maintenance windows, reminders
...) exports its handlers, and they are gathered here.
"""

from sqlalchemy.orm import Session, sessionmaker

from vigil.engine.worker import Handler, Worker
from vigil.maintenance.automation import HANDLERS as MAINTENANCE_HANDLERS
from vigil.notify.dispatch import HANDLERS as DELIVERY_HANDLERS
from vigil.paging.escalation import HANDLERS as PAGING_HANDLERS
from vigil.statuspages.subscribers import HANDLERS as STATUS_PAGE_HANDLERS

HANDLERS: dict[str, Handler] = {
    **PAGING_HANDLERS,
    **DELIVERY_HANDLERS,
    **MAINTENANCE_HANDLERS,
    **STATUS_PAGE_HANDLERS,
}


def build_worker(sessions: sessionmaker[Session]) -> Worker:
    return Worker(sessions, HANDLERS)
