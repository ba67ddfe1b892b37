"""`python -m bench`: every scenario on SQLite and PostgreSQL, then one table of figures.

Each target is a fresh database with its own `vigil serve`: SQLite with one process, PostgreSQL
with one, and PostgreSQL with two (`--workers 2`; the table labels it with the process count)
for the scenarios that ask for it (ingestion). CPU is read for the server's whole process tree
and, on PostgreSQL, for the database server's (every backend): the table shows which side of the
socket was busy.
"""

import argparse
import asyncio
import fnmatch
import math
import os
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from bench.clients import ClientKind, connections
from bench.databases import (
    postgres_database,
    postgres_server_pid,
    postgres_version,
    sqlite_database,
)
from bench.load import run_load
from bench.report import Row, machine, table
from bench.scenarios import SCENARIOS, Scenario, Skip, Target, seed
from bench.server import (
    Server,
    log_tail,
    machine_busy_seconds,
    process_tree,
    tree_cpu_seconds,
    tree_rss_bytes,
    vigil_server,
)

try:
    import uvloop

    LOOP: Callable[[], asyncio.AbstractEventLoop] | None = uvloop.new_event_loop
except ImportError:  # uvicorn[standard] brings it; without it, asyncio's own loop
    LOOP = None


@dataclass(frozen=True)
class Setup:
    """One measured configuration: a fresh database and a server with `workers` processes."""

    kind: str  # "sqlite" or "postgres"
    workers: int
    open_database: Callable[[], AbstractContextManager[str]]

    @property
    def label(self) -> str:
        times = "\u00d7"  # the multiplication sign: "postgres" times 2
        return self.kind if self.workers == 1 else f"{self.kind}{times}{self.workers}"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--duration", type=float, default=5.0, help="measured seconds per run")
    parser.add_argument("--warmup", type=float, default=1.0, help="uncounted seconds before it")
    parser.add_argument("--only", choices=["sqlite", "postgres"], help="one database only")
    parser.add_argument(
        "--scenarios",
        help="comma-separated patterns (fnmatch) on scenario names, groups or endpoints: "
        + ", ".join(sorted({s.group for s in SCENARIOS}))
        + "; "
        + ", ".join(s.name for s in SCENARIOS),
    )
    parser.add_argument(
        "--servers",
        type=lambda text: tuple(int(n) for n in text.split(",")),
        help="comma-separated server process counts, every chosen scenario run with each "
        "(default: each scenario's own, 2 for ingestion only); more than 1 on PostgreSQL only",
    )
    parser.add_argument(
        "--concurrency",
        type=lambda text: tuple(int(n) for n in text.split(",")),
        help="comma-separated worker counts instead of each scenario's own (1,32)",
    )
    parser.add_argument(
        "--client", choices=["raw", "httpx"], default="raw", help="load generator's HTTP client"
    )
    return parser.parse_args(argv)


def chosen_scenarios(patterns: str | None) -> list[Scenario]:
    if not patterns:
        return list(SCENARIOS)
    wanted = [p.strip() for p in patterns.split(",") if p.strip()]
    return [
        s
        for s in SCENARIOS
        if any(
            fnmatch.fnmatch(s.name, p)
            or fnmatch.fnmatch(s.group, p)
            or fnmatch.fnmatch(s.endpoint, p)
            for p in wanted
        )
    ]


def chosen_setups(args: argparse.Namespace, workdir: Path) -> Iterator[Setup]:
    """SQLite (one process), then PostgreSQL with each process count a scenario asks for."""
    counts = sorted({n for s in chosen_scenarios(args.scenarios) for n in s.servers})
    if args.servers:
        counts = sorted(set(args.servers))
    if args.only in (None, "sqlite") and 1 in counts:
        yield Setup("sqlite", 1, lambda: sqlite_database(workdir))
    if args.only in (None, "postgres"):
        server_url = os.environ.get("VIGIL_POSTGRES_URL")
        if not server_url:
            print("note: VIGIL_POSTGRES_URL is not set: PostgreSQL skipped", file=sys.stderr)
            return
        for workers in counts:
            yield Setup("postgres", workers, lambda: postgres_database(server_url))


@dataclass
class Sides:
    """The process trees whose CPU and memory a run reads: the server's, the database's."""

    server: Server
    database_pid: int | None = None


@dataclass(frozen=True)
class Cpu:
    """CPU seconds used so far: the server's tree, the database's tree, this process, all."""

    server: float
    database: float
    bench: float
    machine: float

    @classmethod
    def now(cls, sides: Sides) -> "Cpu":
        database = tree_cpu_seconds(sides.database_pid) if sides.database_pid else math.nan
        return cls(
            tree_cpu_seconds(sides.server.pid),
            database,
            time.process_time(),
            machine_busy_seconds(),
        )

    def cores_since(self, before: "Cpu", seconds: float) -> "Cpu":
        """Cores used on average between `before` and this sample."""
        return Cpu(
            (self.server - before.server) / seconds,
            (self.database - before.database) / seconds,
            (self.bench - before.bench) / seconds,
            (self.machine - before.machine) / seconds,
        )

    @property
    def other(self) -> float:
        """Cores busy with none of the three (someone else's work on a shared machine)."""
        ours = self.server + self.bench + (0.0 if math.isnan(self.database) else self.database)
        return max(self.machine - ours, 0.0)


