"""The final table, markdown-style with aligned columns."""

import math
import os
import platform
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.load import LoadResult

MIB = 1024 * 1024


@dataclass(frozen=True)
class Row:
    database: str  # "postgres\u00d72": with the server process count if > 1
    endpoint: str
    result: LoadResult
    server_cpu: float = math.nan  # cores the server's processes used during the run
    database_cpu: float = math.nan  # cores PostgreSQL used (n/a for SQLite: in the server)
    other_cpu: float = math.nan  # cores busy with other work on the machine (disturbs the run)


def _number(value: float, digits: int) -> str:
    return "n/a" if math.isnan(value) else f"{value:,.{digits}f}"


def table(rows: Sequence[Row]) -> str:
    header = [
        "database",
        "endpoint",
        "conc",
        "req/s",
        "p50 ms",
        "p99 ms",
        "errors",
        "peak RSS MiB",
        "server CPU",
        "db CPU",
        "other CPU",
    ]
    body = [
        [
            row.database,
            row.endpoint,
            str(row.result.concurrency),
            _number(row.result.per_second, 0),
            _number(row.result.percentile_ms(50), 2),
            _number(row.result.percentile_ms(99), 2),
            str(row.result.errors.total()),
            _number(row.result.peak_rss / MIB, 0),
            _number(row.server_cpu, 2),
            _number(row.database_cpu, 2),
            _number(row.other_cpu, 2),
        ]
        for row in rows
    ]
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]
    left = 2  # database and endpoint are text; the other columns are numbers

    def render(cells: list[str]) -> str:
        padded = (
            c.ljust(w) if i < left else c.rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )
        return "| " + " | ".join(padded) + " |"

    rule = (
        "|"
        + "|".join("-" * (w + 1) + (":" if i >= left else "-") for i, w in enumerate(widths))
        + "|"
    )
    lines = [render(header), rule, *(render(line) for line in body)]
    lines.append(
        "peak RSS: the sum over the server's processes. CPU: cores used on average during the run "
        "(of nproc); db: PostgreSQL's processes; other: the machine's busy time beyond server, "
        "database and load generator (another job: that run's figures are disturbed)"
    )
    for row in rows:
        if row.result.errors:
            kinds = ", ".join(f"{n} {kind}" for kind, n in row.result.errors.most_common())
            lines.append(
                f"errors in {row.database} {row.endpoint} x{row.result.concurrency}: {kinds}"
            )
    return "\n".join(lines)


def code_version() -> str:
    """The commit measured, and whether the working tree had changes (read-only git)."""
    try:
        done = subprocess.run(
            ["git", "describe", "--always", "--dirty"],
            cwd=Path(__file__).parent,
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.TimeoutExpired):
        return "unknown (no git)"
    return done.stdout.strip() or "unknown (not a git checkout)"


def machine(notes: Sequence[str]) -> str:
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    models = [line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")]
    cpu = models[0] if models else platform.machine()
    lines = [
        f"machine:  nproc {len(os.sched_getaffinity(0))}, {cpu}, Linux {platform.release()}",
        f"python:   {platform.python_implementation()} {platform.python_version()}",
        f"code:     {code_version()}",
        *notes,
    ]
    return "\n".join(lines)
