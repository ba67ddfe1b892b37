"""Paging benchmark: alert-to-first-notification latency, and GET /api-public/v1/oncall/current.

With 1,000 users in 200 teams (each with a weekly rotation of five and a policy paging it, and a
routing key per team) and 100 open incidents, alerts for new entities are sent at a steady rate
to the teams' routing keys; each pages the team's on-call person by e-mail (the default personal
policy). A local SMTP server records when each page arrives: the latency is from the alert's 200
to the message's arrival. Throttling is turned off (VIGIL_THROTTLE_SECONDS=0) so every alert's
first page is its own, not a bundle a minute later. On SQLite the server runs the engine in
process; on PostgreSQL one `vigil worker` process runs beside one `vigil serve`.

    scripts/with-postgres .venv/bin/python -m bench.paging [--only sqlite|postgres]
"""

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from datetime import time as day_time
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope
from aiosmtpd.smtp import Session as SmtpSession
from sqlalchemy import select

from bench.clients import connections
from bench.databases import postgres_database, sqlite_database
from bench.server import Server, free_port, vigil_command, vigil_server
from vigil.alerts.routing_keys import create_routing_key
from vigil.db import make_engine, make_session_factory, transaction
from vigil.oncall import policies, rotations
from vigil.oncall.policies import EntrySpec, StepSpec
from vigil.oncall.rotations import ShiftSpec
from vigil.orgs.models import Organization
from vigil.people import teams, users
from vigil.people.users import UserFields

TEAMS = 200
TEAM_SIZE = 5
OPEN_INCIDENTS = 100


class Inbox:
    """A local SMTP server noting when each page (by its subject's token) arrived."""

    def __init__(self) -> None:
        self.arrivals: dict[str, float] = {}

    async def handle_DATA(self, server: SMTP, session: SmtpSession, envelope: Envelope) -> str:
        content = (envelope.original_content or b"").decode(errors="replace")
        for token in content.split():
            if token.startswith("bench-alert-"):
                self.arrivals.setdefault(token.rstrip(":"), time.monotonic())
                break
        return "250 OK"


def seed(database_url: str, api_id: str) -> None:
    """The people, teams, rotations, policies and routing keys, through the domain services."""
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    with transaction(sessions) as session:
        org_id = session.scalars(select(Organization.id).where(Organization.api_id == api_id)).one()
        for t in range(TEAMS):
            team = teams.create_team(session, org_id, f"Team {t}")
            names = [f"u{t}-{m}" for m in range(TEAM_SIZE)]
            for name in names:
                users.create_user(
                    session, org_id, UserFields(name, "Bench", name, f"{name}@example.com")
                )
                teams.add_member(session, org_id, team, name)
            shift = ShiftSpec(
                "primary", "24/7", "UTC", date(2026, 1, 5), day_time(9), 7, tuple(names)
            )
            rotation = rotations.create_rotation(session, org_id, team, "Primary", [shift])
            entry = EntrySpec("rotation_group", rotation.slug)
            policy = policies.create_policy(session, org_id, team, "Main", [StepSpec(5, (entry,))])
            create_routing_key(session, org_id, f"team-{t}", [policy.slug])
    engine.dispose()


def alert(n: int, open_entity: bool = False) -> dict[str, Any]:
    return {
        "message_type": "CRITICAL",
        "entity_id": f"bench-{'open' if open_entity else 'new'}-{n}",
        "entity_display_name": f"bench-alert-{n} down",
        "monitoring_tool": "bench",
    }


async def measure_latency(server: Server, inbox: Inbox, alerts: int, rate: float) -> list[float]:
    """Send `alerts` alerts at `rate` per second; the seconds from each 200 to its page."""
    async with connections("raw", server.host, server.port, server.org.headers, 1) as [http]:
        return await _send_and_wait(http, server, inbox, alerts, rate)