async def measure(
    target: Target, sides: Sides, scenario: Scenario, concurrency: int, args: argparse.Namespace
) -> Row:
    """One scenario at one concurrency; prints a progress line with the CPU both sides used."""
    server = target.server
    processes = process_tree(server.pid)  # the supervisor and its workers: read once per run
    before, started = Cpu.now(sides), time.perf_counter()
    client: ClientKind = args.client
    async with connections(
        client, server.host, server.port, server.org.headers, concurrency
    ) as clients:
        result = await run_load(
            clients,
            lambda http: scenario.request(http, target),
            duration=args.duration,
            warmup=args.warmup,
            sample_rss=lambda: tree_rss_bytes(processes),
        )
    cores = Cpu.now(sides).cores_since(before, time.perf_counter() - started)
    database_note = "" if math.isnan(cores.database) else f", database {cores.database:.0%}"
    print(
        f"  {scenario.endpoint} x{concurrency}: {result.per_second:,.0f} req/s, "
        f"p50 {result.percentile_ms(50):.2f} ms, p99 {result.percentile_ms(99):.2f} ms, "
        f"{result.errors.total()} errors; CPU of a core: server {cores.server:.0%} "
        f"({len(processes)} processes){database_note}, load generator {cores.bench:.0%} "
        f"({result.client_cpu_per_request_us:.0f} µs/request), other {cores.other:.0%}",
        file=sys.stderr,
    )
    return Row(target.label, scenario.endpoint, result, cores.server, cores.database, cores.other)


async def bench_setup(
    setup: Setup,
    sides: Sides,
    scenarios: list[Scenario],
    args: argparse.Namespace,
    rows: list[Row],
    notes: list[str],
) -> bool:
    """Every scenario on one setup, each setup just before it; False if one of them failed."""
    server = sides.server
    target = Target(server, label=setup.label)
    ok = True
    if any(scenario.group == "users" for scenario in scenarios):
        async with connections(args.client, server.host, server.port, server.org.headers, 1) as (
            http,
        ):
            await seed(http, target)
    for scenario in scenarios:
        try:
            if scenario.setup:
                async with connections(
                    args.client, server.host, server.port, server.org.headers, 1
                ) as (http,):
                    await scenario.setup(http, target)
            for concurrency in args.concurrency or scenario.concurrency:
                rows.append(await measure(target, sides, scenario, concurrency, args))
        except Skip as skip:
            print(f"  {scenario.endpoint}: {skip}", file=sys.stderr)
            note = f"skipped:  {setup.label} {scenario.endpoint}: {skip}"
            if note not in notes:
                notes.append(note)
        except Exception as error:  # the next scenarios may still be measured
            print(f"  {scenario.endpoint}: failed: {error}", file=sys.stderr)
            ok = False
    return ok


class Terminated(KeyboardInterrupt):
    """SIGTERM, handled like Ctrl-C: servers stopped, databases dropped, figures so far printed."""


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise Terminated


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    scenarios = chosen_scenarios(args.scenarios)
    if not scenarios:
        print(f"no scenario matches {args.scenarios!r}", file=sys.stderr)
        return 2
    if args.servers and (
        min(args.servers) < 1 or (args.only == "sqlite" and max(args.servers) > 1)
    ):
        print("--servers: counts of 1 or more; more than 1 on PostgreSQL only", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, _terminate)
    loop_name = "uvloop" if LOOP else "asyncio"
    notes = [f"client:   {args.client} HTTP/1.1 keep-alive on {loop_name}, on the same machine"]
    rows: list[Row] = []
    status = 0
    try:
        with tempfile.TemporaryDirectory(prefix="vigil-bench-") as tmp:
            for setup in chosen_setups(args, Path(tmp)):
                runs = [s for s in scenarios if args.servers or setup.workers in s.servers]
                if not runs:
                    continue
                print(f"{setup.label}:", file=sys.stderr)
                log = None
                try:
                    with (
                        setup.open_database() as url,
                        vigil_server(url, Path(tmp), setup.workers) as server,
                    ):
                        log = server.log
                        sides = Sides(server)
                        if setup.kind == "postgres":
                            sides.database_pid = postgres_server_pid(url)
                            version = f"postgres: {postgres_version(url)} on the same machine"
                            if version not in notes:
                                notes.append(version)
                        with asyncio.Runner(loop_factory=LOOP) as runner:
                            done = runner.run(bench_setup(setup, sides, runs, args, rows, notes))
                        status = status or (0 if done else 1)
                except Exception as error:  # the other setups may still be measured
                    print(f"{setup.label}: benchmark failed: {error}", file=sys.stderr)
                    status = 1
                if log and log.exists() and log.stat().st_size:
                    print(f"{setup.label}: the server logged:\n{log_tail(log)}", file=sys.stderr)
    except KeyboardInterrupt as stop:
        print("\ninterrupted: servers stopped, databases dropped", file=sys.stderr)
        status = 143 if isinstance(stop, Terminated) else 130
    if rows:
        print(f"\n{table(rows)}")
    print(f"\n{machine(notes)}")
    return status


if __name__ == "__main__":
    sys.exit(main())
