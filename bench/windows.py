"""Maintenance windows benchmark: how late the engine starts and ends windows on schedule.

With WINDOWS (10,000) windows stored, most of them planned days to weeks ahead (so the timers
table and maintenance_occurrences are large: a start, an end and two reminder timers each), a
subset (`--measured`, 300) is planned to start during the run at a steady rate (`--rate`, 10 per
second) and to end `--duration` seconds after it starts. The engine starts and ends them from
their timers; afterwards the maintenance_occurrences rows give, for each, actual_start -
planned_start and actual_end - planned_end. Printed: p50, p95, p99 and max of both, per
database (the issue's target: p99 under one second).

Every window is made through `vigil.maintenance.windows.create_window` (the background ones in
transactions of SEED_BATCH, short enough for SQLite's busy timeout while the engine polls), with
one routing key and no recipients, so no e-mail is sent. The clock is the real one. On SQLite
the engine runs inside `vigil serve`; on PostgreSQL one `vigil worker` process runs beside one
`vigil serve`, as in production.

    scripts/with-postgres .venv/bin/python -m bench.windows [--only sqlite|postgres]
"""

import argparse
import math
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bench.databases import postgres_database, postgres_version, sqlite_database
from bench.paging import engine_worker
from bench.server import machine_busy_seconds, vigil_server
from vigil.alerts.routing_keys import create_routing_key
from vigil.config import get_settings
from vigil.db import make_engine, make_session_factory, transaction
from vigil.engine.models import Timer
from vigil.maintenance.models import MaintenanceOccurrence, MaintenanceWindow
from vigil.maintenance.recurrence import Schedule, zone_info
from vigil.maintenance.windows import WindowSpec, create_window
from vigil.orgs.models import Organization

WINDOWS = 10_000  # stored in all, the measured ones included
ROUTING_KEYS = 100  # the windows' keys, `svc-0` ... (one per window, in turn)
SEED_BATCH = 500  # windows per transaction while seeding
ZONES = ("UTC", "Europe/Berlin", "America/New_York", "Asia/Tokyo")
WEEKLY_EVERY = 4  # one background window in 4 repeats weekly (a series: one stored occurrence)
REMINDERS = (60, 24 * 60)  # minutes before start: two more timers per background window
ACTOR = "bench"


@dataclass(frozen=True)
class Lateness:
    """Seconds each measured occurrence started and ended after it was planned to."""

    starts: list[float]
    ends: list[float]
    measured: int  # windows planned to start during the run


@dataclass(frozen=True)
class Seeded:
    windows: int
    timers: int
    occurrences: int
    seconds: float


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.windows", description=__doc__)
    parser.add_argument("--only", choices=["sqlite", "postgres"], help="one database only")
    parser.add_argument(
        "--windows", type=int, default=WINDOWS, help="windows stored in all (measured included)"
    )
    parser.add_argument(
        "--measured", type=int, default=300, help="windows planned to start during the run"
    )
    parser.add_argument("--rate", type=float, default=10.0, help="measured starts per second")
    parser.add_argument(
        "--duration", type=float, default=3.0, help="seconds each measured window lasts"
    )
    args = parser.parse_args(argv)
    if args.measured < 1 or args.rate <= 0 or args.duration <= 0:
        parser.error("--measured, --rate and --duration must be positive")
    if args.windows < args.measured:
        parser.error("--windows counts every window, the measured ones included")
    return args


def _org_id(session: Session, api_id: str) -> int:
    return session.scalars(select(Organization.id).where(Organization.api_id == api_id)).one()


def _spec(title: str, start_local: datetime, zone: str, seconds: float, key: str) -> WindowSpec:
    return WindowSpec(
        title=title,
        schedule=Schedule(start=start_local, zone=zone, duration=timedelta(seconds=seconds)),
        routing_keys=[key],
    )


def seed_background(sessions: sessionmaker[Session], api_id: str, count: int) -> float:
    """`count` windows planned 1 to 30 days ahead, some weekly, with reminders; returns the
    seconds one create_window took on average."""
    with transaction(sessions) as session:
        org_id = _org_id(session, api_id)
        for k in range(ROUTING_KEYS):
            create_routing_key(session, org_id, f"svc-{k}", [])
    began = time.perf_counter()
    spread = timedelta(days=29) / max(count, 1)
    for low in range(0, count, SEED_BATCH):
        with transaction(sessions) as session:
            now = datetime.now(UTC)
            for n in range(low, min(low + SEED_BATCH, count)):
                zone = ZONES[n % len(ZONES)]
                start = (now + timedelta(days=1) + n * spread).replace(microsecond=0)
                local = start.astimezone(zone_info(zone))
                spec = WindowSpec(
                    title=f"Planned maintenance {n}",
                    schedule=Schedule(
                        start=local.replace(tzinfo=None),
                        zone=zone,
                        duration=timedelta(hours=1 + n % 4),
                        rrule="FREQ=WEEKLY" if n % WEEKLY_EVERY == 0 else None,
                    ),
                    routing_keys=[f"svc-{n % ROUTING_KEYS}"],
                    reminders=REMINDERS,
                )
                create_window(session, org_id, spec, actor=ACTOR, at=now)
    return (time.perf_counter() - began) / max(count, 1)


