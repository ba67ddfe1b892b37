"""A `vigil serve` subprocess on a free loopback port, with a migrated database and one organization."""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

HOST = "127.0.0.1"
START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0


@dataclass(frozen=True)
class Organization:
    api_id: str
    api_key: str
    rest_key: str

    @property
    def headers(self) -> dict[str, str]:
        """What every public API call sends: X-VO-Api-Id and X-VO-Api-Key."""
        return {"X-VO-Api-Id": self.api_id, "X-VO-Api-Key": self.api_key}


@dataclass(frozen=True)
class Server:
    base_url: str
    host: str
    port: int
    pid: int
    org: Organization
    log: Path  # the server's stdout and stderr


def vigil_command() -> str:
    """The `vigil` script beside this interpreter (the virtualenv's), else the one on PATH."""
    beside = Path(sys.executable).parent / "vigil"
    found = str(beside) if beside.exists() else shutil.which("vigil")
    if not found:
        raise RuntimeError("the `vigil` command is not installed (make .venv/bin/vigil)")
    return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def rss_bytes(pid: int) -> int:
    """The resident set size of a process (VmRSS), or 0 once it has gone."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0


def cpu_seconds(pid: int) -> float:
    """The user and system CPU time a process has used so far, or 0 once it has gone."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _run(command: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr}")
    return done.stdout


def _wait_healthy(process: subprocess.Popen[bytes], base_url: str, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"vigil serve exited ({process.returncode}):\n{log_tail(log)}")
        try:
            with urllib.request.urlopen(f"{base_url}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)
    raise RuntimeError(
        f"vigil serve did not answer /healthz in {START_TIMEOUT:.0f} s:\n{log_tail(log)}"
    )


def log_tail(log: Path, lines: int = 30) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def vigil_server(database_url: str, workdir: Path) -> Iterator[Server]:
    """Migrate `database_url`, create organization "Bench", serve it; stop the server on exit."""
    env = {**os.environ, "VIGIL_DATABASE_URL": database_url, "VIGIL_LOG_LEVEL": "WARNING"}
    vigil = vigil_command()
    _run([vigil, "db", "upgrade"], env)
    created = json.loads(
        _run([vigil, "org", "create", "Bench", "--json"], env).strip().splitlines()[-1]
    )
    org = Organization(created["api_id"], created["api_key"], created["rest_key"])

    port = free_port()
    base_url = f"http://{HOST}:{port}"
    log = workdir / f"serve-{port}.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [vigil, "serve", "--host", HOST, "--port", str(port)],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_healthy(process, base_url, log)
        yield Server(base_url, HOST, port, process.pid, org, log)
    finally:
        _stop(process)
