"""A `vigil serve` subprocess on a free loopback port, with a migrated database and one organization.

With `--workers N` the `vigil serve` process supervises N worker processes: memory and CPU are
read for the whole process tree (the supervisor and every descendant), not only for the first pid.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
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
    pid: int  # the `vigil serve` process: with workers > 1, their supervisor
    org: Organization
    log: Path  # the server's stdout and stderr
    database_url: str
    workers: int = 1


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


def process_tree(root: int) -> list[int]:
    """`root` and all its descendants still running (one pass over /proc), root first."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # gone meanwhile
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    tree, pending = [], [root]
    while pending:
        pid = pending.pop()
        tree.append(pid)
        pending.extend(children.get(pid, ()))
    return tree


def tree_rss_bytes(pids: list[int]) -> int:
    """The sum of the processes' resident set sizes (shared pages are counted in each)."""
    return sum(rss_bytes(pid) for pid in pids)


def tree_cpu_seconds(root: int) -> float:
    """CPU time used so far by `root` and its descendants, including children they have reaped.

    A process's cutime/cstime hold the CPU of its children that exited and were waited for, so a
    PostgreSQL backend or a server worker that ended inside the window is still counted.
    """
    return sum(cpu_seconds(pid, with_reaped_children=True) for pid in process_tree(root))


def machine_busy_seconds() -> float:
    """CPU time all processors have spent busy since boot (/proc/stat, idle and iowait excluded).

    What is busy beyond the server, the database and the load generator is someone else's work
    on a shared machine, and the figures of that run are disturbed by it.
    """
    with open("/proc/stat") as stat:
        fields = [int(n) for n in stat.readline().split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


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


def cpu_seconds(pid: int, *, with_reaped_children: bool = False) -> float:
    """The user and system CPU time a process has used so far, or 0 once it has gone."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    ticks = int(fields[11]) + int(fields[12])
    if with_reaped_children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / os.sysconf("SC_CLK_TCK")


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


def _wait_workers(process: subprocess.Popen[bytes], workers: int, log: Path) -> None:
    """With several workers, wait until each has started (the first may answer /healthz alone)."""
    deadline = time.monotonic() + START_TIMEOUT
    while len(process_tree(process.pid)) < workers + 1:
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"vigil serve did not start {workers} workers:\n{log_tail(log)}")
        time.sleep(0.1)
    time.sleep(1.0)  # the late worker imports the application before it accepts


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the server's process group (its workers too), SIGKILL if it lingers."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        with suppress(subprocess.TimeoutExpired):
            process.wait(STOP_TIMEOUT)
    with suppress(ProcessLookupError):  # whatever is left of the group, workers included
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


@contextmanager
def vigil_server(database_url: str, workdir: Path, workers: int = 1) -> Iterator[Server]:
    """Migrate `database_url`, create organization "Bench", serve it; stop the server on exit.

    `workers` > 1 runs `vigil serve --workers N` (PostgreSQL only): N processes on one port.
    """
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
            [vigil, "serve", "--host", HOST, "--port", str(port), "--workers", str(workers)],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped with all its workers
        )
    try:
        _wait_healthy(process, base_url, log)
        if workers > 1:
            _wait_workers(process, workers, log)
        yield Server(base_url, HOST, port, process.pid, org, log, database_url, workers)
    finally:
        _stop(process)
