"""What is measured. A scenario is a name, an async request function and an optional setup.

To add a benchmark, write `async def request(http, target) -> int` (return the HTTP status; `http`
already sends the organization's X-VO-Api-Id/X-VO-Api-Key headers), optionally a `setup` that runs
once per database just before the scenario (it may keep what it creates in `target.state`, and
raise `Skip` when the scenario cannot run there), and append a `Scenario` to SCENARIOS.

Groups: `users` (the people API), `ingest` (the alert REST endpoint: new entities open incidents,
repeats join open ones, new entities on keys muted by 1,000 maintenance modes, half of them
opened by scheduled windows in progress with an exception rule; also run with two server
processes on PostgreSQL), `statuspage` (`GET /status/{page}`, 50 components and 1,000 past
windows seeded by `bench.statuspage`) and `reporting` (`GET /api-reporting/v2/incidents` over
a million stored incidents, seeded directly in the database by `bench.history`; runs last,
after the other groups measured the small database).
"""

import asyncio
import itertools
import os
import random
import secrets
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from bench.clients import Http
from bench.history import HOSTS, ROUTING_KEYS, host_name, org_id_of, seed_history
from bench.server import Server

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

SEED_USERS = 200
OPEN_ENTITIES = 100  # the repeat scenario's alerts all join one of these open incidents
MUTED_KEYS = 1_000  # routing keys under maintenance in the muted-ingestion scenario
HISTORY = 1_000_000  # incidents stored before the reporting scenarios
REPORT_PAGE = 100
ALERT_PATH = "/integrations/generic/20131114/alert"
REPORTING_PATH = "/api-reporting/v2/incidents"


@dataclass
class Target:
    """The server under load, its organization, and whatever setups left for request functions."""

    server: Server
    state: dict[str, Any] = field(default_factory=dict)
    label: str = ""  # the table's database column, "postgres\u00d72" for 2 processes


RequestFn = Callable[[Http, Target], Awaitable[int]]
SetupFn = Callable[[Http, Target], Awaitable[None]]


class Skip(Exception):
    """Raised by a setup: the scenario cannot run on this target; the message says why."""


@dataclass(frozen=True)
class Scenario:
    name: str  # what --scenarios matches (as does the group and the endpoint)
    endpoint: str  # what the table shows
    request: RequestFn
    setup: SetupFn | None = None
    concurrency: tuple[int, ...] = (1, 32)
    group: str = "users"
    servers: tuple[int, ...] = (1,)  # server process counts to run it with (>1: PostgreSQL)


_RUN = secrets.token_hex(3)
_serial = itertools.count()


def new_user() -> dict[str, str]:
    """A POST /api-public/v1/user body with a username and e-mail address not used before."""
    n = next(_serial)
    return {
        "username": f"bench-{_RUN}-{n}",
        "firstName": "Bench",
        "lastName": f"User {n}",
        "email": f"bench-{_RUN}-{n}@example.com",
    }


async def seed(http: Http, target: Target) -> None:
    """The users scenarios' data: SEED_USERS users, so that lists have a realistic length."""
    for _ in range(SEED_USERS):
        response = await http.request("POST", "/api-public/v1/user", new_user())
        if response.status != 200:
            raise RuntimeError(f"seeding a user: HTTP {response.status} {response.body[:200]!r}")


async def list_users(http: Http, target: Target) -> int:
    return (await http.request("GET", "/api-public/v1/user")).status


async def create_user(http: Http, target: Target) -> int:
    return (await http.request("POST", "/api-public/v1/user", new_user())).status


# --- Ingestion: POST /integrations/generic/20131114/alert/{rest_key}/{routing_key} ---------------


