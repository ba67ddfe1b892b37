"""Request limits of the status-page API dialects (Instatus, Incipulse, Prod Manager): past its
limit a client is answered 429 with `Retry-After`, in the dialect's own error shape, as the
products themselves do, so a runaway script cannot hog a server.

A client is an API key (by its id) when the request sent a valid one, else the remote address:
anonymous Prod Manager reads and requests with a missing or wrong key (key guessing) count
against the address. Each dialect's policy comes from the settings (`rate_limit_*`).

Counting is a sliding-window counter per (bucket, client): two fixed windows, the previous
one's count weighted by how much of it still overlaps the rolling window. It holds three ints
per client, never lets more than the limit through in one fixed window and, on average, not
more than the limit in any rolling window. Counters live in the server process (each process
counts on its own) and are dropped once their windows have passed, with at most
`max_clients` kept per bucket (the least recently seen are forgotten first).
"""

import math
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import NamedTuple

from fastapi import HTTPException, Request

from vigil import clock
from vigil.api.errors import EXTRA_HEADERS
from vigil.config import Settings, parse_rate_limit

INSTATUS = "instatus"
INCIPULSE = "incipulse"
PRODMANAGER = "prodmanager"
PRODMANAGER_ANONYMOUS = "prodmanager-anonymous"
"""Prod Manager callers without a valid token, by remote address."""