async def _send_and_wait(
    http: Any, server: Server, inbox: Inbox, alerts: int, rate: float
) -> list[float]:
    base = f"/integrations/generic/20131114/alert/{server.org.rest_key}"
    for n in range(OPEN_INCIDENTS):
        await http.request("POST", f"{base}/team-{n % TEAMS}", alert(n, open_entity=True))
    await asyncio.sleep(3)  # the open incidents' pages go out first
    answered: dict[str, float] = {}
    start = time.monotonic()
    for n in range(alerts):
        await asyncio.sleep(max(0.0, start + n / rate - time.monotonic()))
        response = await http.request("POST", f"{base}/team-{n % TEAMS}", alert(OPEN_INCIDENTS + n))
        if response.status != 200:
            raise RuntimeError(f"alert: HTTP {response.status} {response.body[:200]!r}")
        answered[f"bench-alert-{OPEN_INCIDENTS + n}"] = time.monotonic()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not answered.keys() <= inbox.arrivals.keys():
        await asyncio.sleep(0.05)
    missing = answered.keys() - inbox.arrivals.keys()
    if missing:
        print(f"  {len(missing)} of {alerts} pages never arrived", file=sys.stderr)
    return [inbox.arrivals[token] - at for token, at in answered.items() if token in inbox.arrivals]


async def measure_oncall(server: Server, seconds: float, concurrency: int) -> list[float]:
    """Latencies of GET /api-public/v1/oncall/current, `concurrency` at a time for `seconds`."""
    latencies: list[float] = []
    end = time.monotonic() + seconds

    async def loop(http: Any) -> None:
        while time.monotonic() < end:
            began = time.monotonic()
            response = await http.request("GET", "/api-public/v1/oncall/current")
            if response.status != 200:
                raise RuntimeError(f"oncall/current: HTTP {response.status}")
            latencies.append(time.monotonic() - began)

    async with connections(
        "raw", server.host, server.port, server.org.headers, concurrency
    ) as clients:
        await asyncio.gather(*(loop(http) for http in clients))
    return latencies


@contextmanager
def engine_worker(server: Server) -> Iterator[None]:
    """On PostgreSQL the engine is its own process; on SQLite it runs inside the server."""
    if server.database_url.startswith("sqlite"):
        yield
        return
    env = {**os.environ, "VIGIL_DATABASE_URL": server.database_url, "VIGIL_LOG_LEVEL": "WARNING"}
    worker = subprocess.Popen([vigil_command(), "worker"], env=env)
    try:
        time.sleep(2)  # imports
        yield
    finally:
        worker.terminate()
        worker.wait(10)


def figures(name: str, values: list[float]) -> str:
    if not values:
        return f"{name}: no samples"
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return (
        f"{name}: n={len(values)}, p50 {statistics.median(ordered) * 1000:.0f} ms, "
        f"p99 {p99 * 1000:.0f} ms, max {ordered[-1] * 1000:.0f} ms"
    )


def run(database_url: str, workdir: Path, args: argparse.Namespace) -> list[str]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    os.environ["VIGIL_SMTP_URL"] = f"smtp://127.0.0.1:{port}"
    os.environ["VIGIL_THROTTLE_SECONDS"] = "0"
    try:
        with vigil_server(database_url, workdir) as server:
            seed(database_url, server.org.api_id)
            with engine_worker(server):
                latencies = asyncio.run(measure_latency(server, inbox, args.alerts, args.rate))
                oncall = asyncio.run(measure_oncall(server, args.duration, 1))
                oncall8 = asyncio.run(measure_oncall(server, args.duration, 8))
    finally:
        controller.stop()
    return [
        figures(f"alert to first page ({args.rate:g} alerts/s)", latencies),
        figures(f"GET oncall/current, {TEAMS} teams, conc 1", oncall),
        figures(f"GET oncall/current, {TEAMS} teams, conc 8", oncall8),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.paging", description=__doc__)
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    parser.add_argument("--alerts", type=int, default=300)
    parser.add_argument("--rate", type=float, default=20.0, help="alerts per second")
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per oncall run")
    args = parser.parse_args()
    postgres = os.environ.get("VIGIL_POSTGRES_URL")
    with tempfile.TemporaryDirectory() as scratch:
        workdir = Path(scratch)
        if args.only != "postgres":
            with sqlite_database(workdir) as url:
                print("sqlite", *run(url, workdir, args), sep="\n  ")
        if args.only != "sqlite":
            if not postgres:
                print("postgres: skipped (run under scripts/with-postgres)")
                return
            with postgres_database(postgres) as url:
                print("postgres", *run(url, workdir, args), sep="\n  ")


if __name__ == "__main__":
    main()
