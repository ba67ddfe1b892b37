"""The final table, markdown-style with aligned columns."""

import math
import os
import platform
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.load import LoadResult

MIB = 1024 * 1024


@dataclass(frozen=True)
class Row:
    database: str
    endpoint: str
    result: LoadResult


def _number(value: float, digits: int) -> str:
    return "n/a" if math.isnan(value) else f"{value:,.{digits}f}"


def table(rows: Sequence[Row]) -> str:
    header = ["database", "endpoint", "conc", "req/s", "p50 ms", "p99 ms", "errors", "peak RSS MiB"]
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
    for row in rows:
        if row.result.errors:
            kinds = ", ".join(f"{n} {kind}" for kind, n in row.result.errors.most_common())
            lines.append(
                f"errors in {row.database} {row.endpoint} x{row.result.concurrency}: {kinds}"
            )
    return "\n".join(lines)


def machine(notes: Sequence[str]) -> str:
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    models = [line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")]
    cpu = models[0] if models else platform.machine()
    lines = [
        f"machine:  nproc {len(os.sched_getaffinity(0))}, {cpu}, Linux {platform.release()}",
        f"python:   {platform.python_implementation()} {platform.python_version()}",
        *notes,
    ]
    return "\n".join(lines)