@dataclass(frozen=True, slots=True)
class Policy:
    """At most `limit` requests per `window` seconds."""

    limit: int
    window: float

    @classmethod
    def parse(cls, text: str) -> "Policy | None":
        """A policy from its setting (`"60/1m"`); None for `"0"` (no limit)."""
        parsed = parse_rate_limit(text)
        return cls(*parsed) if parsed else None

    def describe(self) -> str:
        for unit, seconds in (("hour", 3600), ("minute", 60)):
            if self.window % seconds == 0:
                count = int(self.window // seconds)
                return f"{self.limit} requests per {count} {unit}{'s' if count > 1 else ''}"
        return f"{self.limit} requests per {self.window:g} seconds"


class Decision(NamedTuple):
    """One request's verdict and where its client stands afterwards (a tuple: made on every
    request, several times faster than a frozen dataclass)."""

    allowed: bool
    limit: int
    remaining: int
    """Requests the client may still make now."""
    reset_at: int
    """The epoch second at which the current fixed window ends."""
    retry_after: int
    """Seconds to wait before the next request passes (0 when this one was allowed)."""


class _Counters:
    """One bucket's counters: client -> [window index, previous window's count, current's],
    least recently seen first."""

    __slots__ = ("entries", "lock", "max_clients", "policy")

    def __init__(self, policy: Policy, max_clients: int) -> None:
        self.policy = policy
        self.max_clients = max_clients
        self.lock = threading.Lock()
        self.entries: OrderedDict[str, list[int]] = OrderedDict()

    def hit(self, client: str, now: float) -> Decision:
        limit, window = self.policy.limit, self.policy.window
        index = int(now // window)
        start = index * window
        with self.lock:
            entry = self.entries.get(client)
            if entry is None:
                entry = [index, 0, 0]
                self.entries[client] = entry
                self._forget(index)
            else:
                self.entries.move_to_end(client)
                if entry[0] != index:
                    entry[1] = entry[2] if entry[0] == index - 1 else 0
                    entry[2] = 0
                    entry[0] = index
            previous, current = entry[1], entry[2]
            estimate = previous * (1.0 - (now - start) / window) + current
            allowed = estimate + 1 <= limit
            if allowed:
                entry[2] = current + 1
        reset_at = math.ceil(start + window)
        if allowed:
            return Decision(True, limit, max(0, int(limit - estimate - 1)), reset_at, 0)
        return Decision(False, limit, 0, reset_at, self._retry_after(now, previous, current))

    def _retry_after(self, now: float, previous: int, current: int) -> int:
        """Whole seconds until a request passes, if none is counted meanwhile."""
        limit, window = self.policy.limit, self.policy.window
        start = int(now // window) * window
        if current < limit:  # until enough of the previous window has slid out
            passes_at = start + window * (1 - (limit - current - 1) / previous)
        else:  # until the next window, and enough of this one has slid out of it
            passes_at = start + window + window * (1 - (limit - 1) / current)
        wait = max(1, math.ceil(passes_at - now - 1e-9))
        later = now + wait  # the check itself decides, rounding included
        if int(later // window) == int(now // window):
            estimate = previous * (1.0 - (later - start) / window) + current
        else:
            estimate = current * (1.0 - (later - start - window) / window)
        return wait if estimate + 1 <= limit else wait + 1

    def _forget(self, index: int) -> None:
        """Drops clients whose counts no longer matter (last seen before the previous window),
        then the least recently seen beyond `max_clients`. Within a bucket, the order of last
        sight is the order of windows, so the stale ones are all at the front."""
        entries = self.entries
        while entries:
            oldest = next(iter(entries.values()))
            if oldest[0] >= index - 1:
                break
            entries.popitem(last=False)
        while len(entries) > self.max_clients:
            entries.popitem(last=False)


class RateLimiter:
    """Thread-safe counters of several buckets, each with its own policy."""

    def __init__(self, policies: Mapping[str, Policy | None], max_clients: int = 50_000) -> None:
        self._counters = {
            bucket: _Counters(policy, max_clients)
            for bucket, policy in policies.items()
            if policy is not None
        }

    @classmethod
    def from_settings(cls, settings: Settings) -> "RateLimiter":
        return cls(
            {
                INSTATUS: Policy.parse(settings.rate_limit_instatus),
                INCIPULSE: Policy.parse(settings.rate_limit_incipulse),
                PRODMANAGER: Policy.parse(settings.rate_limit_prodmanager),
                PRODMANAGER_ANONYMOUS: Policy.parse(settings.rate_limit_prodmanager_anonymous),
            }
        )

    def policy(self, bucket: str) -> Policy | None:
        counters = self._counters.get(bucket)
        return counters.policy if counters else None

    def hit(self, bucket: str, client: str, now: float | None = None) -> Decision | None:
        """Counts one request of `client` (when allowed) and says whether it may pass; None when
        the bucket has no limit. `now` is epoch seconds (default: the clock)."""
        counters = self._counters.get(bucket)
        if counters is None:
            return None
        return counters.hit(client, clock.now().timestamp() if now is None else now)

    def clients(self, bucket: str) -> int:
        """How many clients the bucket remembers."""
        counters = self._counters.get(bucket)
        return len(counters.entries) if counters else 0


class RateLimited(HTTPException):
    """429 Too Many Requests, with `Retry-After`; each dialect's error format renders it."""

    def __init__(self, policy: Policy, retry_after: int, headers: Mapping[str, str]) -> None:
        super().__init__(
            429,
            f"Too many requests (at most {policy.describe()}); retry in {retry_after} seconds",
            headers={**headers, "Retry-After": str(retry_after)},
        )
        self.retry_after = retry_after


def address_of(request: Request) -> str:
    """The remote address: uvicorn takes it from `X-Forwarded-For` when the proxy's address is
    in `FORWARDED_ALLOW_IPS` (default 127.0.0.1), else it is the proxy's."""
    return request.client.host if request.client else "unknown"


def charge_key(
    request: Request, bucket: str, key_id: int, *, advertise: bool = False
) -> Mapping[str, str]:
    """Counts the request against the API key; raises RateLimited past the limit. With
    `advertise`, returns the `X-RateLimit-*` headers (and puts them on any error answer)."""
    return _charge(request, bucket, f"key-{key_id}", advertise)


def charge_address(request: Request, bucket: str, *, advertise: bool = False) -> Mapping[str, str]:
    """Counts a request without a valid key against its remote address (see `charge_key`)."""
    return _charge(request, bucket, address_of(request), advertise)


def _charge(request: Request, bucket: str, client: str, advertise: bool) -> Mapping[str, str]:
    limiter: RateLimiter = request.app.state.rate_limiter
    decision = limiter.hit(bucket, client)
    if decision is None:
        return {}
    headers: Mapping[str, str] = {}
    if advertise:
        headers = rate_headers(decision, client)
        setattr(request.state, EXTRA_HEADERS, headers)
    if not decision.allowed:
        policy = limiter.policy(bucket)
        assert policy is not None
        raise RateLimited(policy, decision.retry_after, headers)
    return headers


def rate_headers(decision: Decision, client: str) -> dict[str, str]:
    """Prod Manager's headers: limit, remaining, reset (epoch second), used and client."""
    return {
        "X-RateLimit-Limit": str(decision.limit),
        "X-RateLimit-Remaining": str(decision.remaining),
        "X-RateLimit-Reset": str(decision.reset_at),
        "X-RateLimit-Used": str(decision.limit - decision.remaining),
        "X-RateLimit-Client": client,
    }