def alert_body(entity_id: str, n: int) -> dict[str, Any]:
    """What Alertmanager's VictorOps notifier posts for one firing group (about 600 bytes)."""
    host = host_name(n % HOSTS)
    return {
        "message_type": "CRITICAL",
        "entity_id": entity_id,
        "entity_display_name": f"[FIRING:1] HighRequestLatency api {host}",
        "state_message": (
            f"Alerts Firing:\nLabels:\n - alertname = HighRequestLatency\n - instance = {host}:9100"
            "\n - job = api\n - severity = critical\nAnnotations:\n - summary = p99 latency "
            "above 500 ms for 5 minutes\nSource: http://prometheus:9090/graph?g0.expr=..."
        ),
        "monitoring_tool": "Prometheus Alertmanager",
        "host_name": host,
        "Fired At": "2026-11-22T21:00:00Z",
        "Description": "p99 latency above 500 ms for 5 minutes",
        "timestamp": int(time.time()),
    }


def alert_path(target: Target, routing_key: str) -> str:
    return f"{ALERT_PATH}/{target.server.org.rest_key}/{routing_key}"


async def post_alert(http: Http, target: Target, entity_id: str, n: int) -> int:
    path = alert_path(target, ROUTING_KEYS[n % len(ROUTING_KEYS)])
    response = await http.request("POST", path, alert_body(entity_id, n))
    if response.status == 200 and target.state.get("check_alert_body", True):
        target.state["check_alert_body"] = False  # once: the reply is what senders expect
        answer = response.json()
        if answer != {"result": "success", "entity_id": entity_id}:
            raise RuntimeError(f"unexpected alert reply {answer!r}")
    return response.status


async def new_entity_alert(http: Http, target: Target) -> int:
    """Each alert names an entity not seen before: it opens an incident (and takes a number)."""
    n = next(_serial)
    return await post_alert(http, target, f"bench-{_RUN}-new-{n}", n)


async def open_entities(http: Http, target: Target) -> None:
    """OPEN_ENTITIES entities with an open incident each, for the repeats to join."""
    entities = [f"bench-{_RUN}-open-{i}" for i in range(OPEN_ENTITIES)]
    for n, entity_id in enumerate(entities):
        status = await post_alert(http, target, entity_id, n)
        if status != 200:
            raise RuntimeError(f"opening entity {entity_id}: HTTP {status}")
    target.state["open_entities"] = entities


async def repeat_alert(http: Http, target: Target) -> int:
    """A further CRITICAL for one of the open entities, at random: it joins that incident."""
    entities: list[str] = target.state["open_entities"]
    n = random.randrange(len(entities))
    return await post_alert(http, target, entities[n], n)


# --- Maintenance: ingestion on muted keys, with MUTED_KEYS maintenance modes active ---------------


async def mute_keys(http: Http, target: Target) -> None:
    """Once per database: MUTED_KEYS routing keys, each muted on its own: the first half by a
    scheduled maintenance window in progress (with an exception rule no bench alert matches, so
    the muting check reads and applies exceptions too), the rest by a plain maintenance mode.
    Written through the domain services, past the API's limit of active modes."""
    if "muted_keys" in target.state:
        return
    await asyncio.to_thread(_mute_keys, target.server.database_url, target.server.org.api_id)
    target.state["muted_keys"] = [f"muted-{n}" for n in range(MUTED_KEYS)]
    target.state["free_keys"] = [f"free-{n}" for n in range(MUTED_KEYS)]


MUTING_WINDOWS = MUTED_KEYS // 2  # of the muted keys, those muted by a window (the rest: modes)
MUTE_BATCH = 100  # muted keys made per transaction
UNMATCHED_EXCEPTION = {"min_severity": "CRITICAL", "entity_prefix": "zzz-"}
"""A window's exception rule: CRITICAL alerts on entities `zzz-...` still page (none are sent)."""


