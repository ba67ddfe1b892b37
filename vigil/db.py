"""Database engine, session factory and the declarative base shared by every domain package."""

import sqlite3
from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from sqlalchemy import DateTime, Engine, MetaData, Select, Table, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on both databases (SQLite keeps no zone, PostgreSQL uses timestamptz)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use vigil.clock")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def table_of(model: type[Base]) -> Table:
    """A mapped class's table, for statements built once and executed on a connection."""
    return cast(Table, model.__table__)


RETRYABLE_SQLSTATES = frozenset({"40P01", "40001"})  # deadlock detected, serialization failure


def dialect_insert(session: Session, table: Table) -> Any:
    """An INSERT with the database's ON CONFLICT clauses (PostgreSQL's or SQLite's)."""
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def ids_or_query(ids: Iterable[int] | Select[Any]) -> Collection[int] | Select[Any] | None:
    """What an `IN` takes: the ids as a set, or the query that selects them; None when there are
    no ids (nothing to look up)."""
    if isinstance(ids, Select):
        return ids
    wanted = set(ids)
    return wanted or None


def is_retryable(error: BaseException) -> bool:
    """A transaction that lost a race (a unique key taken meanwhile, a deadlock): run it again."""
    if isinstance(error, IntegrityError):
        return True
    sqlstate = getattr(getattr(error, "orig", None), "sqlstate", None)
    return isinstance(error, DBAPIError) and sqlstate in RETRYABLE_SQLSTATES


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


SQLITE_MMAP_BYTES = 1 << 32
"""Reads map the database file instead of copying pages (SQLite caps it at its build's limit)."""
SQLITE_ANALYSIS_LIMIT = 1000
"""Index entries ANALYZE samples: milliseconds, where a full one holds the write lock for
seconds on a million incidents (SQLite 3.46+ limits what `PRAGMA optimize` runs by itself)."""


def _prepare_sqlite(engine: Engine) -> None:
    """Pragmas on every new connection, and the query planner's statistics kept fresh.

    SQLite plans queries from statistics that only ANALYZE gathers, and without them it may
    pick the wrong index (an entity filter walking every resolved incident). As SQLite
    documents for long-lived connections, each one runs `PRAGMA optimize=0x10002` when it
    opens (since SQLite 3.46: analyze whatever was never analyzed or has grown 25-fold) and
    `PRAGMA optimize` when it goes back to the pool: microseconds, except the rare time a table
    it used has grown 25-fold since it was last analyzed, and then a sampled ANALYZE.
    """

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}")
        cursor.execute(f"PRAGMA analysis_limit={SQLITE_ANALYSIS_LIMIT}")
        cursor.close()
        _optimize(dbapi_connection, "PRAGMA optimize=0x10002")

    @event.listens_for(engine, "checkin")
    def _statistics(dbapi_connection: Any, _record: Any) -> None:
        if dbapi_connection is not None:
            _optimize(dbapi_connection, "PRAGMA optimize")


def _optimize(dbapi_connection: Any, pragma: str) -> None:
    """Statistics only speed queries up: a locked or read-only database goes without."""
    with suppress(sqlite3.Error):
        dbapi_connection.execute(pragma)


def ensure_sqlite_directory(url: str) -> None:
    """SQLite creates the file but not its folder (./var on a fresh clone)."""
    database = make_url(url).database
    if is_sqlite(url) and database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)


def make_engine(url: str, pool_size: int = 10, pool_timeout: float = 30.0) -> Engine:
    pool = {"pool_size": pool_size, "max_overflow": pool_size, "pool_timeout": pool_timeout}
    if is_sqlite(url):
        ensure_sqlite_directory(url)
        engine = create_engine(url, **pool)
        _prepare_sqlite(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, **pool)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commits when the block ends, rolls back if it raises."""
    with factory() as session, session.begin():
        yield session
