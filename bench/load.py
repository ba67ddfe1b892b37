"""A closed-loop load generator: N workers, each sending its next request when the last one ends.

Requests that start during the warm-up are not counted. The measured window runs from the end of
the warm-up until the last worker's last request ends (no request starts after the deadline).
"""

import asyncio
import math
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from bench.clients import REQUEST_TIMEOUT, Http

# A safety bound: no scenario sends more requests than this, however fast the server is.
MAX_REQUESTS = 1_000_000


@dataclass
class LoadResult:
    concurrency: int
    seconds: float = 0.0  # the measured window
    latencies: list[float] = field(default_factory=list)  # seconds, 2xx responses only
    errors: Counter[str] = field(default_factory=Counter)  # "HTTP 409", "TimeoutError", ...
    peak_rss: int = 0  # bytes
    client_cpu: float = 0.0  # CPU seconds the load generator itself used in the window

    @property
    def client_cpu_per_request_us(self) -> float:
        done = len(self.latencies) + self.errors.total()
        return self.client_cpu / done * 1e6 if done else math.nan

    @property
    def per_second(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds > 0 else 0.0

    def percentile_ms(self, percent: float) -> float:
        """The nearest-rank percentile of successful requests' latencies, in milliseconds."""
        if not self.latencies:
            return math.nan
        ordered = sorted(self.latencies)
        rank = max(math.ceil(percent / 100 * len(ordered)), 1)
        return ordered[rank - 1] * 1000


async def run_load(
    clients: Sequence[Http],
    call: Callable[[Http], Awaitable[int]],
    *,
    duration: float,
    warmup: float,
    sample_rss: Callable[[], int],
) -> LoadResult:
    """One worker per client calls `call` (which returns the HTTP status) until the deadline."""
    result = LoadResult(concurrency=len(clients))
    clock = time.perf_counter
    measure_from = clock() + warmup
    deadline = measure_from + duration
    sent = 0
    cpu_from = [time.process_time()]  # replaced when the warm-up ends
    asyncio.get_running_loop().call_later(warmup, lambda: cpu_from.append(time.process_time()))

    async def worker(http: Http) -> None:
        nonlocal sent
        while (started := clock()) < deadline and sent < MAX_REQUESTS:
            sent += 1
            try:
                async with asyncio.timeout(REQUEST_TIMEOUT):
                    status = await call(http)
                failure = None if 200 <= status < 300 else f"HTTP {status}"
            except Exception as error:  # counted and shown, never fatal to the run
                failure = type(error).__name__
            elapsed = clock() - started
            if started < measure_from:
                continue
            if failure is None:
                result.latencies.append(elapsed)
            else:
                result.errors[failure] += 1

    async def sampler() -> None:
        while True:
            result.peak_rss = max(result.peak_rss, sample_rss())
            await asyncio.sleep(0.1)

    sampling = asyncio.create_task(sampler())
    try:
        await asyncio.gather(*(worker(http) for http in clients))
    finally:
        sampling.cancel()
    result.seconds = clock() - measure_from
    result.client_cpu = time.process_time() - cpu_from[-1]
    return result