def _mute_keys(database_url: str, api_id: str) -> None:
    from vigil.config import get_settings
    from vigil.db import make_engine, make_session_factory, transaction

    os.environ["VIGIL_MAINTENANCE_MODE_LIMIT"] = str(MUTED_KEYS + 10)
    get_settings.cache_clear()
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    org_id = org_id_of(engine, api_id)
    # Transactions of MUTE_BATCH keys: on SQLite the server's engine thread waits at most 10 s
    # for the write lock, and 1,000 windows made and started take longer than that.
    for low in range(0, MUTED_KEYS, MUTE_BATCH):
        with transaction(sessions) as session:
            for n in range(low, min(low + MUTE_BATCH, MUTED_KEYS)):
                _mute_key(session, org_id, n)
    engine.dispose()


def _mute_key(session: "Session", org_id: int, n: int) -> None:
    """Routing key `muted-{n}`, muted by a window in progress or by a plain mode, and its
    unmuted twin `free-{n}`."""
    from vigil.alerts.routing_keys import create_routing_key
    from vigil.maintenance.exceptions import PagingException
    from vigil.maintenance.modes import start_mode
    from vigil.maintenance.recurrence import Schedule
    from vigil.maintenance.windows import WindowSpec, create_window, start_window

    name, now = f"muted-{n}", datetime.now(UTC)
    create_routing_key(session, org_id, name, [])
    create_routing_key(session, org_id, f"free-{n}", [])
    if n >= MUTING_WINDOWS:
        start_mode(session, org_id, names=[name], purpose="bench", started_by="bench", at=now)
        return
    spec = WindowSpec(  # planned from this second on for a day, and started at once
        title=f"Bench maintenance {n}",
        schedule=Schedule(
            start=now.replace(tzinfo=None, microsecond=0), zone="UTC", duration=timedelta(days=1)
        ),
        routing_keys=[name],
        exceptions=[PagingException.from_json(UNMATCHED_EXCEPTION)],
    )
    key = create_window(session, org_id, spec, actor="bench", at=now).window.key
    start_window(session, org_id, key, actor="bench", at=now)


def _alert_on(keys_of: str) -> RequestFn:
    async def alert(http: Http, target: Target) -> int:
        n = next(_serial)
        keys: list[str] = target.state[keys_of]
        path = alert_path(target, keys[n % len(keys)])
        return (
            await http.request("POST", path, alert_body(f"bench-{_RUN}-{keys_of}-{n}", n))
        ).status

    return alert


muted_alert = _alert_on("muted_keys")
"""A new entity on one of the muted keys, in turn: its incident opens muted and pages no one."""
beside_muted_alert = _alert_on("free_keys")
"""The same on their unmuted twins: the keys are as many and as spread (a batch on one key
writes one spot of the incidents' index, a batch on 16 keys 16 spots), only muting differs."""


# --- Reporting: GET /api-reporting/v2/incidents over a million incidents ---------------------


async def seed_reporting(http: Http, target: Target) -> None:
    """Once per database: check the endpoint exists, then store the history and read one page."""
    if "reporting" in target.state:
        if target.state["reporting"] != "ready":
            raise Skip(target.state["reporting"])
        return
    probe = await http.request("GET", f"{REPORTING_PATH}?limit=1")
    if probe.status in (404, 405):
        target.state["reporting"] = (
            f"{REPORTING_PATH} answers HTTP {probe.status}: not implemented yet, skipped"
        )
        raise Skip(target.state["reporting"])
    server = target.server
    print(f"  seeding {HISTORY:,} incidents with their timelines ...", file=sys.stderr)
    history = await asyncio.to_thread(seed_history, server.database_url, server.org.api_id, HISTORY)
    print(
        f"  seeded incidents {history.first_number:,}..{history.last_number:,} and "
        f"{history.transitions:,} transitions in {history.seconds:.0f} s",
        file=sys.stderr,
    )
    target.state["reporting"] = "ready"
    for name, query in (
        ("recent", _recent_query(0)),
        ("host", _host_query(0)),
        ("deep", _deep_query(0)),
    ):  # one of each, to show that the filters find what was stored
        response = await http.request("GET", f"{REPORTING_PATH}?{urlencode(query)}")
        if response.status != 200:
            raise RuntimeError(f"reporting {name}: HTTP {response.status} {response.body[:300]!r}")
        page = response.json()
        found = len(page.get("incidents", []))
        print(f"  {name} page: {found} incidents of total {page.get('total')}", file=sys.stderr)


