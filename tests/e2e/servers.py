"""Start real `vigil serve` processes for end-to-end tests."""

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx

VIGIL = str(Path(sys.executable).with_name("vigil"))
KILL_TIMEOUT = 10.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass(frozen=True)
class RunningServer:
    """A `vigil serve` process (the leader of its own process group, workers included)."""

    base: str
    process: subprocess.Popen[bytes]

    def kill(self) -> None:
        """SIGKILL the whole group at once, `vigil serve` and every worker; wait until it is gone."""
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=KILL_TIMEOUT)
        _wait_group_gone(self.process.pid)


@contextmanager
def vigil_process(database_url: str, *extra: str) -> Iterator[RunningServer]:
    """A `vigil serve` process on a free loopback port, stopped (or killed) on exit."""
    port = free_port()
    env = os.environ | {"VIGIL_DATABASE_URL": database_url, "VIGIL_LOG_LEVEL": "WARNING"}
    # A file, not a pipe: a server logging more than a pipe holds would block on a full pipe.
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [VIGIL, "serve", "--host", "127.0.0.1", "--port", str(port), *extra],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log,
            start_new_session=True,  # its own process group: its workers are stopped with it
        )
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_healthy(base, process, log)
            yield RunningServer(base, process)
        finally:
            _stop(process)


@contextmanager
def vigil_server(database_url: str, *extra: str) -> Iterator[str]:
    """A `vigil serve` process on a free loopback port; yields its base URL."""
    with vigil_process(database_url, *extra) as server:
        yield server.base


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        with suppress(subprocess.TimeoutExpired):
            process.wait(timeout=10)
    with suppress(ProcessLookupError):  # workers left behind by a supervisor that died
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def _wait_group_gone(pgid: int) -> None:
    """Until no process of the group runs (killed workers are reaped by init, not by us)."""
    deadline = time.monotonic() + KILL_TIMEOUT
    while _living_members(pgid):
        if time.monotonic() > deadline:
            raise RuntimeError(f"processes of group {pgid} survived SIGKILL")
        time.sleep(0.02)


def _living_members(pgid: int) -> list[int]:
    """The group's processes that are neither gone nor zombies (dead, awaiting their reaper)."""
    living = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        state, group = fields[0], int(fields[2])
        if group == pgid and state not in ("Z", "X"):
            living.append(int(entry.name))
    return living


def _wait_healthy(base: str, process: subprocess.Popen[bytes], log: IO[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            stderr = log.read().decode(errors="replace")
            raise RuntimeError(f"vigil serve exited with {process.returncode}: {stderr[-2000:]}")
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"vigil serve at {base} did not become healthy")


@contextmanager
def vigil_worker(database_url: str, **settings: str) -> Iterator[subprocess.Popen[bytes]]:
    """A `vigil worker` process (VIGIL_<NAME> settings from the keywords), killed on exit."""
    env = os.environ | {"VIGIL_DATABASE_URL": database_url, "VIGIL_LOG_LEVEL": "WARNING"}
    env |= {f"VIGIL_{name.upper()}": value for name, value in settings.items()}
    process = subprocess.Popen(
        [VIGIL, "worker"], env=env, stdout=subprocess.DEVNULL, start_new_session=True
    )
    try:
        yield process
    finally:
        _stop(process)
