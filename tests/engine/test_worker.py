import logging
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from sqlalchemy import Engine, delete, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from vigil import clock
from vigil.config import Settings
from vigil.db import transaction
from vigil.engine import timers
from vigil.engine.handlers import HANDLERS, build_worker
from vigil.engine.models import Timer
from vigil.engine.worker import Worker
from vigil.orgs.service import NewOrganization

T0 = datetime(2030, 1, 7, 9, 0, tzinfo=UTC)
WAIT = 10.0


@pytest.fixture(autouse=True)
def no_other_timers(sessions: sessionmaker[Session]) -> Iterator[None]:
    """A worker claims every due timer in the database, whichever test left it behind."""
    clear_timers(sessions)
    yield
    clear_timers(sessions)


@pytest.fixture
def frozen() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def clear_timers(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as session:
        session.execute(delete(Timer))


@dataclass
class Recorder:
    """A handler that remembers what it ran."""

    runs: list[tuple[int, dict[str, Any]]] = field(default_factory=list)

    def __call__(self, session: Session, timer: Timer) -> None:
        self.runs.append((timer.id, timer.payload))

    @property
    def ids(self) -> list[int]:
        return [timer_id for timer_id, _ in self.runs]


@dataclass
class FailingHandler:
    """Raises for its first `failures` runs, then succeeds."""

    failures: int
    message: str = "smtp down"
    succeeded: int = 0

    def __call__(self, session: Session, timer: Timer) -> None:
        if self.failures:
            self.failures -= 1
            raise RuntimeError(self.message)
        self.succeeded += 1


def add(
    sessions: sessionmaker[Session],
    org_id: int,
    due_at: datetime = T0,
    kind: str = "ping",
    payload: dict[str, Any] | None = None,
    key: str | None = None,
) -> int:
    with transaction(sessions) as session:
        return timers.schedule(session, org_id, kind, due_at, payload, key).id


def stored(sessions: sessionmaker[Session]) -> list[Timer]:
    with transaction(sessions) as session:
        return list(session.scalars(select(Timer).order_by(Timer.due_at, Timer.id)))


def only_timer(sessions: sessionmaker[Session]) -> Timer:
    [timer] = stored(sessions)
    return timer


def test_a_timer_runs_once_when_due(
    sessions: sessionmaker[Session], org: NewOrganization, frozen: time_machine.Traveller
) -> None:
    timer_id = add(sessions, org.org.id, T0 + timedelta(minutes=5), payload={"incident": 7})
    recorder = Recorder()
    worker = Worker(sessions, {"ping": recorder})
    frozen.shift(timedelta(minutes=5))
    assert worker.run_due() == 1
    assert worker.run_due() == 0
    assert recorder.runs == [(timer_id, {"incident": 7})]
    assert stored(sessions) == []


def test_a_timer_not_yet_due_waits(
    sessions: sessionmaker[Session], org: NewOrganization, frozen: time_machine.Traveller
) -> None:
    add(sessions, org.org.id, T0 + timedelta(minutes=5))
    recorder = Recorder()
    frozen.shift(timedelta(minutes=5) - timedelta(microseconds=1))
    assert Worker(sessions, {"ping": recorder}).run_due() == 0
    assert recorder.runs == []
    assert only_timer(sessions).attempts == 0


def test_run_due_takes_an_explicit_moment(
    sessions: sessionmaker[Session], org: NewOrganization, frozen: time_machine.Traveller
) -> None:
    add(sessions, org.org.id, T0 + timedelta(hours=1))
    assert Worker(sessions, {"ping": Recorder()}).run_due(T0 + timedelta(hours=1)) == 1


def test_due_timers_run_soonest_first(
    sessions: sessionmaker[Session], org: NewOrganization, frozen: time_machine.Traveller
) -> None:
    later = add(sessions, org.org.id, T0 - timedelta(minutes=1))
    sooner = add(sessions, org.org.id, T0 - timedelta(minutes=2))
    recorder = Recorder()
    Worker(sessions, {"ping": recorder}).run_due()
    assert recorder.ids == [sooner, later]


def test_a_run_stops_once_the_batch_is_spent(
    sessions: sessionmaker[Session], org: NewOrganization, frozen: time_machine.Traveller
) -> None:
    for _ in range(3):
        add(sessions, org.org.id)
    worker = Worker(sessions, {"ping": Recorder()}, batch=2)
    assert worker.run_due() == 2
    assert worker.run_due() == 1


def test_a_handlers_writes_commit_with_the_timer(
    sessions: sessionmaker[Session], org: NewOrganization, frozen: time_machine.Traveller
) -> None:
    add(sessions, org.org.id)

    def follow_up(session: Session, timer: Timer) -> None:
        timers.schedule(session, timer.org_id, "reminder", T0 + timedelta(minutes=10))

    Worker(sessions, {"ping": follow_up}).run_due()
    assert only_timer(sessions).kind == "reminder"


def test_a_handler_can_reschedule_its_own_key(
    sessions: sessionmaker[Session], org: NewOrganization, frozen: time_machine.Traveller
) -> None:
    add(sessions, org.org.id, key="incident:1", payload={"step": 1})

    def next_step(session: Session, timer: Timer) -> None:
        step = timer.payload["step"] + 1
        due_at = timer.due_at + timedelta(minutes=5)
        timers.schedule(session, timer.org_id, timer.kind, due_at, {"step": step}, timer.key)

    worker = Worker(sessions, {"ping": next_step})
    assert worker.run_due() == 1
    timer = only_timer(sessions)
    assert (timer.key, timer.due_at, timer.payload) == (
        "incident:1",
        T0 + timedelta(minutes=5),
        {"step": 2},
    )


def test_a_failing_handler_is_retried_later_with_backoff(
    sessions: sessionmaker[Session], org: NewOrganization, frozen: time_machine.Traveller
) -> None:
    handler = FailingHandler(failures=2)
    worker = Worker(sessions, {"ping": handler})
    add(sessions, org.org.id)
    assert worker.run_due() == 0
    failed = only_timer(sessions)
    assert (failed.attempts, failed.last_error) == (1, "RuntimeError: smtp down")
    assert failed.due_at == T0 + timedelta(seconds=1)
    frozen.shift(timedelta(seconds=1))
    assert worker.run_due() == 0
    assert only_timer(sessions).due_at == T0 + timedelta(seconds=1 + 2)
    frozen.shift(timedelta(seconds=2))
    assert worker.run_due() == 1
    assert (handler.succeeded, stored(sessions)) == (1, [])


def test_backoff_is_capped_by_max_backoff(
    sessions: sessionmaker[Session], org: NewOrganization, frozen: time_machine.Traveller
) -> None:
    worker = Worker(
        sessions, {"ping": FailingHandler(failures=4)}, max_backoff=timedelta(seconds=3)
    )
    add(sessions, org.org.id)
    delays = []
    for _ in range(4):
        before = clock.now()
        worker.run_due()
        delays.append((only_timer(sessions).due_at - before).total_seconds())
        frozen.move_to(only_timer(sessions).due_at)
    assert delays == [1, 2, 3, 3]


def test_a_failing_handlers_writes_are_rolled_back(
    sessions: sessionmaker[Session], org: NewOrganization, frozen: time_machine.Traveller
) -> None:
    timer_id = add(sessions, org.org.id)

    def half_done(session: Session, timer: Timer) -> None:
        timers.schedule(session, timer.org_id, "reminder", T0 + timedelta(minutes=10))
        raise RuntimeError("webhook refused")

    Worker(sessions, {"ping": half_done}).run_due()
    assert only_timer(sessions).id == timer_id


def test_a_long_error_is_truncated(
    sessions: sessionmaker[Session], org: NewOrganization, frozen: time_machine.Traveller
) -> None:
    add(sessions, org.org.id)
    Worker(sessions, {"ping": FailingHandler(failures=1, message="x" * 10_000)}).run_due()
    assert len(only_timer(sessions).last_error or "") == 2000


def test_a_failure_does_not_stop_the_other_timers(
    sessions: sessionmaker[Session], org: NewOrganization, frozen: time_machine.Traveller
) -> None:
    failing = add(sessions, org.org.id, T0 - timedelta(minutes=1), kind="broken")
    working = add(sessions, org.org.id, T0)
    recorder = Recorder()
    worker = Worker(sessions, {"broken": FailingHandler(failures=1), "ping": recorder})
    assert worker.run_due() == 1
    assert recorder.ids == [working]
    assert only_timer(sessions).id == failing


def test_timers_claimed_together_keep_their_writes_when_another_one_fails(
    sessions: sessionmaker[Session], org: NewOrganization, frozen: time_machine.Traveller
) -> None:
    add(sessions, org.org.id, T0 - timedelta(minutes=1), kind="broken")
    add(sessions, org.org.id, T0)

    def schedules_a_reminder(session: Session, timer: Timer) -> None:
        timers.schedule(session, timer.org_id, "reminder", T0 + timedelta(hours=1))

    def writes_then_fails(session: Session, timer: Timer) -> None:
        timers.schedule(session, timer.org_id, "orphan", T0 + timedelta(hours=1))
        raise RuntimeError("half done")

    worker = Worker(sessions, {"broken": writes_then_fails, "ping": schedules_a_reminder})
    assert worker.run_due() == 1
    assert sorted(t.kind for t in stored(sessions)) == ["broken", "reminder"]


def test_a_kind_without_a_handler_is_left_for_a_worker_that_knows_it(
    sessions: sessionmaker[Session], org: NewOrganization, frozen: time_machine.Traveller
) -> None:
    timer_id = add(sessions, org.org.id, kind="mystery")
    assert Worker(sessions, {"ping": Recorder()}).run_due() == 0
    kept = only_timer(sessions)
    assert (kept.id, kept.attempts, kept.last_error) == (timer_id, 0, None)
    recorder = Recorder()
    assert Worker(sessions, {"mystery": recorder}).run_due() == 1
    assert recorder.ids == [timer_id]


def test_build_worker_runs_the_registered_kinds(
    sessions: sessionmaker[Session],
    org: NewOrganization,
    frozen: time_machine.Traveller,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    recorder = Recorder()
    monkeypatch.setitem(HANDLERS, "ping", recorder)
    timer_id = add(sessions, org.org.id)
    assert build_worker(sessions).run_due() == 1
    assert recorder.ids == [timer_id]


def run_in_thread(
    worker: Worker, poll_seconds: float = 0.01
) -> tuple[threading.Event, threading.Thread]:
    stop = threading.Event()
    thread = threading.Thread(target=worker.run_forever, args=(stop, poll_seconds), daemon=True)
    thread.start()
    return stop, thread


def test_run_forever_runs_due_timers_until_stopped(
    sessions: sessionmaker[Session], org: NewOrganization, frozen: time_machine.Traveller
) -> None:
    ran = threading.Event()
    stop, thread = run_in_thread(Worker(sessions, {"ping": lambda session, timer: ran.set()}))
    add(sessions, org.org.id)
    assert ran.wait(WAIT)
    stop.set()
    thread.join(WAIT)
    assert not thread.is_alive()
    assert stored(sessions) == []


class FlakySessions(sessionmaker[Session]):
    """Sessions whose database is unreachable for the first few attempts."""

    outages = 2

    def __call__(self, **local_kw: Any) -> Session:
        if self.outages:
            self.outages -= 1
            raise OperationalError("SELECT 1", {}, ConnectionRefusedError("database is down"))
        return super().__call__(**local_kw)


def test_run_forever_survives_database_errors(
    engine: Engine,
    sessions: sessionmaker[Session],
    org: NewOrganization,
    frozen: time_machine.Traveller,
    caplog: pytest.LogCaptureFixture,
) -> None:
    ran = threading.Event()
    flaky = FlakySessions(engine, expire_on_commit=False)
    add(sessions, org.org.id)
    with caplog.at_level(logging.ERROR, logger="vigil.engine"):
        stop, thread = run_in_thread(Worker(flaky, {"ping": lambda session, timer: ran.set()}))
        assert ran.wait(WAIT)
        stop.set()
        thread.join(WAIT)
    assert [r.message for r in caplog.records] == ["worker cycle failed"] * 2


KILLABLE_WORKER = """
import sys, threading
from vigil.db import make_engine, make_session_factory
from vigil.engine.worker import Worker

def hang(session, timer):
    print(timer.id, flush=True)
    threading.Event().wait()

Worker(make_session_factory(make_engine(sys.argv[1])), {"ping": hang}).run_due()
"""


def claim_in_a_process_and_kill_it(database_url: str) -> str:
    """Starts a worker process, waits until its handler runs, then SIGKILLs it."""
    process = subprocess.Popen(
        [sys.executable, "-c", KILLABLE_WORKER, database_url], stdout=subprocess.PIPE, text=True
    )
    watchdog = threading.Timer(60, process.kill)
    watchdog.start()
    try:
        assert process.stdout is not None
        return process.stdout.readline().strip()
    finally:
        watchdog.cancel()
        process.kill()
        process.wait(WAIT)


def wait_until_unlocked(sessions: sessionmaker[Session], timer_id: int) -> None:
    """PostgreSQL ends a dead client's transaction once it notices the closed connection."""
    with transaction(sessions) as session:
        session.execute(select(Timer.id).where(Timer.id == timer_id).with_for_update())


def test_a_killed_worker_leaves_its_timer_for_the_next(
    settings: Settings, sessions: sessionmaker[Session], org: NewOrganization
) -> None:
    timer_id = add(sessions, org.org.id, datetime(2020, 1, 1, tzinfo=UTC))
    assert claim_in_a_process_and_kill_it(settings.database_url) == str(timer_id)
    wait_until_unlocked(sessions, timer_id)
    recorder = Recorder()
    assert Worker(sessions, {"ping": recorder}).run_due() == 1
    assert recorder.ids == [timer_id]


@pytest.mark.postgres_only
def test_a_timer_held_by_a_running_worker_is_skipped(
    sessions: sessionmaker[Session], org: NewOrganization, frozen: time_machine.Traveller
) -> None:
    add(sessions, org.org.id, T0 - timedelta(minutes=1), kind="slow")
    free = add(sessions, org.org.id, T0)
    entered, release = threading.Event(), threading.Event()
    released_while_holding: list[bool] = []

    def slow(session: Session, timer: Timer) -> None:
        entered.set()
        released_while_holding.append(release.wait(WAIT))

    first = threading.Thread(target=Worker(sessions, {"slow": slow}).run_due)
    first.start()
    recorder = Recorder()
    try:
        assert entered.wait(WAIT)
        ran = Worker(sessions, {"slow": recorder, "ping": recorder}).run_due()
    finally:
        release.set()
        first.join(WAIT)
    assert (ran, recorder.ids) == (1, [free])
    assert released_while_holding == [True]
    assert stored(sessions) == []


def wait_for_a_blocked_query(sessions: sessionmaker[Session]) -> None:
    deadline = time.monotonic() + WAIT
    query = text("SELECT count(*) FROM pg_locks WHERE NOT granted")
    while time.monotonic() < deadline:
        with transaction(sessions) as session:
            if session.scalar(query):
                return
        time.sleep(0.01)
    raise AssertionError("no query waited for a lock")


@pytest.mark.postgres_only
def test_moving_a_timer_while_it_runs_waits_then_adds_a_new_one(
    sessions: sessionmaker[Session], org: NewOrganization, frozen: time_machine.Traveller
) -> None:
    add(sessions, org.org.id, key="incident:1")
    entered, release = threading.Event(), threading.Event()
    errors: list[Exception] = []

    def slow(session: Session, timer: Timer) -> None:
        entered.set()
        release.wait(WAIT)

    def move() -> None:
        try:
            add(sessions, org.org.id, T0 + timedelta(minutes=5), key="incident:1")
        except Exception as error:
            errors.append(error)

    running = threading.Thread(target=Worker(sessions, {"ping": slow}).run_due)
    mover = threading.Thread(target=move)
    running.start()
    try:
        assert entered.wait(WAIT)
        mover.start()
        wait_for_a_blocked_query(sessions)
    finally:
        release.set()
        running.join(WAIT)
        mover.join(WAIT)
    assert errors == []
    timer = only_timer(sessions)
    assert (timer.key, timer.due_at) == ("incident:1", T0 + timedelta(minutes=5))


@pytest.mark.postgres_only
def test_two_workers_never_run_the_same_timer(
    sessions: sessionmaker[Session], org: NewOrganization, frozen: time_machine.Traveller
) -> None:
    with transaction(sessions) as session:
        expected = [timers.schedule(session, org.org.id, "ping", T0).id for _ in range(300)]
    runs: Counter[int] = Counter()
    by_worker: Counter[str] = Counter()
    start = threading.Barrier(2)

    def handler_of(name: str) -> Any:
        def handle(session: Session, timer: Timer) -> None:
            runs[timer.id] += 1
            by_worker[name] += 1
            time.sleep(0.001)  # holds the claim long enough for the workers to overlap

        return handle

    def drain(name: str) -> None:
        worker = Worker(sessions, {"ping": handler_of(name)}, batch=20)
        start.wait(WAIT)
        while worker.run_due():
            pass

    threads = [threading.Thread(target=drain, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(runs) == sorted(expected)
    assert set(runs.values()) == {1}
    assert by_worker["a"] > 0 and by_worker["b"] > 0
    assert stored(sessions) == []
