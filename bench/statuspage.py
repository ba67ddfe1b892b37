"""The public status page's data for the benchmark: one page with 50 components in 5 groups and
1,000 past maintenance windows on them (plus one in progress and a few to come), written
straight into the database as the engine would have left them."""

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select

from bench.history import org_id_of
from vigil.db import make_engine, make_session_factory, transaction
from vigil.maintenance.models import MaintenanceOccurrence, MaintenanceWindow
from vigil.maintenance.recurrence import Schedule
from vigil.maintenance.windows import WindowSpec, create_window, new_window_key, start_window
from vigil.statuspages import components, pages
from vigil.statuspages.components import ComponentFields
from vigil.statuspages.models import Component, WindowComponent
from vigil.statuspages.pages import PageFields

COMPONENTS = 50
GROUPS = 5
PAST_WINDOWS = 1_000
SUBDOMAIN = "bench"


def seed_status_page(database_url: str, api_id: str) -> str:
    """Once per database; returns the page's subdomain."""
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    org_id = org_id_of(engine, api_id)
    now = datetime.now(UTC)
    with transaction(sessions) as session:
        page = pages.create_page(
            session,
            org_id,
            PageFields(name="Bench", subdomain=SUBDOMAIN, zone="Europe/Paris"),
            at=now,
        )
        for n in range(COMPONENTS):
            components.create_component(
                session,
                page,
                ComponentFields(name=f"Component {n}", group=f"Group {n % GROUPS}"),
                at=now,
            )
        ids = list(session.scalars(select(Component.id).where(Component.page_id == page.id)))
        _past_windows(session, org_id, ids, now)
        keys = [c.key for c, _ in components.list_components(session, page)]
        for hours, started in ((-1, True), (24, False), (72, False), (240, False)):
            start = (now + timedelta(hours=hours)).replace(tzinfo=None, microsecond=0)
            made = create_window(
                session,
                org_id,
                WindowSpec(
                    title=f"Planned work {hours}",
                    schedule=Schedule(start=start, zone="UTC", duration=timedelta(hours=2)),
                    mutes_paging=False,
                ),
                actor="bench",
                at=now,
            )
            components.set_window_components(
                session, made.window, page, {key: "UNDERMAINTENANCE" for key in keys[:3]}
            )
            if started:
                start_window(session, org_id, made.window.key, actor="bench", at=now)
    engine.dispose()
    return SUBDOMAIN


def _past_windows(session: Any, org_id: int, component_ids: list[int], now: datetime) -> None:
    """PAST_WINDOWS completed one-off windows, one a day going back, each on two components."""
    windows: list[dict[str, Any]] = []
    for n in range(PAST_WINDOWS):
        start = now - timedelta(days=n + 1)
        windows.append(
            {
                "org_id": org_id,
                "key": new_window_key(),
                "title": f"Past maintenance {n}",
                "description": "Routine work",
                "is_global": False,
                "mutes_paging": False,
                "zone": "UTC",
                "start_local": start.replace(tzinfo=None),
                "duration_seconds": 3600,
                "auto_start": True,
                "auto_end": True,
                "end_behavior": "none",
                "exceptions": [],
                "reminders": [],
                "created_by": "bench",
                "created_at": start,
                "updated_at": start,
                "schedule_revision": 0,
                "index_base": 0,
            }
        )
    ids = list(session.scalars(insert(MaintenanceWindow).returning(MaintenanceWindow.id), windows))
    session.execute(
        insert(MaintenanceOccurrence),
        [
            {
                "org_id": org_id,
                "window_id": window_id,
                "index": 0,
                "status": "completed",
                "outcome": "succeeded",
                "planned_start": row["created_at"],
                "planned_end": row["created_at"] + timedelta(hours=1),
                "actual_start": row["created_at"],
                "actual_end": row["created_at"] + timedelta(hours=1),
                "sequence": 0,
            }
            for window_id, row in zip(ids, windows, strict=True)
        ],
    )
    session.execute(
        insert(WindowComponent),
        [
            {
                "org_id": org_id,
                "window_id": window_id,
                "component_id": component_ids[(n + k) % len(component_ids)],
                "status": "UNDERMAINTENANCE",
            }
            for n, window_id in enumerate(ids)
            for k in (0, 7)
        ],
    )