def _recent_query(offset: int) -> dict[str, Any]:
    """Resolved incidents of the last 30 days (some 80,000), a page somewhere in the first 10,000."""
    started_after = datetime.now(UTC) - timedelta(days=30)
    return {
        "currentPhase": "resolved",
        "startedAfter": started_after.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "limit": REPORT_PAGE,
        "offset": offset,
    }


def _host_query(offset: int) -> dict[str, Any]:
    """One host's resolved incidents (some 20,000), a page in the first 1,000."""
    return {
        "host": host_name(random.randrange(HOSTS)),
        "currentPhase": "resolved",
        "limit": REPORT_PAGE,
        "offset": offset,
    }


def _deep_query(offset: int) -> dict[str, Any]:
    """No filter (resolved only, by default): a full export paging to offset 100,000."""
    return {"limit": REPORT_PAGE, "offset": offset}


def _reporting(query: Callable[[int], dict[str, Any]], pages: int) -> RequestFn:
    async def request(http: Http, target: Target) -> int:
        offset = random.randrange(pages) * REPORT_PAGE
        path = f"{REPORTING_PATH}?{urlencode(query(offset))}"
        return (await http.request("GET", path)).status

    return request


# --- The public status page: 50 components, 1,000 past windows ---------------------------------


async def seed_status_page(http: Http, target: Target) -> None:
    """Once per database: the page, its components and its maintenance history."""
    if "status_page" in target.state:
        return
    from bench.statuspage import seed_status_page as seed

    server = target.server
    target.state["status_page"] = await asyncio.to_thread(
        seed, server.database_url, server.org.api_id
    )


async def status_page(http: Http, target: Target) -> int:
    return (await http.request("GET", f"/status/{target.state['status_page']}")).status


SCENARIOS = [
    Scenario("list-users", "GET /api-public/v1/user", list_users),
    Scenario("create-user", "POST /api-public/v1/user", create_user),
    Scenario(
        "ingest-new",
        "POST alert, new entity",
        new_entity_alert,
        group="ingest",
        servers=(1, 2),
    ),
    Scenario(
        "ingest-repeat",
        f"POST alert, 1 of {OPEN_ENTITIES} open",
        repeat_alert,
        setup=open_entities,
        group="ingest",
        servers=(1, 2),
    ),
    Scenario(
        "ingest-beside-muted",
        f"POST alert, new entity, unmuted ({MUTED_KEYS} modes)",
        beside_muted_alert,
        setup=mute_keys,
        group="ingest",
        servers=(1, 2),
    ),
    Scenario(
        "ingest-muted",
        f"POST alert, new entity, muted ({MUTED_KEYS} modes)",
        muted_alert,
        setup=mute_keys,
        group="ingest",
        servers=(1, 2),
    ),
    Scenario(
        "status-page",
        "GET /status/{page} (50 components, 1000 past windows)",
        status_page,
        setup=seed_status_page,
        group="statuspage",
    ),
    Scenario(
        "reporting-recent",
        "GET reporting: resolved, 30 days",
        _reporting(_recent_query, pages=100),
        setup=seed_reporting,
        concurrency=(1, 8),
        group="reporting",
    ),
    Scenario(
        "reporting-host",
        "GET reporting: host=",
        _reporting(_host_query, pages=10),
        setup=seed_reporting,
        concurrency=(1, 8),
        group="reporting",
    ),
    Scenario(
        "reporting-deep",
        "GET reporting: all, offset<100k",
        _reporting(_deep_query, pages=1000),
        setup=seed_reporting,
        concurrency=(1, 8),
        group="reporting",
    ),
]