def create_measured(
    sessions: sessionmaker[Session],
    api_id: str,
    count: int,
    rate: float,
    seconds: float,
    lead: float,
) -> tuple[list[int], datetime]:
    """`count` one-off windows starting `lead` seconds from now, `rate` per second, each lasting
    `seconds`, in one transaction; their ids, and when the first one is planned to start."""
    first = datetime.now(UTC) + timedelta(seconds=lead)
    ids = []
    with transaction(sessions) as session:
        org_id = _org_id(session, api_id)
        now = datetime.now(UTC)
        for n in range(count):
            start = first + timedelta(seconds=n / rate)
            spec = _spec(
                f"Measured maintenance {n}",
                start.replace(tzinfo=None),
                "UTC",
                seconds,
                f"svc-{n % ROUTING_KEYS}",
            )
            ids.append(create_window(session, org_id, spec, actor=ACTOR, at=now).window.id)
    if datetime.now(UTC) > first:
        print("  warning: the measured windows were made after the first was due", file=sys.stderr)
    return ids, first


def stored(sessions: sessionmaker[Session]) -> tuple[int, int, int]:
    """Windows, timers and occurrences in the database."""
    with sessions() as session:
        return (
            session.scalar(select(func.count()).select_from(MaintenanceWindow)) or 0,
            session.scalar(select(func.count()).select_from(Timer)) or 0,
            session.scalar(select(func.count()).select_from(MaintenanceOccurrence)) or 0,
        )


def wait_for_ends(sessions: sessionmaker[Session], ids: list[int], deadline: datetime) -> None:
    """Until every measured occurrence is completed, or the deadline passes."""
    query = select(func.count()).where(
        MaintenanceOccurrence.window_id.in_(ids), MaintenanceOccurrence.status == "completed"
    )
    while True:
        with sessions() as session:
            if (session.scalar(query) or 0) >= len(ids) or datetime.now(UTC) > deadline:
                return
        time.sleep(0.5)


def lateness(sessions: sessionmaker[Session], ids: list[int]) -> Lateness:
    with sessions() as session:
        rows = session.scalars(
            select(MaintenanceOccurrence).where(MaintenanceOccurrence.window_id.in_(ids))
        ).all()
    starts = [
        (row.actual_start - row.planned_start).total_seconds()
        for row in rows
        if row.actual_start is not None
    ]
    ends = [
        (row.actual_end - row.planned_end).total_seconds()
        for row in rows
        if row.actual_end is not None
    ]
    return Lateness(starts, ends, len(ids))


def percentile(ordered: list[float], percent: float) -> float:
    """Nearest rank, as bench.load does."""
    return ordered[max(math.ceil(percent / 100 * len(ordered)), 1) - 1]


def figures(name: str, values: list[float], expected: int) -> str:
    if not values:
        return f"{name}: none of {expected}"
    ordered = sorted(values)
    cells = ", ".join(f"p{p} {percentile(ordered, p) * 1000:.0f} ms" for p in (50, 95, 99))
    return f"{name}: n={len(values)}/{expected}, {cells}, max {ordered[-1] * 1000:.0f} ms"


def run(database_url: str, workdir: Path, args: argparse.Namespace) -> list[str]:
    # Measured windows overlap (rate x duration at once), each opening a maintenance mode.
    os.environ["VIGIL_MAINTENANCE_MODE_LIMIT"] = str(args.measured + 100)
    get_settings.cache_clear()
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    try:
        with vigil_server(database_url, workdir) as server, engine_worker(server):
            began = time.perf_counter()
            each = seed_background(sessions, server.org.api_id, args.windows - args.measured)
            seeded = time.perf_counter() - began
            lead = 3.0 + args.measured * max(each, 0.001) * 3
            ids, first = create_measured(
                sessions, server.org.api_id, args.measured, args.rate, args.duration, lead
            )
            windows, timers, occurrences = stored(sessions)
            last_end = first + timedelta(seconds=(args.measured - 1) / args.rate + args.duration)
            busy, clock = machine_busy_seconds(), time.perf_counter()
            wait_for_ends(sessions, ids, last_end + timedelta(seconds=30))
            cores = (machine_busy_seconds() - busy) / (time.perf_counter() - clock)
            found = lateness(sessions, ids)
    finally:
        engine.dispose()
    return [
        f"stored before the run: {windows:,} windows, {occurrences:,} occurrences, "
        f"{timers:,} timers (background seeded in {seeded:.0f} s, "
        f"{each * 1000:.1f} ms per create_window)",
        f"measured: {args.measured} windows starting {args.rate:g}/s, "
        f"each lasting {args.duration:g} s; the machine meanwhile: {cores:.2f} cores busy "
        f"(all processes, of {os.cpu_count()}), load average {os.getloadavg()[0]:.2f}",
        figures("start lateness (actual - planned start)", found.starts, found.measured),
        figures("end lateness   (actual - planned end)", found.ends, found.measured),
    ]


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    postgres = os.environ.get("VIGIL_POSTGRES_URL")
    with tempfile.TemporaryDirectory(prefix="vigil-bench-") as scratch:
        workdir = Path(scratch)
        if args.only != "postgres":
            with sqlite_database(workdir) as url:
                print("sqlite (engine inside vigil serve)", *run(url, workdir, args), sep="\n  ")
        if args.only != "sqlite":
            if not postgres:
                print("postgres: skipped (run under scripts/with-postgres)")
                return 0
            with postgres_database(postgres) as url:
                label = f"postgres {postgres_version(url)} (vigil serve + vigil worker)"
                print(label, *run(url, workdir, args), sep="\n  ")
    return 0


if __name__ == "__main__":
    sys.exit(main())
