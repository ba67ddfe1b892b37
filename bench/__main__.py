"""`python -m bench`: every scenario on SQLite and PostgreSQL, then one table of figures."""

import argparse
import asyncio
import fnmatch
import os
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from types import FrameType

from bench.clients import ClientKind, connections
from bench.databases import postgres_database, postgres_version, sqlite_database
from bench.load import LoadResult, run_load
from bench.report import Row, machine, table
from bench.scenarios import SCENARIOS, Scenario, Target, seed
from bench.server import Server, cpu_seconds, log_tail, rss_bytes, vigil_server

try:
    import uvloop

    LOOP: Callable[[], asyncio.AbstractEventLoop] | None = uvloop.new_event_loop
except ImportError:  # uvicorn[standard] brings it; without it, asyncio's own loop
    LOOP = None

Database = tuple[str, Callable[[], AbstractContextManager[str]]]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--duration", type=float, default=5.0, help="measured seconds per run")
    parser.add_argument("--warmup", type=float, default=1.0, help="uncounted seconds before it")
    parser.add_argument("--only", choices=["sqlite", "postgres"], help="one database only")
    parser.add_argument(
        "--scenarios",
        help="comma-separated patterns (fnmatch) on scenario names or endpoints: "
        + ", ".join(s.name for s in SCENARIOS),
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
        if any(fnmatch.fnmatch(s.name, p) or fnmatch.fnmatch(s.endpoint, p) for p in wanted)
    ]


def chosen_databases(only: str | None, workdir: Path) -> Iterator[Database]:
    if only in (None, "sqlite"):
        yield "sqlite", lambda: sqlite_database(workdir)
    if only in (None, "postgres"):
        server_url = os.environ.get("VIGIL_POSTGRES_URL")
        if server_url:
            yield "postgres", lambda: postgres_database(server_url)
        else:
            print("note: VIGIL_POSTGRES_URL is not set: PostgreSQL skipped", file=sys.stderr)


async def measure(
    target: Target, scenario: Scenario, concurrency: int, args: argparse.Namespace
) -> LoadResult:
    """One scenario at one concurrency; prints a progress line with the CPU both sides used."""
    server = target.server
    cpu_before, started = cpu_seconds(server.pid), time.perf_counter()
    client: ClientKind = args.client
    async with connections(
        client, server.host, server.port, server.org.headers, concurrency
    ) as clients:
        result = await run_load(
            clients,
            lambda http: scenario.request(http, target),
            duration=args.duration,
            warmup=args.warmup,
            sample_rss=lambda: rss_bytes(server.pid),
        )
    server_cpu = (cpu_seconds(server.pid) - cpu_before) / (time.perf_counter() - started)
    print(
        f"  {scenario.endpoint} x{concurrency}: {result.per_second:,.0f} req/s, "
        f"p50 {result.percentile_ms(50):.2f} ms, p99 {result.percentile_ms(99):.2f} ms, "
        f"{result.errors.total()} errors; server CPU {server_cpu:.0%} of a core, "
        f"load generator {result.client_cpu_per_request_us:.0f} µs CPU/request",
        file=sys.stderr,
    )
    return result


async def bench_database(
    database: str,
    server: Server,
    scenarios: list[Scenario],
    args: argparse.Namespace,
    rows: list[Row],
) -> None:
    target = Target(server)
    async with connections(args.client, server.host, server.port, server.org.headers, 1) as (http,):
        await seed(http, target)
        for scenario in scenarios:
            if scenario.setup:
                await scenario.setup(http, target)
    for scenario in scenarios:
        for concurrency in args.concurrency or scenario.concurrency:
            result = await measure(target, scenario, concurrency, args)
            rows.append(Row(database, scenario.endpoint, result))


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
    signal.signal(signal.SIGTERM, _terminate)
    loop_name = "uvloop" if LOOP else "asyncio"
    notes = [f"client:   {args.client} HTTP/1.1 keep-alive on {loop_name}, on the same machine"]
    rows: list[Row] = []
    status = 0
    try:
        with tempfile.TemporaryDirectory(prefix="vigil-bench-") as tmp:
            for database, open_database in chosen_databases(args.only, Path(tmp)):
                print(f"{database}:", file=sys.stderr)
                log = None
                try:
                    with open_database() as url, vigil_server(url, Path(tmp)) as server:
                        log = server.log
                        if database == "postgres":
                            notes.append(f"postgres: {postgres_version(url)} on the same machine")
                        with asyncio.Runner(loop_factory=LOOP) as runner:
                            runner.run(bench_database(database, server, scenarios, args, rows))
                except Exception as error:  # the other database may still be measured
                    print(f"{database}: benchmark failed: {error}", file=sys.stderr)
                    status = 1
                if log and log.exists() and log.stat().st_size:
                    print(f"{database}: the server logged:\n{log_tail(log)}", file=sys.stderr)
    except KeyboardInterrupt as stop:
        print("\ninterrupted: servers stopped, databases dropped", file=sys.stderr)
        status = 143 if isinstance(stop, Terminated) else 130
    if rows:
        print(f"\n{table(rows)}")
    print(f"\n{machine(notes)}")
    return status


if __name__ == "__main__":
    sys.exit(main())
